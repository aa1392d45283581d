"""The owner's configuration: a TOML file plus ``MAILBOT_<SECTION>__<KEY>`` overrides.

Unknown keys are rejected so that a typo (``[smtp] hots = ...``) is caught at
``mailbot check`` instead of silently falling back to a default.  Every error
names the file and, where it can be found, the line of the key.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from datetime import time
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.numbers import list_currencies
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict, TomlConfigSettingsSource
from pydantic_settings.exceptions import SettingsError

from mailbot.problems import Problem

ENV_PREFIX = "MAILBOT_"
DEFAULT_CONFIG = Path("config/mailbot.toml")
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


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


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
    methods: list[OneLine] = []

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


TONES = ("heads_up", "friendly", "firm_warm", "firm", "final")


class Step(Section):
    """One rung of the reminder ladder: days relative to the due date, and a tone."""

    days: int = Field(ge=-60, le=365)
    tone: Literal["heads_up", "friendly", "firm_warm", "firm", "final"]


DEFAULT_LADDER = (
    Step(days=-3, tone="heads_up"),
    Step(days=1, tone="friendly"),
    Step(days=7, tone="firm_warm"),
    Step(days=14, tone="firm"),
    Step(days=30, tone="final"),
)


def check_ladder(steps: tuple[Step, ...] | list[Step]) -> tuple[Step, ...]:
    """Days strictly rising; a final notice only last and after at least three reminders."""
    steps = tuple(steps)
    days = [s.days for s in steps]
    if days != sorted(set(days)):
        raise ValueError("steps must be in order of their days, each day once")
    finals = [i for i, s in enumerate(steps) if s.tone == "final"]
    if finals and finals != [len(steps) - 1]:
        raise ValueError("a 'final' step may only be the last one")
    if finals and finals[0] < 3:
        raise ValueError("at least three reminders must come before a final notice")
    if any(s.tone == "heads_up" and s.days >= 0 for s in steps):
        raise ValueError("a 'heads_up' step must come before the due date (days < 0)")
    return steps


class LateFee(Section):
    """Off unless the owner sets it; stated in plain words in the reminder that first says it."""

    enabled: bool = False
    preset: Literal["", "eu_b2b"] = ""  # eu_b2b: base rate + 9 points a year, EUR 40 once
    fixed: Decimal = Field(Decimal("0"), ge=0)
    annual_rate: Decimal = Field(Decimal("0"), ge=0, le=100)  # percent a year, simple interest
    base_rate: Decimal = Field(Decimal("0"), ge=-10, le=50)  # the central bank's, for eu_b2b
    from_step: int = Field(4, ge=1)  # the ladder step (1-based) that first mentions it

    @property
    def rate(self) -> Decimal:
        return self.base_rate + Decimal(9) if self.preset == "eu_b2b" else self.annual_rate

    @property
    def flat(self) -> Decimal:
        return Decimal(40) if self.preset == "eu_b2b" and not self.fixed else self.fixed


class EarlyDiscount(Section):
    percent: Decimal = Field(Decimal("0"), ge=0, le=50)  # 0: off
    days: int = Field(10, ge=1, le=120)


class Chase(Section):
    enabled: bool = True
    steps: tuple[Step, ...] = DEFAULT_LADDER
    business_hours: str = "09:00-17:00"  # in the client's time zone
    business_days: tuple[int, ...] = (1, 2, 3, 4, 5)  # ISO weekdays: Monday = 1
    country: str = "DE"  # public holidays (python-holidays), e.g. DE, AT, FI, RS, FR
    subdivision: str = ""  # e.g. BY for Bavaria
    promise_grace_days: int = Field(2, ge=0, le=30)  # working days after a promised date
    claim_wait_days: int = Field(5, ge=1, le=30)  # working days for a claimed payment to arrive
    auto_reply_days: int = Field(7, ge=1, le=60)  # away without a return date
    late_fee: LateFee = LateFee()
    early_discount: EarlyDiscount = EarlyDiscount()

    @field_validator("steps")
    @classmethod
    def _ladder(cls, value: tuple[Step, ...]) -> tuple[Step, ...]:
        return check_ladder(value)

    @field_validator("business_hours")
    @classmethod
    def _hours(cls, value: str) -> str:
        start, _, end = value.partition("-")
        try:
            opens = time.fromisoformat(start)
            closes = time(23, 59, 59) if end == "24:00" else time.fromisoformat(end)
        except ValueError:
            raise ValueError(f"{value!r} is not like 09:00-17:00") from None
        if not re.match(r"^\d{2}:\d{2}-\d{2}:\d{2}$", value) or opens >= closes:
            raise ValueError(f"{value!r} is not like 09:00-17:00 (start before end)")
        return value

    @field_validator("business_days")
    @classmethod
    def _days(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if not value or any(d not in range(1, 8) for d in value):
            raise ValueError("use ISO weekday numbers 1 (Monday) to 7 (Sunday)")
        return value

    @field_validator("country")
    @classmethod
    def _country(cls, value: str) -> str:
        import holidays

        if value and value.upper() not in holidays.list_supported_countries():
            raise ValueError(f"{value!r} is not a country python-holidays knows (e.g. DE, FI)")
        return value.upper()


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


class Client(Section):
    name: OneLine
    email: EmailList
    cc: EmailList = []
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


class Settings(BaseSettings):
    """The whole config; build it with :func:`load_settings`, not directly."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_nested_delimiter="__", extra="forbid", frozen=True
    )
    _toml_path: ClassVar[Path | None] = None

    business: Business
    brand: Brand = Brand()
    payment: Payment = Payment()
    mail: Mail = Mail()
    smtp: Smtp = Smtp()
    imap: Imap = Imap()
    ledger: LedgerSection = LedgerSection()
    state: StateSection = StateSection()
    chase: Chase = Chase()
    clients: dict[str, Client] = {}

    # Filled in by load_settings: where the file lives, so relative paths resolve.
    config_path: Path = Path("config/mailbot.toml")

    @classmethod
    def settings_customise_sources(
        cls, settings_cls, init_settings, env_settings, dotenv_settings, file_secret_settings
    ):
        sources = [init_settings, env_settings]
        if cls._toml_path is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=cls._toml_path))
        return tuple(sources)

    @field_validator("clients")
    @classmethod
    def _client_ids(cls, value: dict[str, Client]) -> dict[str, Client]:
        for key in value:
            if not re.match(r"^[A-Za-z0-9_.-]+$", key):
                raise ValueError(f"client id {key!r} may hold letters, digits, . _ -")
        return value

    def resolve(self, path: Path | str) -> Path:
        """Paths in the config are relative to the config file, not to the cwd."""
        path = Path(path).expanduser()
        return path if path.is_absolute() else Path(os.path.normpath(self.config_path.parent / path))

    @property
    def ledger_path(self) -> Path:
        return self.resolve(self.ledger.path)

    @property
    def state_path(self) -> Path:
        return self.resolve(self.state.path)

    @property
    def mail_dir(self) -> Path:
        return self.resolve(self.mail.dir)

    @property
    def domain(self) -> str:
        return domain_of(self.business.email)


class ConfigError(Exception):
    """The config could not be loaded; ``problems`` says where and why."""

    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def config_path(cli_value: str | Path | None) -> Path:
    """``--config``, else ``$MAILBOT_CONFIG``, else ``config/mailbot.toml``."""
    return Path(cli_value or os.environ.get("MAILBOT_CONFIG") or DEFAULT_CONFIG)


def load_settings(path: Path) -> Settings:
    """Read and validate the config, or raise ConfigError naming file and line."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError([Problem(str(path), 0, "config file not found (try `mailbot init`)")])
    text = path.read_text(encoding="utf-8")
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = int(m.group(1)) if (m := re.search(r"line (\d+)", str(exc))) else 0
        raise ConfigError([Problem(str(path), line, f"not valid TOML: {exc}")]) from None
    settings_cls = type("FileSettings", (Settings,), {"_toml_path": path})
    try:
        return settings_cls(config_path=path)
    except ValidationError as exc:
        raise ConfigError(_problems(exc, path, text)) from None
    except SettingsError as exc:  # an environment value that is not valid for its key
        raise ConfigError([Problem("environment", 0, f"{ENV_PREFIX}...: {exc}")]) from None


def _problems(exc: ValidationError, path: Path, text: str) -> list[Problem]:
    problems = []
    for err in exc.errors(include_url=False):
        loc = [str(part) for part in err["loc"] if not str(part).isdigit()]
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = "unknown key (a typo?)"
        elif err["type"] == "missing":
            message = "required key is missing"
        env_name = ENV_PREFIX + "__".join(loc).upper()
        if env_name in {k.upper() for k in os.environ}:
            problems.append(Problem("environment", 0, f"{env_name}: {message}"))
            continue
        section, key = ".".join(loc[:-1]), loc[-1] if loc else ""
        label = f"[{section}] {key}" if section else key
        problems.append(Problem(str(path), find_line(text, loc), f"{label}: {message}"))
    return problems


def find_line(text: str, loc: list[str]) -> int:
    """The line of ``key`` inside ``[section]`` (1-based), else of the section, else 0."""
    if not loc:
        return 0
    section, key = ".".join(loc[:-1]), loc[-1]
    lines = text.splitlines()
    in_section, section_line = section == "", 0
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if line.startswith("["):
            name = line.strip("[] ").replace('"', "")
            in_section = name == section
            section_line = number if in_section else section_line
        elif in_section and re.match(rf"^\"?{re.escape(key)}\"?\s*=", line):
            return number
    if section_line:
        return section_line
    # A missing section itself: the error is about the key that names it.
    if len(loc) == 1:
        for number, raw in enumerate(lines, 1):
            if raw.strip().strip("[] ") == key:
                return number
    return 0
