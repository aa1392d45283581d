"""Where mail goes and comes from: the Maildir folder, the SMTP and IMAP servers."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr

from mailbot.config.base import Section
from mailbot.config.values import OneLine


class Mail(Section):
    dir: Path = Path("var/mail")


class InboxSection(Section):
    """How much a wave of junk may cost the owner and the state file (``[inbox]``).

    Mail from strangers, mailing lists and bulk senders that would go to the owner is
    forwarded at most once per sender and day and ``forwards_per_day`` times a day in
    all; the rest is listed in one digest the next day.  A client's own mail is never
    limited.  The copy of a mail kept in the state file (the forward's attachment) is
    cut at ``keep_bytes`` and dropped ``keep_days`` after it was sent.
    """

    forwards_per_day: int = Field(20, ge=0, le=10_000)
    keep_bytes: int = Field(1024 * 1024, ge=0, le=50 * 1024 * 1024)
    keep_days: int = Field(90, ge=1, le=36_500)


class Smtp(Section):
    host: OneLine = ""
    port: int = Field(0, ge=0, le=65535)  # 0: 25, 587 or 465 by `security`
    security: Literal["none", "starttls", "ssl"] = "starttls"
    username: OneLine = ""
    password: SecretStr = SecretStr("")
    timeout: float = Field(30.0, gt=0, le=3600)  # seconds
    verify: bool = True  # certificate verification; off only for a lab server
    ca_file: Path | None = None  # trust this CA (a private server) besides the system ones

    @property
    def effective_port(self) -> int:
        return self.port or {"none": 25, "starttls": 587, "ssl": 465}[self.security]


class Imap(Section):
    host: OneLine = ""
    port: int = Field(0, ge=0, le=65535)
    security: Literal["none", "starttls", "ssl"] = "ssl"
    username: OneLine = ""
    password: SecretStr = SecretStr("")
    folder: OneLine = "INBOX"
    timeout: float = Field(60.0, gt=0, le=3600)
    verify: bool = True
    ca_file: Path | None = None
    authserv_id: OneLine = ""

    @property
    def effective_port(self) -> int:
        return self.port or {"none": 143, "starttls": 143, "ssl": 993}[self.security]
