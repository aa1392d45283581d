"""A payment notification applied within 1.5 s of its arrival in the IMAP inbox (issue 14).

    python benchmarks/payment_mail.py [--samples 10]

A private Dovecot on 127.0.0.1 and aiosmtpd in its own process; the ledger of
``imap_ingest`` (217 invoices of six clients) mailed by a first pass; then ``mailbot run``
as ops start it (a subprocess, IDLE).  Each sample waits until mailbot waits in IDLE,
APPENDs a believed PayPal notification (the owner's server's DMARC pass) that pays one
open invoice exactly, and times APPEND -> the ``payment`` event in SQLite.  The Dovecot
announcement delay (a bare IDLE watcher) is printed beside it, as ``imap_ingest`` does.
"""

from __future__ import annotations

import argparse
import email.utils
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import imap_ingest as ii
from _common import machine, median, verdict

from mailbot.config.settings import load_settings
from mailbot.ledger.read import load_ledger
from mailbot.service import run_pass

TARGET_MEDIAN_S = 1.5
SOURCES = """
[[payments.sources]]
name = "PayPal"
senders = ["@paypal.com"]
kind = "paypal"
"""


def notification(number: str, amount: str, payer: str, n: int) -> tuple[bytes, str]:
    msgid = f"<bench.{n}.{time.time_ns()}@paypal.com>"
    raw = (
        "Authentication-Results: mx.muster-design.example; dkim=pass header.d=paypal.com;\r\n"
        "\tdmarc=pass (p=reject dis=none) header.from=paypal.com\r\n"
        "From: service@paypal.com\r\nTo: billing@muster-design.example\r\n"
        "Subject: You've got money\r\n"
        f"Date: {email.utils.format_datetime(datetime.now(UTC))}\r\nMessage-ID: {msgid}\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        f"Hello Muster Design,\r\n\r\n{payer} sent you {amount} EUR.\r\n\r\n"
        f"Note from {payer}:\r\nInvoice {number}\r\n\r\nTransaction ID: BENCH{n:08d}\r\n"
    ).encode()
    return raw, msgid


def payment_latency(service: ii.Service, appender, raw: bytes, msgid: str, limit: float = 30) -> float:
    after = service.last_event()
    appender.append("INBOX", raw)
    appended = time.perf_counter()
    query = "SELECT 1 FROM events WHERE id > ? AND type = 'payment' AND message_id = ?"
    while service.conn.execute(query, (after, msgid)).fetchone() is None:
        if time.perf_counter() - appended > limit:
            raise RuntimeError(f"{msgid}: no payment recorded within {limit} s:\n{service.log_tail()}")
        time.sleep(0.01)
    return time.perf_counter() - appended


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=10)
    args = parser.parse_args()
    print(f"payment_mail: {machine()}")
    with (
        tempfile.TemporaryDirectory() as tmp,
        ii.smtp_server() as (port, _count),
        ii.dovecot() as (server, _, _),
    ):
        directory = Path(tmp) / "payments"
        ii.write_base(directory)
        config = ii.write_config(directory, port, server)
        config.write_text(config.read_text(encoding="utf-8") + SOURCES, encoding="utf-8")
        settings = load_settings(config)
        run_pass.run_once(settings, datetime.now(UTC))  # the invoices go out
        ledger = load_ledger(settings)
        names = {c.id: c.name for c in ii.CLIENTS}
        invoices = [i for i in ledger.valid() if i.number.startswith("2026-01")][: args.samples]
        delays, _fetches = ii.idle_notice_delays(server, [notification("x", "1.00", "X", 0)[0]] * 3)
        samples = []
        service = ii.Service(directory)
        try:
            with server.client() as appender:
                appender.select_folder("INBOX")
                for n, invoice in enumerate(invoices, start=1):
                    service.wait_idle(server)
                    raw, msgid = notification(
                        invoice.number, f"{invoice.gross:,}", names[invoice.client_id], n
                    )
                    samples.append(payment_latency(service, appender, raw, msgid))
        finally:
            service.stop()
    notice = median(delays)
    print(f"  Dovecot IDLE notice delay (bare watcher): median {notice:.3f} s")
    print(f"  APPEND -> payment recorded, {len(samples)} samples: {', '.join(f'{s:.3f}' for s in samples)} s")
    ok = median(samples) < TARGET_MEDIAN_S
    figure = f"median {median(samples):.3f} s (target < {TARGET_MEDIAN_S} s)"
    print(f"  {figure}: {verdict(ok)}; max {max(samples):.3f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
