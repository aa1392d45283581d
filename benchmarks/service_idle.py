"""The worker at rest over 10,000 invoices: idle CPU and memory, a quiet pass, RSS over time.

    python benchmarks/service_idle.py [--invoices 10000] [--passes 6] [--profile] [--seconds 180]
                                      [--minutes 10] [--every 5] [--only pass,idle,rss]

Issue 16's performance targets, on real servers on 127.0.0.1: a private Dovecot (the test
suite's, as ``imap_ingest.py`` starts it) and aiosmtpd in its own process.  The ledger
holds ``--invoices`` invoices of the ten ``_common`` clients with nothing due today:
about 60 % paid (``paid_on``), 2 % cancelled, the rest issued in the last two weeks and
due in 10-45 days (past the 3-day heads-up).  A setup pass, in-process, mails what a
long-running worker would have mailed (``--backfill``, any hour of any day): the
invoices and the receipts.  The measured runs use the config as shipped (business hours,
``mailbot run``'s default interval of 60 s), with ``[imap]`` and ``[smtp]``.

1. **pass** (target < 1 s): in this process, what the loop does each interval: read the
   config again (``ConfigWatch``), record the pass (``PassWatch``) and ``run_once`` with
   the kept ``LedgerCache``/``FactsCache``, the problem log and one IMAP connection.  The
   first (cold: every summary read) is printed apart; the target is held to the median
   of the later ones.  Wall and CPU time.  Every pass must send nothing.  ``--profile``:
   a cProfile of one more warm pass.
2. **idle** (targets < 1 % CPU, < 120 MB): ``mailbot run`` (default interval) as a
   subprocess; once its first pass is over (its connection waits in IDLE), its CPU time
   (``/proc/PID/stat`` utime + stime) and RSS (``VmRSS``; ``VmHWM`` printed) are read
   every second for ``--seconds``.  CPU % = CPU seconds / wall seconds.
3. **rss** (target: within 10 %): another ``mailbot run``; from its first IDLE a client's
   reply (thank-yous and questions, which are forwarded to the owner, threaded to a
   sent invoice) is APPENDed every ``--every`` seconds for ``--minutes``; RSS after the
   first minute against RSS at the end (each the median of the last 5 s of samples).

The machine's cores are shared: the load average is printed with each part, and CPU
time beside wall time.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import _common  # first: it puts the repository root on sys.path
import imap_ingest as ii
from _common import ROOT, machine, summary

from mailbot.config.settings import load_settings
from mailbot.inbound.inbox import open_inbox
from mailbot.service import run_pass
from mailbot.service.caches import FactsCache, LedgerCache
from mailbot.service.loop import ConfigWatch
from mailbot.service.problem_log import ProblemLog
from mailbot.service.watch import PassWatch

TARGET_PASS_S = 1.0
TARGET_CPU_PERCENT = 1.0
TARGET_RSS_MB = 120.0
TARGET_GROWTH = 0.10
DEFAULT_INTERVAL = 60.0  # `mailbot run --interval`'s default (cli/main.py)
SEED = 1616
OWNER = "owner@muster-design.example"
TICKS = os.sysconf("SC_CLK_TCK")
# The setup passes mail at any hour of any day; the measured runs use the shipped hours.
ALWAYS = (
    '\n[chase]\ninvoice_hours = "any"\nbusiness_hours = "00:00-24:00"\n'
    "business_days = [1, 2, 3, 4, 5, 6, 7]\n"
)
REPLIES = {
    "en": ["Thanks, received.", "Got it, thank you!",
           "Could you tell me which purchase order this belongs to? Our accounts team asks."],
    "de": ["Danke, Rechnung erhalten.", "Vielen Dank, ist angekommen.",
           "Können Sie mir sagen, zu welcher Bestellung diese Rechnung gehört?"],
}  # fmt: skip


# the world ----------------------------------------------------------------------------


def quiet_rows(n_invoices: int, today: date, rng: random.Random) -> list[list[str]]:
    """Ledger rows with nothing due on ``today`` or for the next ten days."""
    rows: list[list[str]] = []
    for n in range(n_invoices):
        client = _common.CLIENTS[n % len(_common.CLIENTS)]
        invoice = _common.invoice_rows(rng, f"Q-{n + 1:06d}", client, rng.randint(1, 3))
        first, roll = invoice[0], rng.random()
        if roll < 0.60:  # paid, on or before its due date
            issue = today - timedelta(days=rng.randrange(20, 330))
            due = issue + timedelta(days=rng.choice((14, 30)))
            first[14] = str(due - timedelta(days=rng.randrange(0, 10)))
        elif roll < 0.62:
            issue = today - timedelta(days=rng.randrange(20, 330))
            due = issue + timedelta(days=14)
            first[16] = "cancelled"
        else:  # sent, not yet due (the heads-up comes 3 days before)
            issue = today - timedelta(days=rng.randrange(0, 14))
            due = today + timedelta(days=rng.randrange(10, 46))
        first[2], first[3] = str(issue), str(due)
        rows += invoice
    return rows


def config_text(smtp_port: int, imap, extra: str = "") -> str:
    servers = (
        f'\n[smtp]\nhost = "127.0.0.1"\nport = {smtp_port}\nsecurity = "none"\n'
        f'\n[imap]\nhost = "127.0.0.1"\nport = {imap.port}\nsecurity = "none"\n'
        f'username = "{imap.user}"\npassword = "{imap.password}"\n'
    )
    text = _common.config_toml(extra=servers + extra)
    return text.replace('tax_id = "DE123456789"', f'tax_id = "DE123456789"\nowner_email = "{OWNER}"', 1)


def build(directory: Path, n_invoices: int, smtp_port: int, imap, smtp_count) -> Path:
    """Config, ledger, and the state after the mails a running worker would have sent."""
    directory.mkdir(parents=True, exist_ok=True)
    rows = quiet_rows(n_invoices, datetime.now(UTC).date(), random.Random(SEED))
    (directory / "ledger.csv").write_text(_common.ledger_csv(rows), encoding="utf-8")
    config = directory / "mailbot.toml"
    config.write_text(config_text(smtp_port, imap, ALWAYS), encoding="utf-8")
    settings = load_settings(config)
    t0 = time.perf_counter()
    for _ in range(3):  # until a pass finds nothing to send
        report = run_pass.run_once(settings, datetime.now(UTC), backfill=True)
        if not (report.sent or report.retry or report.failed):
            break
    else:
        raise RuntimeError("the setup passes keep sending")
    print(f"setup: {n_invoices:,} invoices, {smtp_count.value:,} mails sent by the setup passes "
          f"in {time.perf_counter() - t0:.0f} s", flush=True)  # fmt: skip
    config.write_text(config_text(smtp_port, imap), encoding="utf-8")  # as shipped from here on
    return config


def load() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


# 1. a pass with nothing due ---------------------------------------------------------------


class LoopPass:
    """What ``loop._serve`` keeps between passes, and its pass (``one_pass``) without the
    error handling: config read again, the pass recorded, ``run_once``."""

    def __init__(self, config: Path):
        self.config = ConfigWatch(config, load_settings)
        self.ledgers, self.known, self.problems = LedgerCache(), FactsCache(), ProblemLog()
        self.watch = PassWatch(DEFAULT_INTERVAL)
        self.inbox = open_inbox(self.config.settings)

    def __call__(self) -> run_pass.PassReport:
        settings = self.config.current()
        pass_id = self.watch.begin(settings, datetime.now(UTC))
        report = run_pass.run_once(settings, datetime.now(UTC), inbox=self.inbox, ledgers=self.ledgers,
                                   known=self.known, problem_log=self.problems)  # fmt: skip
        self.watch.end(settings, pass_id, datetime.now(UTC), report, "")
        busy = report.sent + report.retry + report.failed + report.held
        if busy or report.inbox_error or report.locked:
            raise RuntimeError(f"a pass was not quiet: {busy[:5]} {report.inbox_error}")
        return report

    def close(self) -> None:
        self.inbox.close()
        self.watch.close()


def time_passes(config: Path, passes: int, profile: bool) -> tuple[float, float]:
    """The loop's pass, ``passes`` times in a row: (cold wall s, median later wall s);
    with ``profile``, a cProfile of one more (warm) pass."""
    one_pass = LoopPass(config)
    walls, cpus = [], []
    try:
        for n in range(passes):
            w0, c0 = time.perf_counter(), time.process_time()
            one_pass()
            walls.append(time.perf_counter() - w0)
            cpus.append(time.process_time() - c0)
            label = "cold (every summary read)" if n == 0 else "warm"
            print(f"  pass {n + 1} ({label}): {walls[-1]:.3f} s wall, {cpus[-1]:.3f} s CPU", flush=True)
        if profile:
            ii.profile_call(one_pass, "a warm pass with nothing due", 20)
    finally:
        one_pass.close()
    later, cpu = walls[1:] or walls, statistics.median(cpus[1:] or cpus)
    print(f"  later passes: median {statistics.median(later):.3f} s wall ({cpu:.3f} s CPU), "
          f"max {max(later):.3f} s; load {load()}")  # fmt: skip
    return walls[0], statistics.median(later)


# 2 and 3: the service as a process ----------------------------------------------------------


class Worker(ii.Service):
    """``mailbot run`` with the default interval (``ii.Service`` sets one of its own)."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.log = directory / "worker.log"
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        env.pop("MAILBOT_CONFIG", None)
        command = [sys.executable, "-m", "mailbot", "--config", str(directory / "mailbot.toml"), "run"]
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + 60
        while b"mailbot running" not in self.log.read_bytes():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("mailbot run did not start:\n" + self.log.read_text())
            time.sleep(0.05)
        self.conn = ii.db(directory)

    def cpu_seconds(self) -> float:
        stat = Path(f"/proc/{self.process.pid}/stat").read_text()
        fields = stat[stat.rindex(")") + 2 :].split()
        return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime (fields 14 and 15)

    def memory_mb(self) -> tuple[float, float]:
        """(VmRSS, VmHWM) in MB."""
        values = {}
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0]) / 1024
        return values["VmRSS"], values["VmHWM"]


def measure_idle(directory: Path, server, seconds: float) -> tuple[float, float, float]:
    """(CPU %, max VmRSS MB, VmHWM MB) of the worker at rest for ``seconds``."""
    worker = Worker(directory)
    try:
        started = time.perf_counter()
        worker.wait_idle(server, seconds=300)
        print(f"  first pass over: {time.perf_counter() - started:.1f} s after start "
              f"({worker.cpu_seconds():.2f} s CPU); load {load()}", flush=True)  # fmt: skip
        since = datetime.now(UTC).isoformat()
        w0, c0 = time.perf_counter(), worker.cpu_seconds()
        rss: list[float] = []
        minute, minute_cpu = 1, c0
        while time.perf_counter() - w0 < seconds:
            time.sleep(1.0)
            rss.append(worker.memory_mb()[0])
            if time.perf_counter() - w0 >= 60 * minute:
                now_cpu = worker.cpu_seconds()
                print(f"  minute {minute}: {now_cpu - minute_cpu:.2f} s CPU, RSS {rss[-1]:.1f} MB; "
                      f"load {load()}", flush=True)  # fmt: skip
                minute, minute_cpu = minute + 1, now_cpu
        cpu, wall = worker.cpu_seconds() - c0, time.perf_counter() - w0
        hwm = worker.memory_mb()[1]
        query = "SELECT count(*) FROM passes WHERE started_at >= ?"
        passes = worker.conn.execute(query, (since,)).fetchone()[0]
    finally:
        worker.stop()
    print(f"  {cpu:.2f} s CPU in {wall:.0f} s = {100 * cpu / wall:.2f} % ({passes} passes); RSS "
          f"{min(rss):.1f}-{max(rss):.1f} MB, peak (VmHWM, first pass included) {hwm:.1f} MB")  # fmt: skip
    return 100 * cpu / wall, max(rss), hwm


def sent_invoices(directory: Path) -> list[tuple[str, str]]:
    """(Message-ID, client e-mail) of every invoice mail sent."""
    emails = {c.id: c.email for c in _common.CLIENTS}
    with (directory / "ledger.csv").open(encoding="utf-8") as f:
        client_of = {row["invoice"]: row["client"] for row in csv.DictReader(f) if row["client"]}
    with ii.db(directory) as conn:
        query = "SELECT invoice, message_id FROM outbox WHERE kind = 'invoice' AND status = 'sent'"
        sent = conn.execute(query)
        return [(msgid, emails[client_of[invoice]]) for invoice, msgid in sent]


def reply(n: int, msgid: str, sender: str, rng: random.Random) -> bytes:
    language = "de" if sender.endswith(("soehne.example", "mueller.example", "nord.example",
                                        "gruenwald.example", "logistik.example")) else "en"  # fmt: skip
    body = REPLIES[language][n % 3]
    return ii.plain_reply(f"<rss.{n}.{rng.randrange(10**9)}@{sender.split('@')[1]}>", msgid, sender,
                          body, datetime.now(UTC))  # fmt: skip


def measure_rss(directory: Path, server, minutes: float, every: float) -> tuple[float, float, int]:
    """(RSS MB after the first minute, at the end, replies recorded) under a reply every ``every`` s."""
    rng = random.Random(SEED)
    threads = sent_invoices(directory)
    worker = Worker(directory)
    samples: list[tuple[float, float]] = []  # (seconds since the first reply, VmRSS MB)
    appended = 0
    try:
        worker.wait_idle(server, seconds=300)
        first_event = worker.last_event()
        c0, w0 = worker.cpu_seconds(), time.perf_counter()
        with server.client() as appender:
            appender.select_folder("INBOX")
            next_reply, minute = w0, 1
            while (elapsed := time.perf_counter() - w0) < minutes * 60:
                if time.perf_counter() >= next_reply:
                    msgid, sender = rng.choice(threads)
                    appender.append("INBOX", reply(appended, msgid, sender, rng))
                    appended += 1
                    next_reply += every
                samples.append((elapsed, worker.memory_mb()[0]))
                if elapsed >= 60 * minute:
                    minute += 1
                    print(f"  {elapsed / 60:.0f} min: RSS {samples[-1][1]:.1f} MB, {appended} replies, "
                          f"{worker.cpu_seconds() - c0:.1f} s CPU; load {load()}", flush=True)  # fmt: skip
                time.sleep(0.1)
        time.sleep(min(every, 10))  # the last reply's pass
        recorded = worker.conn.execute(
            "SELECT count(*) FROM events WHERE id > ? AND type = 'reply'", (first_event,)
        ).fetchone()[0]
        cpu, wall = worker.cpu_seconds() - c0, time.perf_counter() - w0
    finally:
        worker.stop()
    one = statistics.median(r for t, r in samples if 55 <= t < 60)
    end = statistics.median(r for t, r in samples if t >= samples[-1][0] - 5)
    print(f"  {appended} replies APPENDed, {recorded} recorded; {cpu:.1f} s CPU in {wall:.0f} s "
          f"({100 * cpu / wall:.1f} %); RSS at 1 min {one:.1f} MB, at the end {end:.1f} MB "
          f"({100 * (end - one) / one:+.1f} %), max {max(r for _t, r in samples):.1f} MB")  # fmt: skip
    return one, end, recorded


# the run ---------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=10_000)
    parser.add_argument("--passes", type=int, default=6)
    parser.add_argument("--seconds", type=float, default=180, help="idle: how long to watch")
    parser.add_argument("--minutes", type=float, default=10, help="rss: how long to send replies")
    parser.add_argument("--every", type=float, default=5, help="rss: seconds between replies")
    parser.add_argument("--only", default="pass,idle,rss", help="which parts, comma-separated")
    parser.add_argument("--profile", action="store_true", help="pass: a cProfile of a warm pass")
    args = parser.parse_args()
    parts = set(args.only.split(","))
    print(f"service_idle: {machine()}; load {load()}", flush=True)
    checks: list[tuple[str, bool]] = []
    with (
        tempfile.TemporaryDirectory() as tmp,
        ii.smtp_server() as (port, count),
        ii.dovecot() as (server, _, _),
    ):
        directory = Path(tmp) / "quiet"
        build(directory, args.invoices, port, server, count)
        mails = count.value
        if "pass" in parts:
            print(f"\n1. passes with nothing due ({args.invoices:,} invoices), in-process:", flush=True)
            cold, warm = time_passes(directory / "mailbot.toml", args.passes, args.profile)
            checks.append((f"pass with nothing due: median {warm:.3f} s (cold {cold:.3f} s; "
                           f"target < {TARGET_PASS_S:.0f} s)", warm < TARGET_PASS_S))  # fmt: skip
        if "idle" in parts:
            print(
                f"\n2. idle worker ({args.seconds:.0f} s, a pass every {DEFAULT_INTERVAL:.0f} s):", flush=True
            )
            percent, rss, hwm = measure_idle(directory, server, args.seconds)
            checks.append((f"idle CPU {percent:.2f} % (target < {TARGET_CPU_PERCENT:.0f} %)",
                           percent < TARGET_CPU_PERCENT))  # fmt: skip
            checks.append((f"idle RSS max {rss:.1f} MB, peak {hwm:.1f} MB (target < {TARGET_RSS_MB:.0f} MB)",
                           rss < TARGET_RSS_MB))  # fmt: skip
        if count.value != mails:
            checks.append((f"nothing sent while quiet: {count.value - mails} mails", False))
        if "rss" in parts:
            print(f"\n3. a reply every {args.every:.0f} s for {args.minutes:g} min:", flush=True)
            one, end, recorded = measure_rss(directory, server, args.minutes, args.every)
            growth = (end - one) / one
            checks.append((f"RSS {one:.1f} MB at 1 min, {end:.1f} MB at {args.minutes:g} min "
                           f"({100 * growth:+.1f} %, target within {100 * TARGET_GROWTH:.0f} %)",
                           abs(growth) <= TARGET_GROWTH))  # fmt: skip
            expected = int(args.minutes * 60 / args.every)
            checks.append((f"replies recorded: {recorded} of about {expected}", recorded >= expected - 1))
    print(f"load average at the end: {load()}")
    return summary(checks)


if __name__ == "__main__":
    sys.exit(main())
