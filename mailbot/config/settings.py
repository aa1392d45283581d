"""The owner's configuration: a TOML file plus ``MAILBOT_<SECTION>__<KEY>`` overrides.

Unknown keys are rejected so that a typo (``[smtp] hots = ...``) is caught at
``mailbot check`` instead of silently falling back to a default.  Every error
names the file and, where it can be found, the line of the key.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Annotated, ClassVar

from pydantic import AfterValidator, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict, TomlConfigSettingsSource
from pydantic_settings.exceptions import SettingsError

from mailbot.config.chase import DEFAULT_LADDER, TONES, Chase, Step, Tone
from mailbot.config.problems import Problem
from mailbot.config.sections import (
    Brand,
    Business,
    Client,
    ClientTone,
    DigestSection,
    InvoiceSection,
    LedgerSection,
    Payment,
    PaymentSource,
    PaymentsSection,
    RepliesSection,
    ServiceSection,
    StateSection,
    TemplatesSection,
)
from mailbot.config.servers import Imap, InboxSection, Mail, Smtp  # re-exported: mailbot imports them here
from mailbot.config.values import check_currency, check_email, domain_of

__all__ = [
    "DEFAULT_LADDER", "TONES", "Chase", "Client", "ClientTone", "ConfigError", "Imap", "PaymentSource",
    "Settings", "Smtp", "Step", "Tone",
    "check_currency", "check_email", "config_path", "domain_of", "find_line", "load_settings",
]  # fmt: skip

ENV_PREFIX = "MAILBOT_"
DEFAULT_CONFIG = Path("config/mailbot.toml")


def _client_id(key: str) -> str:
    if not re.match(r"^[A-Za-z0-9_.-]+$", key):
        raise ValueError(f"client id {key!r} may hold letters, digits, . _ -")
    return key


ClientId = Annotated[str, AfterValidator(_client_id)]
"""Checked as the key of ``clients``: the error's location then names the client's table."""


class Settings(BaseSettings):
    """The whole config; build it with :func:`load_settings`, not directly."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_nested_delimiter="__", extra="forbid", frozen=True
    )
    _toml_path: ClassVar[Path | None] = None

    business: Business
    brand: Brand = Brand()
    payment: Payment = Payment()
    invoice: InvoiceSection = InvoiceSection()
    payments: PaymentsSection = PaymentsSection()
    mail: Mail = Mail()
    smtp: Smtp = Smtp()
    imap: Imap = Imap()
    inbox: InboxSection = InboxSection()
    replies: RepliesSection = RepliesSection()
    ledger: LedgerSection = LedgerSection()
    state: StateSection = StateSection()
    service: ServiceSection = ServiceSection()
    digest: DigestSection = DigestSection()
    templates: TemplatesSection = TemplatesSection()
    chase: Chase = Chase()
    clients: dict[ClientId, Client] = {}

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

    @model_validator(mode="after")
    def _digest_speaks_the_owners_language(self) -> Settings:
        """``[digest] language`` not set: the owner's (``[business] language``); set, it wins
        (a config written before the owner's language existed is read as it was)."""
        if "language" not in self.digest.model_fields_set and self.digest.language != self.business.language:
            digest = self.digest.model_copy(update={"language": self.business.language})
            object.__setattr__(self, "digest", digest)  # (the settings are frozen once built)
        return self

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
    def templates_dir(self) -> Path | None:
        """The owner's template folder, or None for the shipped templates only."""
        return self.resolve(self.templates.dir) if self.templates.dir else None

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
    text = _read_text(path)
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


def _read_text(path: Path) -> str:
    """The file as UTF-8 text, or ConfigError naming the line of the first byte that is not."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError([Problem(str(path), 0, f"cannot read the config: {exc.strerror or exc}")]) from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        message = f"not UTF-8 (byte 0x{raw[exc.start]:02x}); save the file as UTF-8"
        raise ConfigError([Problem(str(path), line, message)]) from None


def _problems(exc: ValidationError, path: Path, text: str) -> list[Problem]:
    problems = []
    for err in exc.errors(include_url=False):
        loc = [str(part) for part in err["loc"] if not str(part).isdigit()]
        entry = _table_entry([str(part) for part in err["loc"]], text)
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = "unknown key (a typo?)"
        elif err["type"] == "missing":
            message = "required key is missing"
        env_name = ENV_PREFIX + "__".join(loc).upper()
        given = {k.upper() for k in os.environ}
        if env_name in given or (env_name := env_name.replace("-", "_")) in given:  # (SR_CYRL: sections)
            problems.append(Problem("environment", 0, f"{env_name}: {message}"))
            continue
        section, key = ".".join(loc[:-1]), loc[-1] if loc else ""
        label = f"[{section}] {key}" if section else key
        if key == "[key]":  # a table's name itself, e.g. [clients."bad id"]
            label = f"[{section}]"
        problems.append(Problem(str(path), find_line(text, loc, entry), f"{label}: {message}"))
    return problems


def _table_entry(loc: list[str], text: str) -> int | None:
    """Which ``[[table]]`` of an array of tables an error is in (``payments.sources.1.kind``:
    1), or None when ``loc`` names no such table of the file."""
    for i, part in enumerate(loc):
        if part.isdigit() and i > 0:
            name = ".".join(loc[:i])
            headers = (raw.strip() for raw in text.splitlines())
            if any(h.startswith("[[") and h.strip("[] ").replace('"', "") == name for h in headers):
                return int(part)
            return None
    return None


def find_line(text: str, loc: list[str], entry: int | None = None) -> int:
    """The line of ``key`` inside ``[section]`` (1-based), else of the section, else 0;
    ``entry``: inside that ``[[section]]`` of an array of tables (0 the first)."""
    if not loc:
        return 0
    section, key = ".".join(loc[:-1]), loc[-1]
    lines = text.splitlines()
    in_section, section_line, seen = section == "", 0, -1
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if line.startswith("["):
            name = line.strip("[] ").replace('"', "")
            in_section = name == section
            if in_section and entry is not None:
                seen += 1
                in_section = seen == entry
            elif entry is None and name == ".".join(loc) and line.startswith("[["):
                return number  # the array of tables itself, e.g. two of its tables clash
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
