"""Payment notifications through the whole pass on the embedded Maildir default (issue 14).

The notification fixtures of ``tests/notices/`` are delivered as the owner's server
leaves them (its ``Authentication-Results`` on top, dated now) into ``inbox/``, and
``mailbot run --once`` reads them: a camt.054 attached to a bank mail settles several
invoices at once and lists for the owner what it cannot place; the same statement
imported again by file records nothing twice; a payment in another currency, a pending
payment and a refund never settle an invoice; a part payment lowers the balance and
sends no receipt.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.utils import format_datetime
from pathlib import Path

import pytest
from conftest import write_config

from mailbot.cli.main import main
from mailbot.inbound.notices import statement_attachments
from mailbot.inbound.parse import parse

NOTICES = Path(__file__).parent / "notices"
OURS = "mx.muster-design.example"
CONFIG = f"""
[imap]
authserv_id = "{OURS}"

[clients.becker]
name = "Becker Consulting GmbH"
email = "buchhaltung@becker-consulting.de"
language = "de"

[clients.miller]
name = "Miller & Co"
email = "john@miller.example"
language = "en"

[[payments.sources]]
name = "Deutsche Bank"
senders = ["kontoinfo@db.com"]
kind = "bank_mail"

[[payments.sources]]
name = "PayPal"
senders = ["@paypal.de", "@paypal.com", "@mail.paypal.de"]
kind = "paypal"

[[payments.sources]]
name = "Wise"
senders = ["noreply@wise.com"]
kind = "wise"

[[payments.sources]]
name = "Stripe"
senders = ["@stripe.com"]
kind = "stripe"
"""
# Three invoices of 1190.00 EUR each (1000.00 + 19 %): the camt.054 fixture's 3570.00
# transfer names all three; 2026-007 is 1250.00 EUR, the USD fixture's amount.
LEDGER = """\
invoice,client,issue_date,due_date,description,quantity,unit,unit_price,tax_rate,discount
RE-2026-0042,becker,2026-11-02,2026-11-16,Beratung,1,Tag,1000.00,19,
RE-2026-0043,becker,2026-11-03,2026-11-17,Beratung,1,Tag,1000.00,19,
RE-2026-0044,becker,2026-11-04,2026-11-18,Beratung,1,Tag,1000.00,19,
2026-007,miller,2026-11-05,2026-11-19,Workshop,1,day,1250.00,0,
"""


def deliver(config: Path, name: str, message_id: str = "", change: tuple[bytes, bytes] = (b"", b"")) -> None:
    """The fixture as the owner's server delivers it: its verdict on top, dated now
    (``change``: bytes replaced, e.g. the amount)."""
    raw = (NOTICES / f"{name}.eml").read_bytes()
    if change[0]:
        raw = raw.replace(*change)
    domain = parse(raw).sender.rsplit("@", 1)[1]
    head, sep, body = raw.partition(b"\r\n\r\n") if b"\r\n\r\n" in raw else raw.partition(b"\n\n")
    head = re.sub(
        rb"(?im)^date:[^\r\n]*", b"Date: " + format_datetime(datetime.now(UTC)).encode(), head, count=1
    )
    if message_id:
        head = re.sub(rb"(?im)^message-id:[^\r\n]*", f"Message-ID: <{message_id}>".encode(), head, count=1)
    auth = f"Authentication-Results: {OURS}; dkim=pass header.d={domain}; dmarc=pass header.from={domain}\r\n"
    new = config.parent / "var" / "mail" / "inbox" / "new"
    new.mkdir(parents=True, exist_ok=True)
    (new / f"{datetime.now(UTC).timestamp():.6f}.{name}.{message_id or 'x'}").write_bytes(
        auth.encode() + head + sep + body
    )


def run(config: Path) -> None:
    assert main(["--config", str(config), "run", "--once"]) == 0


def status(config: Path, capsys) -> dict[str, dict]:
    capsys.readouterr()
    assert main(["--config", str(config), "status", "--json"]) == 0
    return {row["invoice"]: row for row in json.loads(capsys.readouterr().out)}


def payments(config: Path, invoice: str, capsys) -> list[dict]:
    capsys.readouterr()
    assert main(["--config", str(config), "history", invoice, "--json"]) == 0
    return [json.loads(e["detail"]) for e in json.loads(capsys.readouterr().out) if e["type"] == "payment"]


def outbox(config: Path) -> list:
    folder = config.parent / "var" / "mail" / "outbox"
    return [
        message_from_bytes(p.read_bytes(), policy=policy.default)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    ]


def owner_mails(config: Path) -> list:
    return [m for m in outbox(config) if m["X-Mailbot"] in ("payment", "forward")]


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = write_config(tmp_path, CONFIG, ledger=LEDGER)
    run(path)  # the invoices go out
    return path


def test_camt054_in_a_bank_mail_settles_several_invoices_and_lists_the_rest(config, capsys):
    deliver(config, "camt054_bank_mail")
    run(config)
    rows = status(config, capsys)
    for number in ("RE-2026-0042", "RE-2026-0043", "RE-2026-0044"):
        assert rows[number]["state"] == "paid", number
        (payment,) = payments(config, number, capsys)
        assert (payment["amount"], payment["ref"]) == ("1190.00", "2026120400012345")
    assert rows["2026-007"]["state"] != "paid"
    (told,) = owner_mails(config)
    body = told.get_body(("plain",)).get_content()
    assert (
        "1190.00 EUR" in body and "Hoffmann" in body and "not recorded" in body
    )  # the RF of no invoice of ours
    assert "500.00" not in body.split("Needs you:")[1]  # a pending entry needs no one


def test_a_statement_read_from_mail_is_not_recorded_again_from_its_file(config, capsys, tmp_path):
    deliver(config, "camt054_bank_mail")
    run(config)
    deliver(config, "camt054_bank_mail", message_id="copy@db.com")  # a second copy of the mail
    run(config)
    raw = (NOTICES / "camt054_bank_mail.eml").read_bytes()
    ((_name, xml),) = statement_attachments(parse(raw))
    (tmp_path / "camt054.xml").write_bytes(xml)
    main(["--config", str(config), "import-payments", str(tmp_path / "camt054.xml")])
    assert "already recorded" in capsys.readouterr().out
    assert len(payments(config, "RE-2026-0042", capsys)) == 1


def test_payment_in_another_currency_is_never_matched(config, capsys):
    deliver(config, "paypal_received_usd")  # 1250.00 USD naming 2026-007, a EUR invoice
    run(config)
    assert payments(config, "2026-007", capsys) == []
    (told,) = owner_mails(config)
    assert "USD" in told.get_body(("plain",)).get_content()


@pytest.mark.parametrize("name", ["paypal_on_hold", "stripe_refund", "paypal_marketing", "wise_on_its_way"])
def test_pending_refund_or_other_mail_from_a_source_changes_nothing_and_bothers_no_one(config, capsys, name):
    before = status(config, capsys)
    deliver(config, name)
    run(config)
    assert status(config, capsys) == before
    assert [m["Subject"] for m in owner_mails(config)] == []


def test_paypal_payment_pays_and_the_receipt_goes_out_once(config, capsys):
    deliver(config, "paypal_received_note")  # 1,190.00 EUR naming RE-2026-0042
    run(config)
    run(config)
    (payment,) = payments(config, "RE-2026-0042", capsys)
    assert (payment["source"], payment["amount"], payment["kind"]) == ("PayPal", "1190.00", "paypal")
    assert status(config, capsys)["RE-2026-0042"]["state"] == "paid"
    assert len(receipts(config, "RE-2026-0042")) == 1
    assert owner_mails(config) == []
    capsys.readouterr()
    assert main(["--config", str(config), "export-payments"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert (row["source"], row["ref"], row["how"]) == ("PayPal", "paypal:5TY05013RG002845M", payment["how"])
    assert row["evidence"].startswith("<") and row["evidence"] == payment["evidence"]


def test_part_payment_lowers_the_balance_and_sends_no_receipt(config, capsys):
    deliver(config, "paypal_received_note", change=(b"1,190.00", b"1,000.00"))
    run(config)
    (payment,) = payments(config, "RE-2026-0042", capsys)
    assert payment["amount"] == "1000.00"
    row = status(config, capsys)["RE-2026-0042"]
    assert (row["balance"], row["state"]) == ("190.00", "overdue")
    assert receipts(config, "RE-2026-0042") == []


def receipts(config: Path, number: str) -> list:
    return [
        m
        for m in outbox(config)
        if number in str(m["Subject"]) and "Zahlung für Rechnung" in str(m["Subject"])
    ]


def test_check_says_notifications_cannot_be_believed_on_the_maildir_default(tmp_path, capsys):
    path = write_config(tmp_path, CONFIG, ledger=LEDGER)
    main(["--config", str(path), "check"])
    out = capsys.readouterr()
    hint = next(line for line in (out.out + out.err).splitlines() if "[[payments.sources]]" in line)
    line = path.read_text().splitlines().index('kind = "bank_mail"') + 1
    assert hint.startswith(f"hint: {path}:{line}:") and "set [imap]" in hint


def test_a_masked_account_that_fits_ours_is_ours_and_another_is_not():
    from mailbot.inbound.payments import same_account

    own = "DE89370400440532013000"
    assert same_account("DE89************013000", own)
    assert not same_account("DE02************013000", own)
    assert not same_account("DE89****013000", own)  # a different length is another account


def test_a_notification_carrying_our_servers_verdict_teaches_that_replies_must_carry_one(tmp_path):
    """Without ``authserv_id`` the owner's domain's hosts count as ours (``mx.muster-design.example``)."""
    import sqlite3

    from mailbot.inbound.payments import AUTH_SEEN

    config = write_config(tmp_path, CONFIG.replace(f'authserv_id = "{OURS}"', ""), ledger=LEDGER)
    run(config)
    deliver(config, "paypal_received_note")
    run(config)
    db = sqlite3.connect(config.parent / "var" / "mailbot.db")
    notes = db.execute(
        "SELECT count(*) FROM events WHERE type = 'note' AND detail = ?", (AUTH_SEEN,)
    ).fetchone()
    assert notes == (1,)


def test_after_a_notification_pays_it_no_reminder_is_ever_planned(config, capsys, monkeypatch):
    monkeypatch.setenv("MAILBOT_CHASE__ENABLED", "true")

    def planned() -> set[str]:
        capsys.readouterr()
        assert main(["--config", str(config), "plan", "--days", "60", "--json"]) == 0
        return {n for mail in json.loads(capsys.readouterr().out) for n in mail["invoices"]}

    assert "RE-2026-0042" in planned()  # overdue: reminders would follow
    deliver(config, "paypal_received_note")  # 1,190.00 EUR naming RE-2026-0042
    run(config)
    assert "RE-2026-0042" not in planned()
    assert "RE-2026-0043" in planned()  # the others are still chased
