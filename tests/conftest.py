"""Shared fixtures: a fresh config directory and a real SMTP server on 127.0.0.1."""

from __future__ import annotations

import socket
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope

pytest_plugins = ("servers.dovecot",)

ROOT = Path(__file__).resolve().parent.parent
BASE_CONFIG = """
[business]
name = "Muster Design"
email = "billing@muster-design.example"
address = "Lindenstraße 12\\n10115 Berlin"
tax_id = "DE123456789"

[payment]
terms_days = 14
currency = "EUR"
tax_rate = 19
iban = "DE89 3704 0044 0532 0130 00"
bic = "COBADEFFXXX"
link = "https://pay.muster-design.example/{invoice}"

[mail]
dir = "var/mail"

[state]
path = "var/mailbot.db"

[ledger]
path = "ledger.csv"

[chase]
enabled = false  # tests of sending and reading run on the real clock; chasing has its own

[clients.acme]
name = "Acme Ltd"
email = "ap@acme.example"
contact = "Jane Smith"
language = "en"
timezone = "Europe/Berlin"

[clients.kaiser]
name = "Kaiser & Söhne GmbH"
email = ["buchhaltung@kaiser-soehne.example"]
cc = ["chef@kaiser-soehne.example"]
contact = "Frau Weber"
language = "de"
timezone = "Europe/Berlin"
"""

BASE_LEDGER = """\
invoice,client,issue_date,due_date,description,quantity,unit,unit_price,tax_rate,discount
2026-001,acme,2026-11-02,2026-11-16,Brand workshop,1,day,1200.00,19,
2026-001,acme,,,Logo design,1,,2400.00,19,10
2026-004,kaiser,2026-11-09,2026-11-30,Geschäftsausstattung,1,Pauschale,850.00,19,
2026-004,kaiser,,,Fachbuch Typografie,1,Stk.,39.00,7,
"""


def write_config(directory: Path, extra: str = "", ledger: str = BASE_LEDGER,
                 base: str = BASE_CONFIG) -> Path:  # fmt: skip
    """A config + ledger in ``directory``; ``extra`` TOML is appended (e.g. an [smtp] table)."""
    directory.mkdir(parents=True, exist_ok=True)
    config = directory / "mailbot.toml"
    config.write_text(base + textwrap.dedent(extra), encoding="utf-8")
    (directory / "ledger.csv").write_text(ledger, encoding="utf-8")
    return config


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    return tmp_path


@pytest.fixture(autouse=True)
def _first_run_mails_every_invoice(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests start from an empty state with invoices issued long before the ``now`` they
    pass in; a real first run would skip those (``[state] first_run_days``, 7).  So every
    test runs with a window of a century, set here once (the environment reaches settings
    built in the test and ``mailbot`` started from it); ``first_run_window`` takes it back."""
    monkeypatch.setenv("MAILBOT_STATE__FIRST_RUN_DAYS", "36500")


@pytest.fixture(autouse=True)
def _invoices_at_any_hour(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests of sending and reading run on the real clock, at any hour of any day and long
    after the sample ledger's due dates: invoices go out at any hour (``[chase]
    invoice_hours``) and the owner is not told of each one mailed late (``[chase]
    late_mail_notice``), except in the tests of those rules (``business_hours_for_invoices``,
    ``late_mail_notices``)."""
    monkeypatch.setenv("MAILBOT_CHASE__INVOICE_HOURS", "any")
    monkeypatch.setenv("MAILBOT_CHASE__LATE_MAIL_NOTICE", "false")


@pytest.fixture
def business_hours_for_invoices(monkeypatch: pytest.MonkeyPatch) -> None:
    """The shipped rule: invoices too go out in the client's business hours."""
    monkeypatch.delenv("MAILBOT_CHASE__INVOICE_HOURS")


@pytest.fixture
def late_mail_notices(monkeypatch: pytest.MonkeyPatch) -> None:
    """The shipped rule: the owner is told when an invoice goes out after its due date."""
    monkeypatch.delenv("MAILBOT_CHASE__LATE_MAIL_NOTICE")


@pytest.fixture
def first_run_window(monkeypatch: pytest.MonkeyPatch) -> None:
    """The shipped first-run window (7 days), for tests of it."""
    monkeypatch.delenv("MAILBOT_STATE__FIRST_RUN_DAYS")


@dataclass
class Received:
    sender: str
    recipients: list[str]
    raw: bytes


@dataclass
class _Handler:
    messages: list[Received] = field(default_factory=list)
    reject: dict[str, str] = field(default_factory=dict)  # recipient -> SMTP reply

    async def handle_RCPT(self, server, session, envelope: Envelope, address, rcpt_options):
        if address in self.reject:
            return self.reject[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope: Envelope):
        self.messages.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.original_content))
        )
        return "250 Message accepted"


class SmtpServer:
    """aiosmtpd on 127.0.0.1 with a free port; ``messages`` holds what arrived."""

    def __init__(self) -> None:
        self.handler = _Handler()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def start(self) -> None:
        """(Re)start on the same port; a stopped Controller cannot be started again."""
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        self.running = True

    def stop(self) -> None:
        if self.running:
            self.controller.stop()
            self.running = False

    @property
    def messages(self) -> list[Received]:
        return self.handler.messages

    def toml(self) -> str:
        return f'\n[smtp]\nhost = "127.0.0.1"\nport = {self.port}\nsecurity = "none"\n'


@pytest.fixture
def smtp_server():
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
