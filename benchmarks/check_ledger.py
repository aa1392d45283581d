"""``mailbot check`` on a 10,000-invoice ledger: wall time and peak RSS of the real command.

    python benchmarks/check_ledger.py [--invoices 10000] [--runs 3]

Writes (seeded) a config and a ledger of complete invoices of 1-5 lines each, with six
deliberately bad rows among them, then runs ``python -m mailbot --config X check`` as
a subprocess.  It exits 1 because of the bad rows: that is expected, and the script
asserts that it printed exactly those six problems (file, line and what is wrong) and
nothing else.  Targets: under 2 s wall and under 200 MB peak RSS (median run;
RSS from ``os.wait4``, the child's own ``ru_maxrss``).

For whoever optimises it also prints the share of interpreter start + imports
(``python -c "import mailbot.cli.main"``) and in-process ``load_settings``/``load_ledger``.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _common  # first: it puts the repository root on sys.path
from _common import ROOT, machine, median, verdict

from mailbot.config.settings import load_settings
from mailbot.ledger.read import load_ledger

TARGET_S = 2.0
TARGET_BYTES = 200e6
SEED = 7
ROW = 17  # columns in _common.HEADER


def bad_rows(valid_numbers: list[str], rows_by_number: dict) -> list[tuple[list[str], str]]:
    """Six bad rows and, for each, what its problem line must say."""
    blank = [""] * ROW

    def row(**cells: str) -> list[str]:
        out = list(blank)
        for name, value in cells.items():
            out[_common.HEADER.index(name)] = value
        return out

    victim = valid_numbers[len(valid_numbers) // 2]
    victim_client = rows_by_number[victim][0][1]
    other = "acme" if victim_client != "acme" else "kaiser"
    return [
        (row(invoice="X-0001", client="acmee", issue_date="2026-11-02", description="Workshop",
             quantity="1", unit_price="1200.00"),
         "invoice X-0001: column 'client': unknown client 'acmee' (did you mean 'acme'?)"),
        (row(invoice="X-0002", client="kaiser", issue_date="2026-11-09", description="Beratung",
             quantity="1,5", unit_price="95.00"),
         "invoice X-0002: column 'quantity': '1,5': write numbers with '.'"),
        (row(invoice="X-0003", client="acme", issue_date="22.11.2026", description="Hosting",
             quantity="1", unit_price="50.00"),
         "invoice X-0003: column 'issue_date': '22.11.2026' is not a date"),
        (row(invoice="X-0004", client="globex", issue_date="2026-11-10", description="Audit",
             quantity="1", unit_price="800.00", tax_rate="119"),
         "invoice X-0004: column 'tax_rate': 119 is not a percentage between 0 and 100"),
        (row(invoice="BAD 5", client="acme", issue_date="2026-11-10", description="Copy",
             quantity="1", unit_price="80.00"),
         "column 'invoice': use letters, digits and . _ / - (at most 64): 'BAD 5'"),
        (row(invoice=victim, client=other, description="Extra work", quantity="2",
             unit_price="60.00"),
         f"invoice {victim}: column 'client': '{other}' conflicts with '{victim_client}' on line"),
    ]  # fmt: skip


def write_files(directory: Path, n: int) -> tuple[Path, Path, dict[int, str], int]:
    """Config + ledger; returns the expected problems by CSV line and the data row count."""
    rng = random.Random(SEED)
    rows_by_number: dict[str, list[list[str]]] = {}
    for i in range(n):
        client = _common.CLIENTS[i % len(_common.CLIENTS)]
        number = f"B-{i + 1:06d}"
        rows_by_number[number] = _common.invoice_rows(rng, number, client, rng.randint(1, 5))
    numbers = list(rows_by_number)
    bad = bad_rows(numbers, rows_by_number)
    # Spread the bad rows through the file, each after a whole invoice.
    at = {numbers[(k + 1) * n // (len(bad) + 1)]: b for k, b in enumerate(bad)}
    rows: list[list[str]] = []
    expected: dict[int, str] = {}
    for number in numbers:
        rows += rows_by_number[number]
        if number in at:
            bad_row, message = at[number]
            rows.append(bad_row)
            expected[len(rows) + 1] = message  # +1: the header is line 1
    config = directory / "mailbot.toml"
    config.write_text(_common.config_toml(), encoding="utf-8")
    ledger = directory / "ledger.csv"
    ledger.write_text(_common.ledger_csv(rows), encoding="utf-8")
    return config, ledger, expected, len(rows)


def run(cmd: list[str], directory: Path) -> tuple[float, int, int, str, str]:
    """Wall seconds, exit code, peak RSS in bytes (this child's own), stdout, stderr."""
    out_path, err_path = directory / "stdout.txt", directory / "stderr.txt"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("MAILBOT_CONFIG", None)
    with out_path.open("wb") as out, err_path.open("wb") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=ROOT, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    return (wall, proc.returncode, usage.ru_maxrss * 1024, out_path.read_text("utf-8"),
            err_path.read_text("utf-8"))  # fmt: skip


def verify(stdout: str, stderr: str, code: int, ledger: Path, expected: dict[int, str],
           n_invoices: int) -> list[str]:  # fmt: skip
    """What is wrong with the command's output (empty when it is exactly as expected)."""
    errors = []
    if code != 1:
        errors.append(f"exit code {code}, expected 1")
    seen: dict[int, str] = {}
    for line in stdout.splitlines():
        m = re.match(r"^(.+):(\d+): (.+)$", line)
        if not m or m.group(1) != str(ledger):
            errors.append(f"unexpected output line: {line!r}")
            continue
        seen[int(m.group(2))] = m.group(3)
    for line_no, want in expected.items():
        got = seen.pop(line_no, None)
        if got is None:
            errors.append(f"missing problem on line {line_no}: {want}")
        elif not got.startswith(want):
            errors.append(f"line {line_no}: got {got!r}, expected {want!r}...")
    errors += [f"unexpected problem on line {k}: {v}" for k, v in seen.items()]
    bad_invoices = sum(1 for m in expected.values() if m.startswith("invoice X-"))
    summary = (f"{n_invoices + bad_invoices} invoices, {n_invoices - 1} valid; "
               f"{len(expected)} problem(s)")  # fmt: skip
    if summary not in stderr:
        errors.append(f"stderr lacks {summary!r}: {stderr.strip()!r}")
    return errors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--invoices", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"check_ledger benchmark: {machine()}")

    with tempfile.TemporaryDirectory(prefix="mb-") as tmp:
        directory = Path(tmp)
        config, ledger, expected, n_rows = write_files(directory, args.invoices)
        size_mb = ledger.stat().st_size / 1e6
        print(f"ledger: {args.invoices} invoices + {len(expected)} bad rows, {n_rows} data rows, "
              f"{size_mb:.1f} MB")  # fmt: skip

        cmd = [sys.executable, "-m", "mailbot", "--config", str(config), "check"]
        walls, peaks = [], []
        for r in range(args.runs):
            wall, code, peak, stdout, stderr = run(cmd, directory)
            errors = verify(stdout, stderr, code, ledger, expected, args.invoices)
            if errors:
                print(f"FAIL: run {r + 1}: `mailbot check` did not print exactly the problems:")
                for error in errors[:20]:
                    print("  " + error)
                return 1
            walls.append(wall)
            peaks.append(peak)
            print(f"  run {r + 1}: {wall:.2f} s wall, peak RSS {peak / 1e6:.0f} MB, exit {code}, "
                  f"{len(expected)} problems as expected")  # fmt: skip
        print("  output (last run):")
        for line in stdout.splitlines() + stderr.splitlines():
            print("    " + line)

        # Where the time and memory go, for whoever optimises.
        imports = [run([sys.executable, "-c", "import mailbot.cli.main"], directory) for _ in range(3)]
        import_s = median([i[0] for i in imports])
        import_rss = max(i[2] for i in imports)
        t0 = time.perf_counter()
        settings = load_settings(config)
        t1 = time.perf_counter()
        parsed = load_ledger(settings)
        t2 = time.perf_counter()
        assert len(parsed.problems) == len(expected)

    wall_med, peak = median(walls), max(peaks)
    print(f"\nbreakdown: interpreter start + `import mailbot.cli.main` {import_s:.2f} s "
          f"(RSS {import_rss / 1e6:.0f} MB); in-process load_settings {(t1 - t0) * 1e3:.0f} ms, "
          f"load_ledger {t2 - t1:.2f} s")  # fmt: skip
    ok_time, ok_mem = wall_med < TARGET_S, peak < TARGET_BYTES
    print("\n=== summary ===")
    print(f"mailbot check: {args.invoices} invoices ({n_rows} rows) in {wall_med:.2f} s median, "
          f"{min(walls):.2f} s best of {args.runs} (target < {TARGET_S:.0f} s: "
          f"{verdict(ok_time)})")  # fmt: skip
    print(f"mailbot check: peak RSS {peak / 1e6:.0f} MB (target < {TARGET_BYTES / 1e6:.0f} MB: "
          f"{verdict(ok_mem)})")  # fmt: skip
    print(f"mailbot check: exit 1 with exactly the {len(expected)} planted problems: PASS")
    return 0 if ok_time and ok_mem else 1


if __name__ == "__main__":
    sys.exit(main())
