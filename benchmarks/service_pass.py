"""The running service's passes over 100,000 invoices: the day's first, then the later ones.

    python benchmarks/service_pass.py [--invoices 100000] [--clients 5000] [--events 1000000]
                                      [--passes 6] [--seed N]

Builds the same world as ``decide.py`` (config, ledger and SQLite state on disk, each
invoice's summary stored), then, in a fresh process, does what ``mailbot run`` does:
one ``LedgerCache`` and ``run_once`` every hour from Tuesday 14:00 UTC, with the
Maildir outbox and inbox of the built config (every mail is rendered and written).
Each pass is timed whole: reading the inbox, deciding, claiming, rendering, sending and
recording. The first pass carries the backlog of the built world (thousands of
reminders due at once, one mail per client); the later ones are what a running
service spends on a day with little to send. Target (issue 4): a decision pass under
2 s; here the whole pass of the service in steady state is held to it (the median of
the passes after the second), and its peak RSS (``VmHWM``) to 500 MB.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import decide  # (it puts the repository root on sys.path, through _common)
from _common import machine, verdict

from mailbot.config.settings import load_settings
from mailbot.service import caches, run_pass

TARGET_S = 2.0
TARGET_BYTES = 500e6


def measure(config: Path, passes: int) -> int:
    settings = load_settings(config)
    ledgers, known = caches.LedgerCache(), caches.FactsCache()  # as run_forever keeps them
    t0 = time.perf_counter()
    ledgers.load(settings)
    print(f"ledger read once (then kept while unchanged): {time.perf_counter() - t0:.1f} s; RSS "
          f"{decide.rss_now() / 1e6:.0f} MB, peak {decide.rss_peak() / 1e6:.0f} MB", flush=True)  # fmt: skip
    times = []
    for n in range(passes):
        now = decide.NOW + timedelta(hours=n)
        t0 = time.perf_counter()
        report = run_pass.run_once(settings, now, ledgers=ledgers, known=known)
        spent = time.perf_counter() - t0
        times.append(spent)
        print(f"pass {n + 1} at {now:%H:%M} UTC: {spent:.2f} s; sent {len(report.sent)}, retry "
              f"{len(report.retry)}, held {len(report.held)}; RSS {decide.rss_now() / 1e6:.0f} MB, "
              f"peak so far {decide.rss_peak() / 1e6:.0f} MB",
              flush=True)  # fmt: skip
        gc.collect()
    peak = decide.rss_peak()
    later = times[2:] or times[-1:]
    steady = statistics.median(later)
    ok_time, ok_mem = steady < TARGET_S, peak < TARGET_BYTES
    print("\n=== summary ===")
    print(f"first pass (the built backlog): {times[0]:.1f} s")
    print(f"later passes (3rd on): median {steady:.2f} s, min {min(later):.2f} s, max {max(later):.2f} s "
          f"(target < {TARGET_S:.0f} s: {verdict(ok_time)})")  # fmt: skip
    print(f"memory: peak RSS {peak / 1e6:.0f} MB (target < {TARGET_BYTES / 1e6:.0f} MB: {verdict(ok_mem)})")
    return 0 if ok_time and ok_mem else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=5_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--passes", type=int, default=6)
    parser.add_argument("--seed", type=int, default=decide.SEED)
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        return measure(args.measure, args.passes)
    print(f"service pass benchmark: {machine()}")
    gc.disable()
    invoices, clients, _currencies, outbox, events = decide.build(args)
    with tempfile.TemporaryDirectory() as tmp:
        config = decide.write_world(Path(tmp), invoices, clients, outbox, events)
        del invoices, clients, outbox, events
        sys.stdout.flush()
        child = [sys.executable, __file__, "--measure", str(config), "--passes", str(args.passes)]
        return subprocess.run(child, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
