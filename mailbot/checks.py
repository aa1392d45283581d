"""Checks beyond parsing, for ``mailbot check``: things a valid file can still get wrong."""

from __future__ import annotations

import imaplib
import ssl

from mailbot.i18n import available_languages
from mailbot.problems import Problem
from mailbot.render import default_templates
from mailbot.settings import Settings, find_line
from mailbot.transport import SendError, SmtpOutbox, tls_context


def config_problems(settings: Settings) -> list[Problem]:
    """Clients in a language without translations (they would get English)."""
    path = settings.config_path
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    languages = available_languages(default_templates())
    problems = []
    for client_id, client in settings.clients.items():
        base = client.language.replace("-", "_").split("_")[0]
        if base not in languages:
            line = find_line(text, ["clients", client_id, "language"])
            problems.append(Problem(str(path), line, (
                f"[clients.{client_id}] language: no translation for {client.language!r} "
                f"(have {', '.join(sorted(languages))}); mails would be in English"
            )))  # fmt: skip
    logo = settings.business.logo
    if logo and not logo.startswith(("http://", "https://")) and not settings.resolve(logo).is_file():
        line = find_line(text, ["business", "logo"])
        problems.append(Problem(str(path), line, f"[business] logo: {settings.resolve(logo)} not found"))
    return problems


def connect_problems(settings: Settings) -> list[str]:
    """Log in to the configured servers; each failure is one line naming the server."""
    problems = []
    if settings.smtp.host:
        try:
            with SmtpOutbox(settings.smtp, resolve=settings.resolve) as box:
                box.client = box.connect()
        except SendError as exc:
            problems.append(f"smtp {settings.smtp.host}:{settings.smtp.effective_port}: {exc}")
    if settings.imap.host:
        problems += _imap_login(settings)
    return problems


def _imap_login(settings: Settings) -> list[str]:
    cfg = settings.imap
    where = f"imap {cfg.host}:{cfg.effective_port}"
    ca = settings.resolve(cfg.ca_file) if cfg.ca_file else None
    context = tls_context(cfg.verify, ca)
    try:
        if cfg.security == "ssl":
            client: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                cfg.host, cfg.effective_port, ssl_context=context, timeout=cfg.timeout
            )
        else:
            client = imaplib.IMAP4(cfg.host, cfg.effective_port, timeout=cfg.timeout)
            if cfg.security == "starttls":
                client.starttls(ssl_context=context)
        client.login(cfg.username, cfg.password.get_secret_value())
        client.select(cfg.folder, readonly=True)
        client.logout()
    except (imaplib.IMAP4.error, OSError, ssl.SSLError) as exc:
        return [f"{where}: {exc}"]
    return []
