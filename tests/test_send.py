"""End to end over a real SMTP server (aiosmtpd on 127.0.0.1): what clients receive."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

from conftest import ROOT, write_config

from mailbot.cli.main import main
from mailbot.decide.states import due_after_mailing
from mailbot.outbound.i18n import formatter_for


def _told(issue: date, due: date) -> date:
    """The due date a mail sent now shows (these tests run on the real clock: once the sample
    ledger's due date has passed, the client gets its terms again from today)."""
    return due_after_mailing(due, issue, datetime.now(ZoneInfo("Europe/Berlin")).date(), None)


def _run(config: Path, *args: str) -> int:
    return main(["--config", str(config), *args])


def _parse(raw: bytes) -> EmailMessage:
    return message_from_bytes(raw, policy=policy.default)  # type: ignore[return-value]


def _by_invoice(messages) -> dict[str, EmailMessage]:
    """The clients' mails by invoice (not mailbot's notices to the owner)."""
    found = {}
    for received in messages:
        msg = _parse(received.raw)
        if msg["X-Mailbot"]:
            continue
        number = msg["Subject"].split()[1]
        found[number] = (msg, received)
    return found


def _status(config: Path, capsys) -> dict[str, dict]:
    capsys.readouterr()
    assert _run(config, "status", "--json") == 0
    return {row["invoice"]: row for row in json.loads(capsys.readouterr().out)}


def test_run_once_sends_each_due_invoice_over_smtp(tmp_path, smtp_server):
    config = write_config(tmp_path, smtp_server.toml())
    assert _run(config, "run", "--once") == 0
    mails = _by_invoice(smtp_server.messages)
    assert sorted(mails) == ["2026-001", "2026-004"]

    msg, received = mails["2026-001"]
    assert received.sender == "billing@muster-design.example"
    assert received.recipients == ["ap@acme.example"]
    assert msg["From"] == "Muster Design <billing@muster-design.example>"
    assert msg["To"] == "Jane Smith <ap@acme.example>"
    assert msg["Reply-To"].addresses[0].addr_spec == "billing@muster-design.example"
    due = _told(date(2026, 11, 2), date(2026, 11, 16))
    assert msg["Subject"] == f"Invoice 2026-001 from Muster Design: 3,998.40 EUR due {due.day} {due:%b %Y}"
    assert msg["Message-ID"].endswith("@muster-design.example>")
    assert msg["Date"] is not None and msg["Auto-Submitted"] is None
    assert msg.get_content_type() == "multipart/mixed"  # the mail, then the invoice's PDF
    assert msg.get_payload()[1].get_filename() == "Invoice-2026-001.pdf"
    msg = msg.get_payload()[0]
    assert msg.get_content_type() == "multipart/related"  # the words, and the payment QR code inline
    assert [p.get_content_type() for p in msg.iter_parts()] == ["multipart/alternative", "image/png"]
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    # By hand: 1200.00 + 2400.00 x 0.9 = 3360.00 net; 19 % of it = 638.40; total 3998.40.
    for body in (text, html):
        assert "€3,360.00" in body  # net
        assert "€638.40" in body  # VAT 19 %
        assert "€3,998.40" in body  # total
        assert "DE89 3704 0044 0532 0130 00" in body
        assert "https://pay.muster-design.example/2026-001" in body
    assert "Hello Jane Smith," in text


def test_german_client_gets_german_mail_with_tax_per_rate(tmp_path, smtp_server):
    config = write_config(tmp_path, smtp_server.toml())
    _run(config, "run", "--once")
    msg, received = _by_invoice(smtp_server.messages)["2026-004"]
    assert received.recipients == [
        "buchhaltung@kaiser-soehne.example",
        "chef@kaiser-soehne.example",
    ]
    assert msg["Cc"] == "chef@kaiser-soehne.example"
    assert msg["To"].addresses[0].display_name == "Frau Weber"
    # By hand: 850.00 at 19 % = 161.50; 39.00 at 7 % = 2.73; 889.00 + 164.23 = 1053.23.
    due = _told(date(2026, 11, 9), date(2026, 11, 30))
    assert msg["Subject"] == f"Rechnung 2026-004 von Muster Design: 1.053,23 EUR fällig am {due:%d.%m.%Y}"
    text = msg.get_body(("plain",)).get_content()
    assert "Guten Tag Frau Weber," in text
    assert "USt. 19\u00a0% auf 850,00\u00a0€: 161,50\u00a0€" in text
    assert "USt. 7\u00a0% auf 39,00\u00a0€: 2,73\u00a0€" in text
    assert formatter_for("de").date(due, "full") in text  # "Montag, 30. November 2026" before it passed


def test_second_run_sends_nothing(tmp_path, smtp_server):
    config = write_config(tmp_path, smtp_server.toml())
    _run(config, "run", "--once")
    _run(config, "run", "--once")
    assert len(smtp_server.messages) == 2


CRASH_AFTER_CLAIM = """
import os, sys
from mailbot.outbound import transport
def crash(self, raw, sender, recipients):
    os._exit(9)  # killed between claim and send: nothing reached the server
transport.SmtpOutbox.send = crash
from mailbot.cli.main import main
main(sys.argv[1:])
"""


def test_process_killed_between_claim_and_send_sends_exactly_once_after_restart(
    tmp_path, smtp_server, capsys
):
    config = write_config(tmp_path, smtp_server.toml())
    crashed = subprocess.run(
        [sys.executable, "-c", CRASH_AFTER_CLAIM, "--config", str(config), "run", "--once"],
        cwd=ROOT,
        capture_output=True,
        check=False,
    )
    assert crashed.returncode == 9
    assert smtp_server.messages == []
    assert _status(config, capsys)["2026-001"]["state"] == "scheduled"

    assert _run(config, "run", "--once") == 0
    assert _run(config, "run", "--once") == 0
    assert sorted(_by_invoice(smtp_server.messages)) == ["2026-001", "2026-004"]
    assert len(smtp_server.messages) == 2


def test_permanent_refusal_marks_invoice_undeliverable_and_others_still_go(tmp_path, smtp_server, capsys):
    smtp_server.handler.reject["ap@acme.example"] = "550 5.1.1 <ap@acme.example>: mailbox unknown"
    config = write_config(tmp_path, smtp_server.toml())
    assert _run(config, "run", "--once") == 1
    assert sorted(_by_invoice(smtp_server.messages)) == ["2026-004"]
    status = _status(config, capsys)
    assert status["2026-001"]["state"] == "undeliverable"
    assert status["2026-004"]["state"] in ("sent", "overdue")
    assert _run(config, "history", "2026-001", "--json") == 0
    events = json.loads(capsys.readouterr().out)
    assert events[-1]["type"] == "error"
    assert "550 5.1.1" in events[-1]["detail"]
    # A later pass does not try again; the owner is told of the refused address, once.
    smtp_server.handler.reject.clear()
    _run(config, "run", "--once")
    _run(config, "run", "--once")
    assert sorted(_by_invoice(smtp_server.messages)) == ["2026-004"]
    told = [_parse(m.raw) for m in smtp_server.messages if b"X-Mailbot: notice" in m.raw]
    assert len(told) == 1
    assert "ap@acme.example refused" in told[0]["Subject"]


def test_transient_refusal_is_retried_on_the_next_pass(tmp_path, smtp_server, capsys):
    smtp_server.handler.reject["ap@acme.example"] = "451 4.3.0 try again later"
    config = write_config(tmp_path, smtp_server.toml())
    assert _run(config, "run", "--once") == 1
    assert _status(config, capsys)["2026-001"]["state"] == "scheduled"
    smtp_server.handler.reject.clear()
    assert _run(config, "run", "--once") == 0
    assert sorted(_by_invoice(smtp_server.messages)) == ["2026-001", "2026-004"]


def test_server_down_keeps_mails_for_the_next_pass(tmp_path, smtp_server, capsys):
    config = write_config(tmp_path, smtp_server.toml())
    smtp_server.stop()
    assert _run(config, "run", "--once") == 1
    assert _status(config, capsys)["2026-004"]["state"] == "scheduled"
    smtp_server.start()
    assert _run(config, "run", "--once") == 0
    assert len(smtp_server.messages) == 2


def test_without_smtp_host_mails_land_in_the_maildir_outbox(tmp_path):
    config = write_config(tmp_path)
    assert _run(config, "run", "--once") == 0
    files = sorted((tmp_path / "var/mail/outbox/new").iterdir())
    subjects = sorted(_parse(f.read_bytes())["Subject"].split()[1] for f in files)
    assert subjects == ["2026-001", "2026-004"]


def test_dry_run_sends_and_records_nothing(tmp_path, smtp_server, capsys):
    config = write_config(tmp_path, smtp_server.toml())
    assert _run(config, "run", "--dry-run") == 0
    assert "would send 2026-001 invoice" in capsys.readouterr().out
    assert smtp_server.messages == []
    assert _status(config, capsys)["2026-001"]["state"] == "scheduled"


def test_future_invoice_waits_for_its_issue_date(tmp_path, smtp_server, capsys):
    ledger = (
        "invoice,client,issue_date,description,quantity,unit_price\n"
        "2099-001,acme,2099-01-04,Retainer,1,100.00\n"
    )
    config = write_config(tmp_path, smtp_server.toml(), ledger=ledger)
    _run(config, "run", "--once")
    assert smtp_server.messages == []
    row = _status(config, capsys)["2099-001"]
    assert row["state"] == "scheduled"
    assert row["next_action"] == {"kind": "invoice", "on": "2099-01-04"}
    assert row["due_date"] == "2099-01-18"  # issue date + 14 days of terms


def test_a_backlog_is_sent_client_batch_by_client_batch_each_mail_once(tmp_path, smtp_server, monkeypatch):
    from mailbot.service import sending
    from mailbot.state.store import Store

    batches: list[set[str]] = []
    records_of = Store.records_of

    def spy(self, invoices):
        batches.append(set(invoices))
        return records_of(self, invoices)

    monkeypatch.setattr(sending, "MANY", 1)  # every client's invoices fill a batch
    monkeypatch.setattr(Store, "records_of", spy)
    config = write_config(tmp_path, smtp_server.toml())
    assert _run(config, "run", "--once") == 0
    assert sorted(_by_invoice(smtp_server.messages)) == ["2026-001", "2026-004"]
    assert len(smtp_server.messages) == 2
    # One batch per client, each with all of that client's invoices and nobody else's.
    assert sorted(map(sorted, batches)) == [["2026-001"], ["2026-004"]]
    assert _run(config, "run", "--once") == 0 and len(smtp_server.messages) == 2


def test_one_client_whose_mail_fails_for_now_does_not_hold_back_the_others(tmp_path):
    from datetime import UTC, datetime

    from mailbot.config.settings import load_settings
    from mailbot.ledger.read import load_ledger
    from mailbot.outbound.mails import Mailer
    from mailbot.outbound.transport import SendError
    from mailbot.service import run_pass, sending
    from mailbot.state.store import Store

    order = ["A-1", "K-1", "A-2", "K-2", "A-3", "K-3"]
    ledger_text = (
        "invoice,client,issue_date,due_date,description,quantity,unit,unit_price,tax_rate\n"
        + "".join(
            f"{n},{'acme' if n[0] == 'A' else 'kaiser'},2026-11-02,2026-11-16,Work,1,day,100.00,19\n"
            for n in order
        )
    )
    settings = load_settings(write_config(tmp_path, ledger=ledger_text))
    now = datetime(2026, 11, 3, 10, tzinfo=UTC)

    class GreylistingAcme:
        def __init__(self) -> None:
            self.sent: list[str] = []

        def send(self, raw: bytes, sender: str, recipients: list[str]) -> None:
            if any("acme" in r for r in recipients):
                raise SendError("451 greylisted, try again later", permanent=False)
            self.sent.append(_parse(raw)["Subject"].split()[1])

    outbox = GreylistingAcme()
    report = run_pass.PassReport()
    with Store(settings.state_path) as store:
        for number in order:
            store.claim(number, "invoice", 0, f"<{number}@x>", now)
        sending.send_claimed(store, outbox, Mailer(settings), load_ledger(settings), now, report)
    # Sent in the order claimed: each kaiser success ends acme's run of failures.
    assert outbox.sent == ["K-1", "K-2", "K-3"]
    assert sorted(report.retry) == ["A-1", "A-2", "A-3"]
