"""A spam wave through the real pass: what reaches the owner, what the state file keeps.

    python benchmarks/junk.py [--scale 1.0] [--seed 11]

The hostile corpus of the tests (``tests/junk_corpus.py``: 1,200 strangers, 600 bulk
newsletters, 40 mails of 1 MB, 800 mails of one sender, 400 random junk, times
``--scale``) and three real disputes and questions of clients, dropped into the Maildir
inbox; then ``run_once(settings, now)`` in-process, as ``mailbot run --once`` does it
(Maildir outbox: every forward is built and written).  Then the next day's pass (the
digest), and a pass after the retention (``[inbox] keep_days``, 90 days).

Prints the forwards to the owner (from clients, from the rest, digests), the state
file (with its WAL) before and after, and the time per 1,000 mails.  Targets (issue
11): forwards of the wave <= distinct senders + one digest, every client's mail
forwarded, the state file's growth < 50 MB.
"""

from __future__ import annotations

import argparse
import mailbox
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from pathlib import Path

from _common import ROOT, machine, summary  # first: it puts the repository root on sys.path

sys.path.insert(0, str(ROOT / "tests"))
from junk_corpus import MB, client_mails, hostile

from mailbot.config.settings import Settings, load_settings
from mailbot.service.run_pass import run_once

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
CONFIG = """
[business]
name = "Muster Design"
email = "billing@muster-design.example"
address = "Lindenstraße 12\\n10115 Berlin"

[payment]
iban = "DE89 3704 0044 0532 0130 00"

[chase]
enabled = false

[clients.acme]
name = "Acme Ltd"
email = "ap@acme.example"

[clients.kaiser]
name = "Kaiser & Söhne GmbH"
email = ["buchhaltung@kaiser-soehne.example"]
language = "de"
"""
LEDGER = """\
invoice,client,issue_date,due_date,description,quantity,unit,unit_price,tax_rate,discount
J-001,acme,2026-12-06,2026-12-20,Brand workshop,1,day,1200.00,19,
J-002,kaiser,2026-12-06,2026-12-20,Geschäftsausstattung,1,Pauschale,850.00,19,
"""


def state_size(settings: Settings) -> int:
    path = settings.state_path
    wal = path.with_name(path.name + "-wal")
    return path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)


def to_owner(settings: Settings) -> list[tuple[str, str]]:
    """(X-Mailbot, Subject) of every mail to the owner in the Maildir outbox."""
    box = mailbox.Maildir(settings.mail_dir / "outbox", create=False)
    found = []
    for key in box.iterkeys():
        with box.get_file(key) as handle:
            head = message_from_bytes(handle.read(8192).split(b"\r\n\r\n")[0])
        if head["X-Mailbot"] in ("forward", "digest"):
            found.append((str(head["X-Mailbot"]), str(head["Subject"])))
    return found


def timed(settings: Settings, now: datetime) -> float:
    start = time.perf_counter()
    run_once(settings, now)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    s = args.scale
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        (directory / "mailbot.toml").write_text(CONFIG, encoding="utf-8")
        (directory / "ledger.csv").write_text(LEDGER, encoding="utf-8")
        settings = load_settings(directory / "mailbot.toml")
        run_once(settings, NOW)  # the invoices, so that the clients' mails match them
        corpus = hostile(NOW, strangers=int(1200 * s), newsletters=int(600 * s), big=int(40 * s),
                         one_sender=int(800 * s), garbage=int(400 * s), seed=args.seed)  # fmt: skip
        clients = client_mails(NOW)
        mails = corpus.mails + [raw for _marker, raw in clients]
        box = mailbox.Maildir(settings.mail_dir / "inbox", create=True)
        for raw in mails:
            box.add(raw)
        before = state_size(settings)
        wave = timed(settings, NOW)
        after = state_size(settings)
        forwards = [subject for kind, subject in to_owner(settings) if kind == "forward"]
        from_clients = [f for f in forwards if any(marker in f for marker, _raw in clients)]
        next_day = timed(settings, NOW + timedelta(days=1))
        digests = [subject for kind, subject in to_owner(settings) if kind == "digest"]
        later = NOW + timedelta(days=92)
        retention = timed(settings, later)
        pruned = state_size(settings)

    per_1000 = wave / len(mails) * 1000
    print(f"machine: {machine()}")
    print(f"corpus: {len(mails):,} mails, {corpus.raw_bytes / MB:.0f} MB, "
          f"{len(corpus.limited_senders):,} distinct senders of mail that needs a person")  # fmt: skip
    print(f"the wave's pass: {wave:.1f} s, {per_1000:.2f} s per 1,000 mails")
    print(f"forwards to the owner: {len(forwards)} ({len(from_clients)} of {len(clients)} clients' mails, "
          f"{len(forwards) - len(from_clients)} of the rest)")  # fmt: skip
    print(f"next day: {len(digests)} digest(s) in {next_day:.2f} s: {digests[0] if digests else '-'}")
    print(f"state file: {before / MB:.2f} MB before, {after / MB:.2f} MB after the wave "
          f"(+{(after - before) / MB:.2f} MB); {pruned / MB:.2f} MB after the retention pass "
          f"({retention:.2f} s, 92 days later)")  # fmt: skip

    bound = len(corpus.limited_senders) + len(clients) + 1
    checks = [
        (f"forwards + digests {len(forwards) + len(digests)} <= distinct senders + clients + 1 = {bound}",
         len(forwards) + len(digests) <= bound),
        (f"every client's mail forwarded on its own ({len(from_clients)}/{len(clients)})",
         len(from_clients) == len(clients)),
        (f"state growth {(after - before) / MB:.1f} MB < 50 MB", after - before < 50 * MB),
    ]  # fmt: skip
    return summary(checks)


if __name__ == "__main__":
    sys.exit(main())
