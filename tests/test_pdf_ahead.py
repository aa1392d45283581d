"""Invoice PDFs made in a process pool while the pass sends (issue 15, performance).

A pass over real SMTP (aiosmtpd on 127.0.0.1): every invoice mail arrives once, complete,
with its own PDF (the invoice number inside its embedded XML), in the order the mails were
claimed, and the state records each as sent.  The pool is switched on whatever this
machine's cores (``pdf_ahead.cores``); that the PDFs really came from the workers is made
sure by making the main process unable to make one.
"""

from __future__ import annotations

import io
import logging
import os
import sqlite3
from datetime import UTC, datetime
from email import message_from_bytes, policy

import pytest
from conftest import BASE_CONFIG, write_config
from lxml import etree
from pypdf import PdfReader

from mailbot.config.settings import load_settings
from mailbot.outbound.einvoice import NSMAP
from mailbot.outbound.mails import Mailer
from mailbot.service import pdf_ahead
from mailbot.service.run_pass import run_once

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
NUMBERS = [f"2026-{n:03d}" for n in range(101, 111)]
LEDGER = "invoice,client,issue_date,due_date,description,quantity,unit,unit_price,tax_rate,discount\n" + "".join(
    f"{number},{'acme' if i % 2 else 'kaiser'},2026-11-18,2026-12-02,Design work {i},{i + 1},h,95.00,19,\n"
    for i, number in enumerate(NUMBERS)
)  # fmt: skip


@pytest.fixture
def pool_on(monkeypatch):
    """Two workers, whatever the machine has."""
    monkeypatch.setattr(pdf_ahead, "cores", lambda: 2)


@pytest.fixture
def made_here(monkeypatch) -> list[str]:
    """The invoices whose files the sending process made itself (the rest: the workers)."""
    numbers: list[str] = []
    make = Mailer.invoice_files

    def counted(self, invoice, now):
        numbers.append(invoice.number)
        return make(self, invoice, now)

    monkeypatch.setattr(Mailer, "invoice_files", counted)
    return numbers


def _xml_number(raw: bytes) -> tuple[str, bytes]:
    """The invoice number inside the mail's PDF (its embedded factur-x.xml), and the XML."""
    msg = message_from_bytes(raw, policy=policy.default)
    pdfs = [p.get_content() for p in msg.walk() if p.get_content_type() == "application/pdf"]
    assert len(pdfs) == 1
    root = PdfReader(io.BytesIO(pdfs[0])).trailer["/Root"]
    names = root["/Names"]["/EmbeddedFiles"]["/Names"]
    xml = names[1].get_object()["/EF"]["/F"].get_object().get_data()
    number = etree.fromstring(xml).findtext("rsm:ExchangedDocument/ram:ID", None, NSMAP)
    return number, xml


def _pass(tmp_path, smtp_server) -> tuple[list[str], dict[str, bytes], list[tuple[str, str]]]:
    """One pass over the ten invoices: the numbers in the order they arrived, each one's XML,
    and the state's (invoice, status) in claim order."""
    config = write_config(tmp_path, smtp_server.toml(), ledger=LEDGER, base=BASE_CONFIG)
    report = run_once(load_settings(config), NOW)
    assert sorted(report.sent) == NUMBERS, report
    arrived, xml = [], {}
    for message in smtp_server.messages:
        number, content = _xml_number(message.raw)
        assert number in message_from_bytes(message.raw, policy=policy.default)["Subject"]
        arrived.append(number)
        xml[number] = content
    with sqlite3.connect(tmp_path / "var" / "mailbot.db") as db:
        rows = db.execute("SELECT invoice, status FROM outbox WHERE kind = 'invoice' ORDER BY id").fetchall()
    return arrived, xml, rows


def test_with_the_pool_each_invoice_mail_arrives_once_with_its_own_pdf_in_claim_order(
    tmp_path, smtp_server, pool_on, made_here
):
    arrived, _xml, rows = _pass(tmp_path, smtp_server)
    assert sorted(arrived) == NUMBERS  # each once
    assert arrived == [invoice for invoice, _status in rows]  # in the order they were claimed
    assert {status for _invoice, status in rows} == {"sent"}
    assert made_here == arrived[:1]  # the first while the workers started; the rest by them


def test_the_pool_makes_the_same_einvoices_as_the_sending_process(
    tmp_path, smtp_server, monkeypatch, made_here
):
    monkeypatch.setattr(pdf_ahead, "cores", lambda: 1)
    _arrived, in_place, _rows = _pass(tmp_path / "one", smtp_server)
    assert sorted(made_here) == NUMBERS  # one core: no pool
    smtp_server.messages.clear()
    made_here.clear()
    monkeypatch.setattr(pdf_ahead, "cores", lambda: 2)
    arrived, from_pool, _rows = _pass(tmp_path / "pool", smtp_server)
    assert made_here == arrived[:1]
    assert from_pool == in_place


def test_a_few_invoice_mails_are_made_in_the_sending_process(tmp_path, smtp_server, pool_on, made_here):
    ledger = "\n".join(LEDGER.splitlines()[: pdf_ahead.MIN_MAILS]) + "\n"  # one mail too few
    config = write_config(tmp_path, smtp_server.toml(), ledger=ledger, base=BASE_CONFIG)
    assert len(run_once(load_settings(config), NOW).sent) == pdf_ahead.MIN_MAILS - 1
    assert sorted(made_here) == NUMBERS[: pdf_ahead.MIN_MAILS - 1]


def _die(invoice, now):
    """A worker that dies on the fourth invoice (its process ends, as under the OOM killer)."""
    if invoice.number == NUMBERS[3]:
        os._exit(1)
    return pdf_ahead._files_of(invoice, now)


def _die_from_start(*_args):
    os._exit(1)


def test_when_a_pdf_worker_dies_the_pass_makes_the_rest_itself_and_sends_each_once(
    tmp_path, smtp_server, pool_on, monkeypatch, caplog
):
    monkeypatch.setattr(pdf_ahead, "_files_of", _die)
    with caplog.at_level(logging.WARNING, logger="mailbot"):
        arrived, _xml, rows = _pass(tmp_path, smtp_server)
    assert arrived == [invoice for invoice, _status in rows] and sorted(arrived) == NUMBERS
    assert {status for _invoice, status in rows} == {"sent"}
    assert "a PDF worker died" in caplog.text


def test_workers_that_cannot_start_leave_the_pass_to_make_its_pdfs(
    tmp_path, smtp_server, pool_on, monkeypatch
):
    monkeypatch.setattr(pdf_ahead, "_start", _die_from_start)
    arrived, _xml, rows = _pass(tmp_path, smtp_server)
    assert arrived == [invoice for invoice, _status in rows] and sorted(arrived) == NUMBERS


def test_what_a_worker_logs_about_an_invoice_is_logged_by_the_pass(tmp_path, smtp_server, pool_on, caplog):
    """Without a VAT id no e-invoice can be made: the worker's warning reaches the log."""
    base = BASE_CONFIG.replace('tax_id = "DE123456789"\n', "")
    config = write_config(tmp_path, smtp_server.toml(), ledger=LEDGER, base=base)
    with caplog.at_level(logging.WARNING, logger="mailbot"):
        assert sorted(run_once(load_settings(config), NOW).sent) == NUMBERS
    lacking = [
        r for r in caplog.records if "no e-invoice, the config lacks [business] tax_id" in r.getMessage()
    ]
    assert sorted(r.getMessage().split()[1].rstrip(":") for r in lacking) == NUMBERS  # each invoice once


KILLED_MID_PASS = """
import multiprocessing, os, sys
from datetime import datetime, UTC
from mailbot.config.settings import load_settings
from mailbot.ledger.read import load_ledger
from mailbot.outbound.mails import Mailer
from mailbot.service.pdf_ahead import PdfAhead

settings = load_settings(sys.argv[1])
invoice = load_ledger(settings).invoices["2026-101"]
ahead = PdfAhead(Mailer(settings), datetime(2026, 11, 20, tzinfo=UTC), workers=2)
ahead.plan([(f"<{n}@x>", invoice) for n in range(6)])
assert ahead.files("<1@x>") is not None  # the workers run
print(" ".join(str(p.pid) for p in multiprocessing.active_children()), flush=True)
os.kill(os.getpid(), 9)  # as the OOM killer would: no pool shutdown, no cleanup
"""


def test_workers_end_when_the_sending_process_is_killed(tmp_path):
    import subprocess
    import sys
    import time

    config = write_config(tmp_path, ledger=LEDGER, base=BASE_CONFIG)
    out = tmp_path / "workers.txt"
    with out.open("w") as stdout:  # (a file, not a pipe: workers left alive would hold a pipe open)
        done = subprocess.run([sys.executable, "-c", KILLED_MID_PASS, str(config)], stdout=stdout,
                              timeout=120, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})  # fmt: skip
    workers = [int(pid) for pid in out.read_text().split()]
    assert done.returncode == -9 and len(workers) == 2
    deadline = time.monotonic() + 3 * pdf_ahead.PARENT_CHECK_S + 5
    while time.monotonic() < deadline and any(_alive(pid) for pid in workers):
        time.sleep(0.1)
    assert not [pid for pid in workers if _alive(pid)]


def _alive(pid: int) -> bool:
    """Whether ``pid`` still runs (a worker orphaned by the kill is nobody's zombie: init reaps it)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[1][0] != "Z"
    except FileNotFoundError:
        return False
