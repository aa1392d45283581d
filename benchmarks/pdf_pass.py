"""A sending pass of invoice mails with their PDFs: the first mail out, and the whole batch,
with the PDFs made in the sending process and in a pool of worker processes.

    python benchmarks/pdf_pass.py [--invoices 60] [--processes N]

Generates (seeded) the config and ledger of ``_common.write_setup`` (invoices of 1-20
lines, English and German clients, the example's logo, ``attach_pdf = true``) and, for
each mode in a fresh process, runs ``run_once`` as ``mailbot run --once`` would (Maildir
outbox, empty state: every invoice is mailed).  The outbox's ``send`` is timed, so the
figures are: seconds from the start of the pass to the first mail handed over, to the last,
and the CPU time of the process and its workers.  Modes: one process (the pool off:
``pdf_ahead.cores`` says 1) and ``N`` workers (default: this machine's cores).
Targets (issue 15): the first invoice mail is not held back by later PDFs (here: out
before a tenth of the batch's time, and within 5 s of the pass's start); the pool makes
the batch faster than one process when there are more cores.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _common  # first: it puts the repository root on sys.path
from _common import NOW, machine, verdict

SEED = 20261206
FIRST_WITHIN_S = 5.0
ENV = {  # as the tests set them: every invoice mailed now, whatever its dates
    "MAILBOT_STATE__FIRST_RUN_DAYS": "36500",
    "MAILBOT_CHASE__INVOICE_HOURS": "any",
    "MAILBOT_CHASE__LATE_MAIL_NOTICE": "false",
    "MAILBOT_CHASE__ENABLED": "false",
}


def setup(folder: Path, n: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "logo.png").write_bytes((_common.ROOT / "config" / "logo.png").read_bytes())
    config, _rows = _common.write_setup(folder, n, 1, 20, SEED, attach_pdf=True)
    config.write_text(config.read_text().replace('tax_id = "DE123456789"',
                                                 'tax_id = "DE123456789"\nlogo = "logo.png"', 1))  # fmt: skip
    return config


def measure(config: Path, workers: int) -> dict:
    """In this (fresh) process: one pass, the pool off (``workers`` 1) or on with ``workers``."""
    from mailbot.config.settings import load_settings
    from mailbot.outbound import transport
    from mailbot.service import pdf_ahead, run_pass

    pdf_ahead.cores = lambda: workers  # type: ignore[assignment]  # the benchmark's switch
    pdf_ahead.MAX_WORKERS = max(workers, 1)
    sent: list[float] = []
    send = transport.MaildirOutbox.send

    def timed(self, raw, sender, recipients):
        refused = send(self, raw, sender, recipients)
        sent.append(time.perf_counter())
        return refused

    transport.MaildirOutbox.send = timed  # type: ignore[method-assign]
    settings = load_settings(config)
    t0, cpu0 = time.perf_counter(), time.process_time()
    report = run_pass.run_once(settings, NOW)
    wall = time.perf_counter() - t0
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "sent": len(report.sent), "first": sent[0] - t0, "last": sent[-1] - t0, "wall": wall,
        "cpu": time.process_time() - cpu0, "workers_cpu": children.ru_utime + children.ru_stime,
    }  # fmt: skip


def run_mode(folder: Path, n: int, workers: int) -> dict:
    config = setup(folder, n)
    done = subprocess.run(
        [sys.executable, __file__, "--measure", str(config), "--processes", str(workers)],
        capture_output=True, text=True, env={**os.environ, **ENV}, check=True,
    )  # fmt: skip
    return json.loads(done.stdout.splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=60)
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.processes)))
        return 0
    print(machine(), f"load average {os.getloadavg()[0]:.1f}")
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for workers in (1, args.processes) if args.processes > 1 else (1,):
            r = run_mode(Path(tmp) / f"w{workers}", args.invoices, workers)
            results[workers] = r
            label = "one process" if workers == 1 else f"{workers} worker processes"
            print(f"{label:>20}: {r['sent']} invoice mails with PDF; first sent after {r['first']:.2f} s, "
                  f"last after {r['last']:.1f} s ({1000 * r['last'] / r['sent']:.0f} ms a mail); "
                  f"CPU {r['cpu']:.1f} s in the sending process + {r['workers_cpu']:.1f} s in workers "
                  f"(load average {os.getloadavg()[0]:.1f})", flush=True)  # fmt: skip
    print("\n=== summary ===")
    checks = []
    for workers, r in results.items():
        ok = r["first"] <= min(FIRST_WITHIN_S, r["last"] / 10 + 2.5)  # (a cold start: ~2 s)
        checks.append(ok)
        print(f"first mail ({workers} process(es)): {r['first']:.2f} s of {r['last']:.1f} s -> {verdict(ok)}")
    if len(results) > 1:
        one, many = results[1]["last"], results[args.processes]["last"]
        ok = many < one
        checks.append(ok)
        print(f"batch: {one:.1f} s in one process, {many:.1f} s with {args.processes} workers "
              f"({one / many:.2f}x) -> {verdict(ok)}")  # fmt: skip
    return 0 if all(checks) else 1


if __name__ == "__main__":
    sys.exit(main())
