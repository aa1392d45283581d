"""``mailbot plan --days 45`` over 10,000 open invoices: time and peak memory.

    python benchmarks/plan.py [--invoices 10000] [--clients 500] [--events 100000]
                              [--days 45] [--seed N]

Builds the world of ``decide.py`` at a tenth of its size (config with clients in 11 time
zones and their holidays, ledger, SQLite state with each invoice's mails, replies,
payments, pauses and notes), then, in a fresh process, runs the command itself,
``mailbot --config X plan --days 45 --json`` through ``cli.main.main`` (reading the
config, the ledger and the state, the forecast, the JSON printed to a buffer), with the
clock at the world's ``NOW`` (``decide.NOW``; the command reads it through
``service.clock.utcnow``, replaced here only). It prints the wall time of the whole command,
of the forecast alone (``decide.forecast.forecast``, timed by wrapping it), and the peak
RSS (``VmHWM``) of that process, and its CPU time (wall time on a shared machine
follows the others' load). Target (issue 12): under 10 s. ``--exact`` then makes
the plan again asking every client every day (no quiet days skipped) and requires the
same mails.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import decide  # (it puts the repository root on sys.path, through _common)
from _common import machine, verdict

TARGET_S = 10.0


def measure(config: Path, days: int, exact: bool) -> int:
    from mailbot.cli import plan as plan_cli
    from mailbot.cli.main import main
    from mailbot.service import plan as plan_service

    plan_cli.utcnow = lambda: decide.NOW  # the world's day, not the machine's
    spent: list[float] = []
    real_forecast = plan_service.forecast

    def timed_forecast(*args, **kwargs):
        t0 = time.perf_counter()
        found = real_forecast(*args, **kwargs)
        spent.append(time.perf_counter() - t0)
        return found

    plan_service.forecast = timed_forecast
    out = io.StringIO()
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(out):
        code = main(["--config", str(config), "plan", "--days", str(days), "--json"])
    total = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    peak = decide.rss_peak()
    rows = json.loads(out.getvalue())
    kinds = Counter(row["kind"] for row in rows)
    clients = len({row["client"] for row in rows})
    ok_time = total < TARGET_S and code == 0
    print("\n=== summary ===")
    print(f"plan --days {days}: {len(rows)} mails to {clients} clients ("
          + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())) + ")")  # fmt: skip
    print(f"time: {total:.2f} s for the whole command ({cpu:.2f} s CPU), of which the forecast "
          f"{spent[0]:.2f} s (target < {TARGET_S:.0f} s: {verdict(ok_time)})")  # fmt: skip
    print(f"memory: peak RSS {peak / 1e6:.0f} MB")
    same = True
    if exact:
        from mailbot.config.settings import load_settings

        t0 = time.perf_counter()
        every_day = plan_service.plan(load_settings(config), decide.NOW, days, exact=True)
        same = [plan_cli.plan_row(p) for p in every_day] == rows
        print(f"exact (every client every day): {time.perf_counter() - t0:.2f} s, "
              f"{'the same plan' if same else 'A DIFFERENT PLAN'}: {verdict(same)}")  # fmt: skip
    return 0 if ok_time and rows and same else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--invoices", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=45)
    parser.add_argument("--seed", type=int, default=decide.SEED)
    parser.add_argument("--exact", action="store_true", help="also plan asking every client every day")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        return measure(args.measure, args.days, args.exact)
    print(f"plan benchmark: {machine()}")
    gc.disable()  # building is not measured
    invoices, clients, _currencies, outbox, events = decide.build(args)
    decide.describe(invoices, clients, outbox, events)
    with tempfile.TemporaryDirectory() as tmp:
        config = decide.write_world(Path(tmp), invoices, clients, outbox, events)
        del invoices, clients, outbox, events
        print(f"now: {decide.NOW.isoformat()} ({decide.NOW:%A})", flush=True)
        child = [sys.executable, __file__, "--measure", str(config), "--days", str(args.days)]
        child += ["--exact"] if args.exact else []
        return subprocess.run(child, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
