"""Checks beyond parsing, for ``mailbot check``: things a valid file can still get wrong."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from email import message_from_bytes
from pathlib import Path

from imapclient import IMAPClient

from mailbot.config.problems import Problem
from mailbot.config.settings import Settings, find_line
from mailbot.inbound.inbox import NETWORK_ERRORS, ImapInbox, InboxError
from mailbot.inbound.trust import ours
from mailbot.ledger.read import Ledger, load_ledger
from mailbot.outbound import legal, pdf
from mailbot.outbound.documents import einvoice_gaps, wants_pdf
from mailbot.outbound.sources import Sources
from mailbot.outbound.templates import template_problems
from mailbot.outbound.transport import SendError, SmtpOutbox
from mailbot.records.language import unconfigured
from mailbot.service.languages import client_languages, suggestions
from mailbot.state.integrity import check_file
from mailbot.state.store import Store


@dataclass(frozen=True)
class CheckReport:
    """All that ``mailbot check`` found: each problem and hint one line, and the counts."""

    problems: list[str]
    hints: list[str]
    clients: int
    invoices: int
    valid: int


def check(settings: Settings, connect: bool = False) -> CheckReport:
    """The config, then the ledger, then (``connect``) a login to each configured server."""
    problems = [str(p) for p in config_problems(settings)]
    ledger = load_ledger(settings)
    problems += [str(p) for p in ledger.problems]
    state = state_problems(settings)
    problems += state
    hints: list[str] = [] if state else language_hints(settings)
    hints += source_hints(settings) + einvoice_hints(settings)
    lacking, advice = legal_findings(settings, ledger)
    problems += lacking
    hints += advice
    if connect:
        problems += connect_problems(settings, hints)
    return CheckReport(problems, hints, len(settings.clients), len(ledger.invoices), len(ledger.valid()))


def legal_findings(settings: Settings, ledger: Ledger) -> tuple[list[str], list[str]]:
    """What the invoices lack under the seller's country's law (``outbound.legal``), each
    one line naming the config key or ledger line to fix: problems, then hints."""
    path = settings.config_path
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    problems: list[str] = []
    hints: list[str] = []
    for gap in legal.gaps(settings, ledger.valid()):
        if gap.line:
            line = f"{ledger.path}:{gap.line}: {gap.message}"
        elif gap.where:
            line = f"{path}:{find_line(text, list(gap.where))}: {gap.message}"
        else:
            line = gap.message
        (problems if gap.problem else hints).append(line)
    return problems, hints


def language_hints(settings: Settings) -> list[str]:
    """The clients who write in another language than mailbot writes to them (learned from
    their replies, ``records.language``): the config line that would change it, each time
    ``check`` runs (the pass tells the owner once)."""
    if not unconfigured(settings.clients) or not settings.state_path.is_file():
        return []
    with Store(settings.state_path) as store:
        learned = client_languages(store, settings, Sources.of(settings.templates_dir).languages)
    return suggestions(settings, learned)


def state_problems(settings: Settings) -> list[str]:
    """The state file where ``run`` would refuse it: a folder, not writable, lost, not
    SQLite, damaged, of a newer mailbot or not mailbot's (one ``PATH: message``, the first
    line of ``mailbot state check``'s verdict, with SQLite's quick check).  Writes nothing."""
    verdict = check_file(settings.state_path, quick=True)
    return [] if verdict.ok else verdict.lines[:1]


def config_problems(settings: Settings) -> list[Problem]:
    """Clients in a language without translations (a problem, so ``check`` fails: they would
    get English); the owner's templates that do not compile."""
    path = settings.config_path
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    sources = Sources.of(settings.templates_dir)
    languages = sources.languages
    problems = _templates_problems(settings, sources, text)
    for client_id, client in settings.clients.items():
        instead = "mailbot will not write to this client in English instead"
        problems += _no_words(path, text, languages, ["clients", client_id], client.language, instead)
    problems += _owner_language_problems(settings, languages, text)
    logo = settings.business.logo
    if logo and not logo.startswith(("http://", "https://")) and not settings.resolve(logo).is_file():
        line = find_line(text, ["business", "logo"])
        problems.append(Problem(str(path), line, f"[business] logo: {settings.resolve(logo)} not found"))
    return problems


def _owner_language_problems(settings: Settings, languages: frozenset[str], text: str) -> list[Problem]:
    """The owner's language (``[business]``, and ``[digest]`` when set apart) without
    translations: the owner would get English, as a client would."""
    found = []
    digest = settings.digest.language
    keys = [("business", settings.business.language)] + (
        [("digest", digest)] if digest != settings.business.language else []
    )
    for section, language in keys:
        instead = "mailbot would write to you in English"
        found += _no_words(settings.config_path, text, languages, [section], language, instead)
    return found


def _no_words(path: Path, text: str, languages: frozenset[str], table: list[str], language: str,
              instead: str) -> list[Problem]:  # fmt: skip
    """``language`` of ``[table]`` has no translations (``instead``: what mailbot does then),
    named at its config line."""
    base = language.replace("-", "_").split("_")[0]
    if base in languages:
        return []
    return [Problem(str(path), find_line(text, [*table, "language"]), (
        f"[{'.'.join(table)}] language: no translation for {language!r} "
        f"(have {', '.join(sorted(languages))}); {instead}: choose one of those, or add "
        f"locale/{base}/LC_MESSAGES/mailbot.po to your [templates] dir"
    ))]  # fmt: skip


def _templates_problems(settings: Settings, sources: Sources, text: str) -> list[Problem]:
    found = template_problems(sources)
    if sources.own is not None and not sources.own.is_dir():  # name the config line that points there
        line = find_line(text, ["templates", "dir"])
        return [Problem(str(settings.config_path), line, f"[templates] dir: {sources.own} not found")]
    return found


def connect_problems(settings: Settings, hints: list[str] | None = None) -> list[str]:
    """Log in to the configured servers; each failure is one line naming the server.
    ``hints`` collects advice that is not a failure (which authserv-id to trust)."""
    problems = []
    if settings.smtp.host:
        try:
            with SmtpOutbox(settings.smtp, resolve=settings.resolve) as box:
                box.client = box.connect()
        except SendError as exc:
            problems.append(f"smtp {settings.smtp.host}:{settings.smtp.effective_port}: {exc}")
    if settings.imap.host:
        problems += _imap_login(settings, hints if hints is not None else [])
    return problems


SAMPLE = 20  # recent messages whose Authentication-Results are looked at


def authserv_hint(settings: Settings, found: Counter[str], looked_at: int) -> str | None:
    """Which server's Authentication-Results mailbot should believe, from recent mail.

    Only the topmost header written by our own server counts (trust.py). Without
    ``[imap] authserv_id`` that is the business domain; Gmail, Microsoft 365 and most
    hosts write their own name, and then DKIM and DMARC results are not used."""
    cfg = settings.imap
    where = f"imap {cfg.host}:{cfg.effective_port}"
    if not found:
        return (f"{where}: none of the last {looked_at} messages has Authentication-Results; "
                "trust rests on the sender address alone") if looked_at else None  # fmt: skip
    if any(ours(name, cfg.authserv_id, settings.domain) for name in found):
        return None
    common = found.most_common(1)[0][0]
    now = f'[imap] authserv_id = "{cfg.authserv_id}"' if cfg.authserv_id else "no [imap] authserv_id"
    return (
        f"{where}: the last {looked_at} messages carry Authentication-Results from "
        f"{', '.join(sorted(found))}, "
        f"which {now} does not trust; if {common!r} is your provider's server, set "
        f'[imap] authserv_id = "{common}" so that DKIM and DMARC results count'
    )


def _authserv_ids(client: IMAPClient) -> tuple[Counter[str], int]:
    """The authserv-id of the topmost Authentication-Results of the last SAMPLE messages."""
    uids = sorted(client.search(["ALL"]))[-SAMPLE:]
    found: Counter[str] = Counter()
    if not uids:
        return found, 0
    fetched = client.fetch(uids, ["BODY.PEEK[HEADER.FIELDS (AUTHENTICATION-RESULTS)]"])
    for data in fetched.values():
        raw = next((v for k, v in data.items() if k.startswith(b"BODY[HEADER")), b"")
        header = message_from_bytes(raw or b"").get("Authentication-Results")
        name = str(header or "").split(";")[0].split()
        if name:
            found[name[0].lower()] += 1
    return found, len(uids)


def _imap_login(settings: Settings, hints: list[str]) -> list[str]:
    """Log in exactly as the worker does (``ImapInbox.connect``): a setting that works
    here works in ``run``, and the other way round."""
    inbox = ImapInbox(settings.imap, resolve=settings.resolve)
    try:
        client = inbox.connect()
        hint = authserv_hint(settings, *_authserv_ids(client))
    except InboxError as exc:
        return [str(exc)]
    except NETWORK_ERRORS as exc:
        cfg = settings.imap
        return [f"imap {cfg.host}:{cfg.effective_port}: {exc}"]
    finally:
        inbox.close()
    hints += [hint] if hint else []
    return []


def source_hints(settings: Settings) -> list[str]:
    """``[[payments.sources]]`` where no notification can be believed: on the Maildir
    default no server writes ``Authentication-Results``, so each one would go to the owner."""
    if not settings.payments.sources or settings.imap.host:
        return []
    path = settings.config_path
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    line = find_line(text, ["payments", "sources", "kind"], 0)
    return [
        f"{path}:{line}: [[payments.sources]]: notifications are believed only with your mail "
        "server's Authentication-Results, which the Maildir inbox has none of: set [imap] to read them"
    ]


def einvoice_hints(settings: Settings) -> list[str]:
    """Clients whose e-invoice the config cannot fill in (``documents.einvoice_gaps``): their
    invoices go with a PDF alone until it does."""
    hints = []
    if (why := pdf.missing()) and any(wants_pdf(settings, c) for c in settings.clients.values()):
        hints.append(f"invoice mails go without their PDF and e-invoice: {why}")
    for client_id, client in settings.clients.items():
        if gaps := einvoice_gaps(settings, client):
            hints.append(f"[clients.{client_id}]: no e-invoice until the config has " + "; ".join(gaps))
    return hints
