"""Where mails go: an SMTP server, or the Maildir ``outbox/`` (the embedded default).

Both implement one tiny protocol: open a batch, ``send(raw, sender, recipients)``
for each mail, close.  Failures are sorted into transient (4xx, disconnects,
time-outs: try again next pass) and permanent (5xx: the server said no).
"""

from __future__ import annotations

import logging
import mailbox
import smtplib
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Protocol, Self

from mailbot.config.settings import Settings, Smtp
from mailbot.config.tls import tls_context

log = logging.getLogger(__name__)


Refused = dict[str, tuple[int, str]]
"""Recipients the server refused: address -> (SMTP code, the server's words)."""


class SendError(Exception):
    """The mail was not sent.  ``refused``: when the server refused its recipients, each of
    them with its code (a 4xx for a recipient is a refusal for now, a 5xx for good)."""

    def __init__(self, message: str, permanent: bool, refused: Refused | None = None):
        super().__init__(message)
        self.permanent = permanent
        self.refused: Refused = refused or {}


class Outbox(Protocol):
    def __enter__(self) -> Self: ...
    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None, /
    ) -> None: ...
    def send(self, raw: bytes, sender: str, recipients: Sequence[str]) -> Refused | None: ...


class MaildirOutbox:
    """Writes each mail as a file into ``<mail.dir>/outbox`` (new/), atomically."""

    def __init__(self, path: Path):
        self.path = path

    def __enter__(self) -> MaildirOutbox:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.box = mailbox.Maildir(self.path, create=True)
        return self

    def __exit__(self, *exc: object) -> None:
        self.box.close()

    def send(self, raw: bytes, sender: str, recipients: Sequence[str]) -> Refused:
        try:
            self.box.add(raw.replace(b"\r\n", b"\n"))
        except OSError as exc:
            raise SendError(f"cannot write to {self.path}: {exc}", permanent=False) from exc
        return {}


class SmtpOutbox:
    """One SMTP connection for a whole batch; reconnects once if the server hangs up."""

    def __init__(self, config: Smtp, resolve=Path):
        self.config = config
        self.ca_file = resolve(config.ca_file) if config.ca_file else None
        self.client: smtplib.SMTP | None = None
        self.broken: SendError | None = None  # a failed connect fails the rest of the batch

    def __enter__(self) -> SmtpOutbox:
        return self

    def __exit__(self, exc_type: type | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def connect(self) -> smtplib.SMTP:
        cfg = self.config
        context = tls_context(cfg.verify, self.ca_file)
        try:
            if cfg.security == "ssl":
                client: smtplib.SMTP = smtplib.SMTP_SSL(
                    cfg.host, cfg.effective_port, timeout=cfg.timeout, context=context
                )
            else:
                client = smtplib.SMTP(cfg.host, cfg.effective_port, timeout=cfg.timeout)
                if cfg.security == "starttls":
                    client.starttls(context=context)
            if cfg.username:
                client.login(cfg.username, cfg.password.get_secret_value())
        except smtplib.SMTPAuthenticationError as exc:
            raise SendError(f"SMTP login failed: {_words(exc)}", permanent=False) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise SendError(f"cannot connect to {cfg.host}: {_words(exc)}", permanent=False) from None
        return client

    def close(self) -> None:
        if self.client is not None:
            try:
                self.client.quit()
            except (smtplib.SMTPException, OSError):
                self.client.close()
            self.client = None

    def send(self, raw: bytes, sender: str, recipients: Sequence[str]) -> Refused:
        """Send one mail; the recipients the server refused while it took the others
        (a refusal of all of them, or of the mail, is a ``SendError``)."""
        if self.broken is not None:
            raise self.broken  # no login or no server: each further mail would wait again
        for attempt in (1, 2):
            if self.client is None:
                try:
                    self.client = self.connect()
                except SendError as exc:
                    self.broken = exc
                    raise
            try:
                refused = self.client.sendmail(sender, list(recipients), raw)
            except smtplib.SMTPServerDisconnected as exc:
                self.client = None
                if attempt == 2:
                    raise SendError(f"server disconnected: {_words(exc)}", permanent=False) from None
                continue  # the connection went stale between mails: once more, fresh
            except smtplib.SMTPRecipientsRefused as exc:
                raise _from_refused(exc.recipients) from None
            except smtplib.SMTPResponseException as exc:
                self._reset()
                raise SendError(_words(exc), permanent=500 <= exc.smtp_code < 600) from None
            except (TimeoutError, OSError, smtplib.SMTPException) as exc:
                self.close_quietly()
                raise SendError(_words(exc), permanent=False) from None
            if refused:
                log.warning("some recipients refused: %s", _refused_text(refused))
            return _codes(refused)
        raise AssertionError("unreachable: the second attempt returns or raises")

    def _reset(self) -> None:
        """After a refused mail, RSET so the connection serves the next one."""
        try:
            if self.client is not None:
                self.client.rset()
        except (smtplib.SMTPException, OSError):
            self.close_quietly()

    def close_quietly(self) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None


def _from_refused(refused: dict) -> SendError:
    codes = [code for code, _ in refused.values()]
    return SendError(
        _refused_text(refused), permanent=all(500 <= c < 600 for c in codes), refused=_codes(refused)
    )


def _codes(refused: dict) -> Refused:
    return {str(addr): (int(code), _decode(msg)) for addr, (code, msg) in refused.items()}


def _refused_text(refused: dict) -> str:
    return "; ".join(f"{addr}: {code} {_decode(msg)}" for addr, (code, msg) in refused.items())


def _decode(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _words(exc: BaseException) -> str:
    """The server's own words, e.g. ``550 5.1.1 mailbox unavailable``."""
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_decode(exc.smtp_error)}"
    return str(exc) or type(exc).__name__


def open_outbox(settings: Settings) -> Outbox:
    """SMTP when ``smtp.host`` is set, else the Maildir outbox."""
    if settings.smtp.host:
        return SmtpOutbox(settings.smtp, resolve=settings.resolve)
    return MaildirOutbox(_maildir_outbox(settings))


def outbox_place(settings: Settings) -> str:
    """Where ``open_outbox`` sends, for people: the SMTP host or the Maildir folder."""
    return settings.smtp.host or str(_maildir_outbox(settings))


def _maildir_outbox(settings: Settings) -> Path:
    return settings.mail_dir / "outbox"
