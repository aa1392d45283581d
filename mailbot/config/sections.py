"""The sections of the owner's config, each a model that checks its own values.

Every value that a mail header, a link or a sum depends on is checked here, so
that `mailbot check` finds a mistake before a client would.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.numbers import list_currencies
from pydantic import (
    BeforeValidator,
    Field,
    SecretStr,
    field_validator,
    model_validator,
)
from pydantic_settings import NoDecode

from mailbot.config.base import Section
from mailbot.config.chase import Step, check_ladder

# Addresses at these providers belong to a person, not to the client's company,
# so their domain never makes a sender "the client's".
PUBLIC_MAIL_DOMAINS = frozenset(
    [
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "msn.com",
        "yahoo.com",
        "yahoo.de",
        "icloud.com",
        "me.com",
        "mac.com",
        "aol.com",
        "gmx.de",
        "gmx.net",
        "gmx.at",
        "web.de",
        "t-online.de",
        "posteo.de",
        "mailbox.org",
        "proton.me",
        "protonmail.com",
        "zoho.com",
        "yandex.ru",
        "mail.ru",
        "freenet.de",
        "arcor.de",
        "online.de",
    ]
)
_EMAIL = re.compile(r"^[^@\s<>\"',;]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$")
_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")
_FONT = re.compile(r"^[A-Za-z0-9 ,'\"-]{1,200}$")


def _as_list(value: Any) -> Any:
    """Let the owner write one address as a string or several as a list.

    From the environment a list comes as text: ``a@x.example`` or ``["a@x", "b@x"]``.
    """
    if isinstance(value, str) and value.strip().startswith("["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return [value] if isinstance(value, str) else value


def _no_newlines(value: Any) -> Any:
    """A value that ends up in a mail header must never carry CR/LF."""
    if isinstance(value, str) and ("\r" in value or "\n" in value):
        raise ValueError("must be on one line (no line breaks)")
    return value


def check_email(address: str) -> str:
    address = address.strip()
    if not _EMAIL.match(address):
        raise ValueError(f"{address!r} is not an email address")
    return address


def domain_of(address: str) -> str:
    return address.rsplit("@", 1)[-1].lower()


Email = Annotated[str, BeforeValidator(_no_newlines)]
OneLine = Annotated[str, BeforeValidator(_no_newlines)]
EmailList = Annotated[list[str], NoDecode, BeforeValidator(_as_list)]


class Business(Section):
    name: OneLine
    email: Email
    address: str = ""
    phone: OneLine = ""
    website: OneLine = ""
    tax_id: OneLine = ""
    logo: str = ""
    legal_note: str = ""  # e.g. "Kleinunternehmer gem. § 19 UStG": printed under the totals
    owner_email: Email = ""  # where replies that need a person go; default: `email`

    _email = field_validator("email")(check_email)

    @field_validator("owner_email")
    @classmethod
    def _owner(cls, value: str) -> str:
        return check_email(value) if value else value

    @property
    def owner(self) -> str:
        return self.owner_email or self.email

    @field_validator("website")
    @classmethod
    def _web(cls, value: str) -> str:
        return _safe_url(value) if value else value


class Brand(Section):
    color: str = "#1f4e79"
    accent: str = "#f2f5f9"
    font: str = "Helvetica, Arial, sans-serif"

    @field_validator("color", "accent")
    @classmethod
    def _hex(cls, value: str) -> str:
        if not _COLOR.match(value):
            raise ValueError(f"{value!r} is not a colour like #1f4e79")
        return value

    @field_validator("font")
    @classmethod
    def _font(cls, value: str) -> str:
        if not _FONT.match(value):
            raise ValueError("a font list may hold letters, digits, spaces, commas and quotes")
        return value


def _safe_url(value: str) -> str:
    """Only links a client can safely click: no ``javascript:``, no spaces."""
    if not re.match(r"^(https?://|mailto:)[^\s<>\"]+$", value):
        raise ValueError(f"{value!r} must start with https://, http:// or mailto:")
    return value


class Payment(Section):
    terms_days: int = Field(14, ge=0, le=365)
    currency: str = "EUR"
    tax_rate: Decimal = Field(Decimal("0"), ge=0, le=100)
    iban: OneLine = ""
    bic: OneLine = ""
    account_holder: OneLine = ""
    bank: OneLine = ""
    link: str = ""
    methods: list[OneLine] = Field(default_factory=list)

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        return check_currency(value)

    @field_validator("iban")
    @classmethod
    def _iban(cls, value: str) -> str:
        return check_iban(value) if value else value

    @field_validator("link")
    @classmethod
    def _link(cls, value: str) -> str:
        if value:
            _safe_url(value.replace("{invoice}", "INVOICE"))
        return value


def check_currency(value: str) -> str:
    code = value.strip().upper()
    if code not in _currencies():
        raise ValueError(f"{value!r} is not an ISO 4217 currency code")
    return code


_CURRENCIES: set[str] = set()


def _currencies() -> set[str]:
    if not _CURRENCIES:
        _CURRENCIES.update(list_currencies())
    return _CURRENCIES


def check_iban(value: str) -> str:
    """ISO 13616 mod-97 check, so a typo in the owner's IBAN never reaches a client."""
    iban = value.replace(" ", "").upper()
    if not re.match(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{10,30}$", iban):
        raise ValueError(f"{value!r} is not an IBAN")
    digits = "".join(str(int(ch, 36)) for ch in iban[4:] + iban[:4])
    if int(digits) % 97 != 1:
        raise ValueError(f"{value!r} fails the IBAN check digits")
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


class Mail(Section):
    dir: Path = Path("var/mail")


class Smtp(Section):
    host: OneLine = ""
    port: int = Field(0, ge=0, le=65535)  # 0: 25, 587 or 465 by `security`
    security: Literal["none", "starttls", "ssl"] = "starttls"
    username: OneLine = ""
    password: SecretStr = SecretStr("")
    timeout: float = Field(30.0, gt=0)
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
    timeout: float = Field(60.0, gt=0)
    verify: bool = True
    ca_file: Path | None = None
    authserv_id: OneLine = ""

    @property
    def effective_port(self) -> int:
        return self.port or {"none": 143, "starttls": 143, "ssl": 993}[self.security]


class LedgerSection(Section):
    path: Path = Path("ledger.csv")


class StateSection(Section):
    path: Path = Path("var/mailbot.db")


class TemplatesSection(Section):
    """The owner's own templates and translations: a file in ``dir`` replaces the shipped
    one at the same relative path (``invoice/body.mjml``, ``locale/de/LC_MESSAGES/mailbot.po``)."""

    dir: Path | None = None


class Client(Section):
    name: OneLine
    email: EmailList
    cc: EmailList = Field(default_factory=list)
    domains: list[str] | None = None
    contact: OneLine = ""  # the person the mail greets
    address: str = ""
    tax_id: OneLine = ""
    language: str = "en"
    timezone: str = "UTC"
    tone: Literal["warm", "friendly", "formal"] = "friendly"
    note: str = ""  # a personal thank-you line for this client
    chase: bool = True
    ladder: tuple[Step, ...] | None = None  # this client's own reminder steps
    country: str = ""  # public holidays for timing; default: [chase] country

    @field_validator("ladder")
    @classmethod
    def _ladder(cls, value: tuple[Step, ...] | None) -> tuple[Step, ...] | None:
        return check_ladder(value) if value is not None else value

    @field_validator("email", "cc")
    @classmethod
    def _emails(cls, value: list[str]) -> list[str]:
        return [check_email(_no_newlines(a)) for a in value]

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not a time zone like Europe/Berlin") from None
        return value

    @field_validator("language")
    @classmethod
    def _language(cls, value: str) -> str:
        if not re.match(r"^[a-z]{2,3}([_-][A-Za-z]{2,4})?$", value):
            raise ValueError(f"{value!r} is not a language code like en, de or de-AT")
        return value

    @model_validator(mode="after")
    def _needs_address(self) -> Client:
        if not self.email:
            raise ValueError("email: give at least one address")
        return self

    @property
    def trusted_domains(self) -> list[str]:
        """Domains whose senders count as this client (never a public provider's)."""
        if self.domains is not None:
            return [d.lower() for d in self.domains]
        return sorted({domain_of(a) for a in self.email} - PUBLIC_MAIL_DOMAINS)
