"""The sections of the owner's config, each a model that checks its own values.

Every value that a mail header, a link or a sum depends on is checked here, so
that `mailbot check` finds a mistake before a client would.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationInfo, field_validator, model_validator

from mailbot.config.base import Section
from mailbot.config.chase import PLACES, Step, check_ladder
from mailbot.config.values import (
    COLOR,
    FONT,
    PUBLIC_MAIL_DOMAINS,
    Email,
    EmailList,
    OneLine,
    check_account_rs,
    check_country,
    check_currency,
    check_email,
    check_iban,
    check_sender,
    domain_of,
    no_newlines,
    safe_url,
)

CYRILLIC = "sr-Cyrl"
"""The client language whose mails are written in Cyrillic, and its ``[business.sr-Cyrl]`` table."""


class BusinessAsWritten(Section):
    """``[business.sr-Cyrl]``: the business's own data as written for clients who read
    Cyrillic (``language = "sr-Cyrl"``), so that their mail and its PDF do not name the
    seller in another alphabet.  Each key left out is the ``[business]`` (``[payment]`` for
    ``account_holder`` and ``bank``) value.  Only what a person reads takes them: the
    e-invoice XML and the payment QR codes keep the registered data
    (``mailbot.outbound.scripts``)."""

    MULTILINE = frozenset({"address", "legal_note"})

    name: OneLine = ""
    address: str = ""
    account_holder: OneLine = ""  # only as your bank holds the account: a payer's bank may compare it
    bank: OneLine = ""
    legal_note: str = ""


class Business(Section):
    MULTILINE = frozenset({"address", "legal_note"})

    name: OneLine
    email: Email
    address: str = ""
    phone: OneLine = ""
    website: OneLine = ""
    tax_id: OneLine = ""  # the VAT id (``DE123456789``: EN 16931 BT-31), else a tax number (BT-32)
    country: str = ""  # ISO 3166 code of the seller's address (BT-40); default: [chase] country
    logo: str = ""
    legal_note: str = ""  # e.g. "Kleinunternehmer gem. § 19 UStG": printed under the totals
    registration_id: OneLine = ""  # the company number an invoice carries (RS: matični broj)
    # [business.sr-Cyrl]: this data as clients who read Cyrillic see it
    sr_cyrl: BusinessAsWritten = Field(default_factory=BusinessAsWritten, alias=CYRILLIC)
    owner_email: Email = ""  # where replies that need a person go; default: `email`
    language: str = "en"  # the owner's: every mail to the owner (forwards, notices, alerts, digests)

    _email = field_validator("email")(check_email)
    _country = field_validator("country")(check_country)

    @model_validator(mode="before")
    @classmethod
    def _env_spelling(cls, data: object) -> object:
        """``MAILBOT_BUSINESS__SR_CYRL__NAME`` overrides ``[business.sr-Cyrl] name``: a shell
        allows no hyphen in a variable's name (``MAILBOT_BUSINESS__SR-CYRL__NAME`` works too)."""
        if isinstance(data, dict) and isinstance(data.get("sr_cyrl"), dict):
            data = dict(data)
            data[CYRILLIC] = {**(data.get(CYRILLIC) or {}), **data.pop("sr_cyrl")}
        return data

    @field_validator("owner_email")
    @classmethod
    def _owner(cls, value: str) -> str:
        return check_email(value) if value else value

    @property
    def owner(self) -> str:
        return self.owner_email or self.email

    @field_validator("language")
    @classmethod
    def _language(cls, value: str) -> str:
        return Client._language(value)  # (the same codes as a client's)

    @field_validator("website")
    @classmethod
    def _web(cls, value: str) -> str:
        return safe_url(value) if value else value


class Brand(Section):
    color: str = "#1f4e79"
    accent: str = "#f2f5f9"
    font: str = "Helvetica, Arial, sans-serif"

    @field_validator("color", "accent")
    @classmethod
    def _hex(cls, value: str) -> str:
        if not COLOR.match(value):
            raise ValueError(f"{value!r} is not a colour like #1f4e79")
        return value

    @field_validator("font")
    @classmethod
    def _font(cls, value: str) -> str:
        if not FONT.match(value):
            raise ValueError("a font list may hold letters, digits, spaces, commas and quotes")
        return value


ReferenceKind = Literal["rf", "fi", "invoice"]
"""What a mail asks the client to write as the transfer's reference (``ledger.references``)."""


class Payment(Section):
    terms_days: int = Field(14, ge=0, le=365)
    currency: str = "EUR"
    tax_rate: Decimal = Field(Decimal("0"), ge=0, le=100, decimal_places=PLACES)
    iban: OneLine = ""
    bic: OneLine = ""
    account_holder: OneLine = ""
    bank: OneLine = ""
    link: str = ""
    methods: list[OneLine] = Field(default_factory=list)
    # The transfer reference the mails ask for: ISO 11649 RF, the Finnish national one, or
    # the invoice number as it is (``[clients.x] reference`` overrides it per client).
    reference: ReferenceKind = "rf"
    account_rs: OneLine = ""  # a Serbian dinar account (18 digits): an NBS IPS QR for RSD invoices

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        return check_currency(value)

    @field_validator("iban")
    @classmethod
    def _iban(cls, value: str) -> str:
        return check_iban(value) if value else value

    @field_validator("account_rs")
    @classmethod
    def _account_rs(cls, value: str) -> str:
        return check_account_rs(value) if value else value

    @field_validator("link")
    @classmethod
    def _link(cls, value: str) -> str:
        if value:
            safe_url(value.replace("{invoice}", "INVOICE"))
        return value


SourceKind = Literal["paypal", "stripe", "wise", "bank_mail", "camt", "generic"]
"""What a payment source sends: a service's notifications, a bank's mail, camt XML attached."""


class PaymentSource(Section):
    """One ``[[payments.sources]]`` table: who sends payment notifications the owner trusts.

    ``senders``: addresses (``service@paypal.com``) or ``@domain`` for every address of
    exactly that domain (``@paypal.de``; never its subdomains), lower-cased.  A mail counts
    as from this source only by its From address and the owner's server's DMARC or aligned
    DKIM verdict (``mailbot.inbound.sources``)."""

    name: OneLine
    senders: EmailList  # one as text, or a list
    kind: SourceKind

    @field_validator("senders")
    @classmethod
    def _senders(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("give at least one address or @domain")
        return [check_sender(no_newlines(s)) for s in value]

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("give the source a name")
        return value.strip()


class PaymentsSection(Section):
    """``[payments]``: where payments are read from (``[[payments.sources]]``)."""

    sources: list[PaymentSource] = Field(default_factory=list)

    @field_validator("sources")
    @classmethod
    def _distinct(cls, value: list[PaymentSource]) -> list[PaymentSource]:
        names: set[str] = set()
        senders: dict[str, str] = {}
        for source in value:
            if source.name.lower() in names:
                raise ValueError(f"two sources are named {source.name!r}")
            names.add(source.name.lower())
            for sender in source.senders:
                if sender in senders:
                    raise ValueError(f"{sender} is a sender of both {senders[sender]!r} and {source.name!r}")
                senders[sender] = source.name
        return value


class LedgerSection(Section):
    path: Path = Path("ledger.csv")


class StateSection(Section):
    """Where mailbot keeps its records, and how far back its first run mails.

    ``first_run_days``: a first run (no invoice mailed or skipped yet) mails only invoices
    issued within this many days; older ones are recorded as skipped (``run --backfill``
    mails them).  A new user's ledger of past invoices was mailed by hand long ago."""

    path: Path = Path("var/mailbot.db")
    first_run_days: int = Field(7, ge=0, le=36500)


class RepliesSection(Section):
    """How sure a reading of a client's reply must be to act on it (``[replies]``).

    A reading less sure than ``min_confidence`` changes nothing by itself: the reply goes
    to the owner with mailbot's best reading, and that invoice's next reminder waits
    ``unsure_wait_days`` working days (the client's calendar) or until the owner runs
    ``mailbot confirm`` or ``mailbot resume``."""

    min_confidence: float = Field(0.7, ge=0, le=1)
    unsure_wait_days: int = Field(3, ge=0, le=30)


class TemplatesSection(Section):
    """The owner's own templates and translations: a file in ``dir`` replaces the shipped
    one at the same relative path (``invoice/body.mjml``, ``locale/de/LC_MESSAGES/mailbot.po``)."""

    dir: Path | None = None


EInvoiceFormat = Literal["zugferd", "xrechnung", "none"]
"""The e-invoice a client gets: the EN 16931 XML inside the PDF (ZUGFeRD/Factur-X), that
and an XRechnung XML beside it, or none."""


class InvoiceSection(Section):
    """``[invoice]``: what each invoice mail carries, unless a client says otherwise.

    ``attach_pdf``: a PDF/A-3 of the invoice (with the e-invoice inside when ``einvoice``
    is not ``none``). ``small_business``: the owner charges no VAT under a small-business
    rule (German section 19 UStG): lines at 0 % are VAT-exempt (EN 16931 category E),
    with ``[business] legal_note`` as the reason."""

    attach_pdf: bool = True
    einvoice: EInvoiceFormat = "zugferd"
    small_business: bool = False


ClientTone = Literal["warm", "friendly", "formal"]
SALUTATIONS = ("", "ms", "mr")  # [clients.x] salutation: the titles each language has words for
"""How the owner wants a client addressed: ``warm`` also softens reminders one step."""


class Client(Section):
    MULTILINE = frozenset({"address", "note"})

    name: OneLine
    email: EmailList
    cc: EmailList = Field(default_factory=list)
    domains: list[str] | None = None
    contact: OneLine = ""  # the person the mail greets
    salutation: str = ""  # "ms" | "mr": a formal greeting by title and surname ("Sehr geehrte Frau Weber,")
    surname: OneLine = ""  # the name after the title; default: the last word of contact
    address: str = ""
    tax_id: OneLine = ""
    language: str = "en"
    timezone: str = "UTC"
    tone: ClientTone = "friendly"
    note: str = ""  # a personal thank-you line for this client
    chase: bool = True
    ladder: tuple[Step, ...] | None = None  # this client's own reminder steps
    country: str = ""  # ISO code: public holidays, the buyer's country (BT-55); default: [chase] country
    attach_pdf: bool | None = None  # default: [invoice] attach_pdf
    einvoice: EInvoiceFormat | None = None  # default: [invoice] einvoice
    buyer_reference: OneLine = Field("", validate_default=True)  # BT-10 (a Leitweg-ID): XRechnung needs it

    _country = field_validator("country")(check_country)

    @field_validator("buyer_reference")
    @classmethod
    def _buyer_reference(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("einvoice") == "xrechnung" and not value.strip():
            raise ValueError('einvoice = "xrechnung" needs the buyer reference (BT-10, e.g. the Leitweg-ID)')
        return value.strip()

    reference: ReferenceKind | None = None  # the transfer reference; default: [payment] reference
    # The VAT note on this client's invoices (outbound/legal.py): "auto" from the VAT ids and
    # countries (a 0 % line abroad is a service), "reverse_charge" | "small_business" | "export" |
    # "export_goods" | "intra_eu_goods" to force one, "none", or own words.
    vat_note: str = "auto"

    @field_validator("ladder")
    @classmethod
    def _ladder(cls, value: tuple[Step, ...] | None) -> tuple[Step, ...] | None:
        return check_ladder(value) if value is not None else value

    @field_validator("email", "cc")
    @classmethod
    def _emails(cls, value: list[str], info: ValidationInfo) -> list[str]:
        if info.field_name == "email" and not value:
            # Here, not on the whole client: the problem then names the line of `email`.
            raise ValueError("give at least one address")
        return [check_email(no_newlines(a)) for a in value]

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not a time zone like Europe/Berlin") from None
        return value

    @field_validator("salutation")
    @classmethod
    def _salutation(cls, value: str) -> str:
        if value not in SALUTATIONS:
            raise ValueError(f"{value!r} is not ms or mr (leave it out to greet without a title)")
        return value

    @property
    def greeting_surname(self) -> str:
        """The name a formal greeting puts after the title: ``surname``, else the last word
        of ``contact`` ("Petra Weber" -> "Weber"); none without a contact to greet."""
        if not self.contact:
            return ""
        return self.surname or self.contact.split()[-1]

    @field_validator("language")
    @classmethod
    def _language(cls, value: str) -> str:
        if not re.match(r"^[a-z]{2,3}([_-][A-Za-z]{2,4})?$", value):
            raise ValueError(f"{value!r} is not a language code like en, de or de-AT")
        return value

    @property
    def trusted_domains(self) -> list[str]:
        """Domains whose senders count as this client (never a public provider's)."""
        if self.domains is not None:
            return [d.lower() for d in self.domains]
        return sorted({domain_of(a) for a in self.email} - PUBLIC_MAIL_DOMAINS)


class ServiceSection(Section):
    """How the running worker reports on itself (``[service]``).

    ``heartbeat_url``: pinged by each pass, the healthchecks.io way (``URL/start`` as it
    begins, ``URL`` after a good pass, ``URL/fail`` after a failed one); a secret, since
    such a URL carries its token: only its host is ever logged.  The limits say when the
    owner is told, once, that something needs a person: a mail claimed and still unsent
    (``stuck_hours``), the inbox unreachable (``inbox_down_minutes``), passes failing in a
    row (``failing_passes``); a recipient refused for now longer than ``refused_days``
    counts as refused for good."""

    heartbeat_url: SecretStr = SecretStr("")
    heartbeat_timeout: float = Field(5.0, gt=0, le=60)
    stuck_hours: float = Field(2.0, gt=0, le=24 * 30)
    inbox_down_minutes: float = Field(30.0, gt=0, le=60 * 24 * 30)
    failing_passes: int = Field(3, ge=1, le=1000)
    refused_days: float = Field(3.0, gt=0, le=365)

    @field_validator("heartbeat_url")
    @classmethod
    def _url(cls, value: SecretStr) -> SecretStr:
        url = value.get_secret_value()
        if url and not re.match(r"^https?://[^\s<>\"/]+(/[^\s<>\"]*)?$", url):
            # (the value is not echoed: it is a secret)
            raise ValueError("the heartbeat URL must start with https:// or http://")
        return value


class DigestSection(Section):
    """The owner's daily digest (``[digest]``): one mail a day at ``hour`` on the owner's
    clock (``timezone``), to ``to`` (default: ``[business] owner_email``, else ``email``), in
    ``language``.  Off unless ``enabled``: an owner who never asked for a daily mail gets
    none.  ``send_empty``: a digest also on days when nothing was sent, read or paid (the
    receivables and the next mails alone are no news)."""

    enabled: bool = False
    hour: int = Field(8, ge=0, le=23)
    to: Email = ""
    language: str = "en"
    timezone: str = "UTC"
    send_empty: bool = False

    _tz = field_validator("timezone")(Client._tz.__func__)  # type: ignore[attr-defined]
    _language = field_validator("language")(Client._language.__func__)  # type: ignore[attr-defined]

    @field_validator("to")
    @classmethod
    def _to(cls, value: str) -> str:
        return check_email(value) if value else value
