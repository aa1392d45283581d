"""Payment notifications over a real IMAP server (Dovecot on 127.0.0.1) and SMTP (aiosmtpd).

Issue 14: a believed notification from a configured source marks the invoice paid, the
receipt goes out once and chasing stops; the same payment arriving again, a forged
notification, a pending one, one for an unknown amount or into another account changes
nothing, and the owner hears of what needs them, once.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.utils import format_datetime
from pathlib import Path

import pytest
from conftest import ROOT
from test_imap import OWNER, _config, _history, _status, _wait_for

from mailbot.cli.main import main

OURS = "mx.muster-design.example"
SOURCES = """
[[payments.sources]]
name = "PayPal"
senders = ["service@paypal.de", "@paypal.com"]
kind = "paypal"

[[payments.sources]]
name = "Sparkasse"
senders = ["noreply@sparkasse.example"]
kind = "bank_mail"
"""
TOTAL_001 = "3998.40"  # 1200.00 + 2400.00 - 10 %, plus 19 % VAT
TOTAL_004 = "1053.23"  # 850.00 + 19 %, 39.00 + 7 %


def _auth(domain: str, verdict: str = "pass") -> str:
    return (
        f"Authentication-Results: {OURS}; dkim={verdict} header.d={domain} header.i=@{domain};\r\n"
        f"\tdmarc={verdict} (p=reject dis=none) header.from={domain}\r\n"
    )


def paypal(msgid: str, amount: str, note: str, txn: str, verdict: str = "pass") -> bytes:
    """A PayPal "you've got money" mail as the owner's server (OpenDKIM, OpenDMARC) leaves it."""
    return (
        _auth("paypal.com", verdict) + 'From: "service@paypal.com" <service@paypal.com>\r\n'
        "To: Muster Design GmbH <billing@muster-design.example>\r\n"
        "Subject: You've got money\r\n"
        f"Date: {format_datetime(datetime.now(UTC))}\r\nMessage-ID: <{msgid}>\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        f"Hello Muster Design GmbH,\r\n\r\nAcme Ltd sent you {amount} EUR.\r\n\r\n"
        f"Note from Acme Ltd:\r\n{note}\r\n\r\n"
        f"Transaction details\r\nTransaction ID: {txn}\r\n"
        f"Transaction date: {datetime.now(UTC):%d %b %Y}\r\n"
        f"Amount received: {amount} EUR\r\nFee amount: -0.35 EUR\r\nNet amount: 42.00 EUR\r\n"
    ).encode()


def bank_mail(msgid: str, amount: str, purpose: str, iban: str) -> bytes:
    """A German savings bank's "Zahlungseingang" notification."""
    return (
        _auth("sparkasse.example") + "From: Sparkasse <noreply@sparkasse.example>\r\n"
        "To: billing@muster-design.example\r\nSubject: Zahlungseingang auf Ihrem Konto\r\n"
        f"Date: {format_datetime(datetime.now(UTC))}\r\nMessage-ID: <{msgid}>\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        f"Guten Tag,\r\n\r\nauf Ihrem Konto {iban} ist eine Gutschrift eingegangen.\r\n\r\n"
        f"Betrag: {amount} EUR\r\nAuftraggeber: Kaiser & Söhne GmbH\r\nVerwendungszweck: {purpose}\r\n"
        f"Buchungstag: {datetime.now(UTC):%d.%m.%Y}\r\n\r\nIhre Sparkasse\r\n"
    ).encode()


OWN_IBAN = "DE89 3704 0044 0532 0130 00"


def _payments(config: Path, invoice: str, capsys) -> list[dict]:
    return [json.loads(e["detail"]) for e in _history(config, invoice, capsys) if e["type"] == "payment"]


def _owner_mails(smtp_server) -> list:
    return [
        message_from_bytes(m.raw, policy=policy.default)
        for m in smtp_server.messages
        if m.recipients == [OWNER]
    ]


def _receipts(smtp_server, client: str = "ap@acme.example") -> list:
    mails = [
        message_from_bytes(m.raw, policy=policy.default)
        for m in smtp_server.messages
        if client in m.recipients
    ]
    return [m for m in mails if m["Subject"].startswith("Payment received")]


@pytest.fixture
def config(tmp_path, smtp_server, dovecot) -> Path:
    path = _config(tmp_path, smtp_server, dovecot, SOURCES)
    path.write_text(path.read_text().replace("timeout = 10\n", f'timeout = 10\nauthserv_id = "{OURS}"\n', 1))
    assert main(["--config", str(path), "run", "--once"]) == 0  # the invoices go out
    return path


def test_believed_paypal_notification_marks_the_invoice_paid_once(config, smtp_server, dovecot, capsys):
    dovecot.append(paypal("pp1@paypal.com", "3,998.40", "Invoice 2026-001", "5TY05013RG002845M"))
    assert main(["--config", str(config), "run", "--once"]) == 0
    (payment,) = _payments(config, "2026-001", capsys)
    assert (payment["amount"], payment["source"], payment["ref"]) == (
        TOTAL_001,
        "PayPal",
        "paypal:5TY05013RG002845M",
    )
    assert payment["evidence"] == "<pp1@paypal.com>" and "2026-001" in payment["how"]
    assert _status(config, capsys)["2026-001"]["state"] == "paid"
    assert not _owner_mails(smtp_server), "a payment that matches needs no one"

    # The same payment again (PayPal resends; a second copy with its own Message-ID): never twice.
    dovecot.append(paypal("pp1@paypal.com", "3,998.40", "Invoice 2026-001", "5TY05013RG002845M"))
    dovecot.append(paypal("pp1-copy@paypal.com", "3,998.40", "Invoice 2026-001", "5TY05013RG002845M"))
    assert main(["--config", str(config), "run", "--once"]) == 0
    assert len(_payments(config, "2026-001", capsys)) == 1
    kinds = [e.get("kind") for e in _history(config, "2026-001", capsys) if e["type"] == "sent"]
    assert kinds.count("receipt") == 1


def test_forged_notification_records_nothing_and_tells_the_owner_once(config, smtp_server, dovecot, capsys):
    dovecot.append(paypal("f1@paypal.com", "3,998.40", "Invoice 2026-001", "9XX", verdict="fail"))
    assert main(["--config", str(config), "run", "--once"]) == 0
    assert _payments(config, "2026-001", capsys) == []
    assert _status(config, capsys)["2026-001"]["state"] != "paid"
    (told,) = _owner_mails(smtp_server)
    assert "NOT believed" in told["Subject"]
    assert main(["--config", str(config), "run", "--once"]) == 0
    assert len(_owner_mails(smtp_server)) == 1


def test_payment_for_no_open_invoice_goes_to_the_owner_listed(config, smtp_server, dovecot, capsys):
    dovecot.append(paypal("u1@paypal.com", "123.45", "thanks for the coffee", "1AB"))
    assert main(["--config", str(config), "run", "--once"]) == 0
    assert _payments(config, "2026-001", capsys) == [] and _payments(config, "2026-004", capsys) == []
    (told,) = _owner_mails(smtp_server)
    body = told.get_body(("plain",)).get_content()
    assert "123.45 EUR" in body and "not recorded" in body
    assert "payment to check" in told["Subject"]


def test_bank_mail_into_our_account_pays_and_into_another_never(config, smtp_server, dovecot, capsys):
    dovecot.append(
        bank_mail("b1@sparkasse.example", "1.053,23", "RE 2026-004", "DE02 1203 0000 0000 2020 51")
    )
    assert main(["--config", str(config), "run", "--once"]) == 0
    assert _payments(config, "2026-004", capsys) == []
    (told,) = _owner_mails(smtp_server)
    assert "DE02120300000000202051" in told.get_body(("plain",)).get_content()

    dovecot.append(bank_mail("b2@sparkasse.example", "1.053,23", "RE 2026-004", OWN_IBAN))
    assert main(["--config", str(config), "run", "--once"]) == 0
    (payment,) = _payments(config, "2026-004", capsys)
    assert (payment["amount"], payment["source"]) == (TOTAL_004, "Sparkasse")
    assert _status(config, capsys)["2026-004"]["state"] == "paid"


def _payments_in_db(config: Path) -> int:
    db = sqlite3.connect(config.parent / "var" / "mailbot.db")
    try:
        return db.execute("SELECT count(*) FROM events WHERE type = 'payment'").fetchone()[0]
    finally:
        db.close()


def test_notification_during_the_service_marks_paid_within_seconds(
    tmp_path, config, smtp_server, dovecot, capsys
):
    log = (tmp_path / "service.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "mailbot", "--config", str(config), "run", "--interval", "300"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        _wait_for(lambda: b"mailbot running" in (tmp_path / "service.log").read_bytes(), 10)
        time.sleep(0.5)  # the first pass and the IDLE command
        dovecot.append(paypal("s1@paypal.com", "3,998.40", "Invoice 2026-001", "7HX"))
        latency = _wait_for(lambda: _payments_in_db(config) == 1, 5)
        print(f"IDLE latency from APPEND to recorded payment: {latency:.2f} s")
        _wait_for(lambda: len(_receipts(smtp_server)) == 1, 10)
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0, (tmp_path / "service.log").read_text()
    assert _status(config, capsys)["2026-001"]["state"] == "paid"
    assert len(_receipts(smtp_server)) == 1
