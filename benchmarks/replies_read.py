"""How replies are read, per language and per intent (issue 13, part 3 and its targets).

    python benchmarks/replies_read.py [--misses] [--seconds S] [FOLDER ...]

Each FOLDER (default ``tests/replies``, the development corpus) is in the format of
``tests/replies/README.md``: ``corpus/<name>.eml`` and expectations in one or more
``expected*.toml`` files of the folder, whose ``[sent]`` and ``[cases]`` are merged.  A
case's ``expect_auth`` (or ``expects_auth``) says the owner's server is known to write
``Authentication-Results``.  The clients and open invoices are the corpus's world
(``tests/test_replies.KNOWN``).

Per folder it prints a table per language and one per intent: intent accuracy,
precision and recall, date accuracy (promises and auto-replies with an expected
``date``; a promise without one that got a date is counted apart), how many went to the
owner as unsure and how many of those were right anyway, the **wrong automatic state
changes** (a confident payment claim, dispute, promise or contact change that is wrong,
or a confident other reading where the truth was one of those), and language detection.
Then the speed: every case of every folder classified again and again on one core for
at least ``--seconds`` (default 2), and the first classification of the process (the
models loading) apart.  The attributes issue 13 added are read with ``getattr``, so the
script also runs on older code.  Exit status 0 when every target passes.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for _path in (ROOT, ROOT / "tests", ROOT / "benchmarks"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from _common import summary  # noqa: E402

_IMPORT = time.perf_counter()
from test_replies import KNOWN  # noqa: E402  (the corpus's clients, invoices and own IBAN)

from mailbot.inbound.replies import Known, Reply, classify  # noqa: E402

IMPORT_SECONDS = time.perf_counter() - _IMPORT  # mailbot's reading modules and their models

LANGUAGES = ("en", "de", "fi", "sr-Latn", "sr-Cyrl", "fr", "")  # "": bounces
INTENTS = (
    "payment_claimed", "promise_to_pay", "dispute", "question", "thanks",
    "contact_change", "other", "auto_reply", "bounce",
)  # fmt: skip
STATE_CHANGING = frozenset({"payment_claimed", "dispute", "promise_to_pay", "contact_change"})
DATED = frozenset({"promise_to_pay", "auto_reply"})
TARGET_INTENT, TARGET_LANGUAGE, TARGET_DATE, TARGET_SPEED = 0.95, 0.90, 0.95, 200.0


@dataclass
class Case:
    name: str
    raw: bytes
    want: dict[str, Any]
    known: Known


@dataclass
class Reading:
    case: Case
    reply: Reply

    @property
    def intent(self) -> str:
        return str(self.reply.intent)

    @property
    def want_intent(self) -> str:
        return str(self.case.want["intent"])

    @property
    def right(self) -> bool:
        return self.intent == self.want_intent

    @property
    def unsure(self) -> bool:
        return bool(getattr(self.reply, "unsure", False))

    @property
    def got_date(self) -> str | None:
        day = getattr(self.reply, "date", None)
        return day.isoformat() if day else None

    @property
    def date_scored(self) -> bool:  # promises and auto-replies that name a day
        return self.want_intent in DATED and "date" in self.case.want

    @property
    def date_right(self) -> bool:
        return self.date_scored and self.got_date == str(self.case.want["date"])

    @property
    def dated_wrongly(self) -> bool:  # a promise that names no day, read with one
        return (
            self.want_intent == "promise_to_pay"
            and "date" not in self.case.want
            and self.got_date is not None
        )

    @property
    def wrong_automatic(self) -> bool:
        if self.unsure or self.right:
            return False
        return self.intent in STATE_CHANGING or self.want_intent in STATE_CHANGING

    @property
    def language(self) -> str:
        return str(getattr(self.reply, "language", "") or "")

    @property
    def miss(self) -> bool:
        return not self.right or (self.date_scored and not self.date_right) or self.dated_wrongly


@dataclass
class Tally:
    """The counts of one row: a language, an intent or the whole folder."""

    cases: int = 0
    right: int = 0
    said: int = 0  # readings with this intent (precision's denominator; intent rows only)
    said_right: int = 0
    dated: int = 0
    date_right: int = 0
    dated_wrongly: int = 0
    unsure: int = 0
    unsure_right: int = 0
    wrong_automatic: int = 0
    language_right: int = 0

    def add(self, reading: Reading) -> None:
        self.cases += 1
        self.right += reading.right
        self.dated += reading.date_scored
        self.date_right += reading.date_right
        self.dated_wrongly += reading.dated_wrongly
        self.unsure += reading.unsure
        self.unsure_right += reading.unsure and reading.right
        self.wrong_automatic += reading.wrong_automatic
        self.language_right += reading.language == reading.case.want.get("language", "")


@dataclass
class Figures:
    folder: Path
    readings: list[Reading]
    by_language: dict[str, Tally] = field(default_factory=dict)
    by_intent: dict[str, Tally] = field(default_factory=dict)
    total: Tally = field(default_factory=Tally)
    languages_detected: bool = False  # False: no reading carries a language (older code)


def load_cases(folder: Path, known: Known = KNOWN) -> list[Case]:
    """The folder's cases, its ``expected*.toml`` files merged (a name twice is an error)."""
    files = sorted(folder.glob("expected*.toml"))
    if not files:
        raise SystemExit(f"{folder}: no expected*.toml")
    sent: dict[str, str] = {}
    cases: dict[str, dict[str, Any]] = {}
    for path in files:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        sent.update(data.get("sent", {}))
        for name, want in data.get("cases", {}).items():
            if name in cases:
                raise SystemExit(f"{path}: case {name} is also in another expected*.toml")
            cases[name] = want
    world = replace(known, sent=sent)
    return [
        Case(name, (folder / "corpus" / f"{name}.eml").read_bytes(), want,
             replace(world, expect_auth=bool(want.get("expect_auth", want.get("expects_auth", False)))))
        for name, want in sorted(cases.items())
    ]  # fmt: skip


def measure(folder: Path, cases: Sequence[Case]) -> Figures:
    figures = Figures(folder, [Reading(case, classify(case.raw, case.known)) for case in cases])
    for reading in figures.readings:
        figures.total.add(reading)
        figures.by_language.setdefault(str(reading.case.want.get("language", "")), Tally()).add(reading)
        figures.by_intent.setdefault(reading.want_intent, Tally()).add(reading)
        said = figures.by_intent.setdefault(reading.intent, Tally())
        said.said += 1
        said.said_right += reading.right
    figures.languages_detected = any(reading.language for reading in figures.readings)
    return figures


def shown(folder: Path) -> str:
    """The folder as typed, relative to the working directory when it is below it."""
    try:
        return str(folder.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(folder)


def ratio(part: int, whole: int) -> str:
    return f"{part}/{whole} {100 * part / whole:5.1f}%" if whole else "-"


def share(part: int, whole: int) -> str:
    return f"{100 * part / whole:5.1f}%" if whole else "-"


def _row(label: str, tally: Tally, languages: bool, intent_row: bool) -> str:
    cells = [f"{label or '(bounce)':<16}", f"{tally.cases:>5}", f"{ratio(tally.right, tally.cases):>15}"]
    if intent_row:
        cells += [
            f"{tally.said:>5}",
            f"{share(tally.said_right, tally.said):>9}",
            f"{share(tally.right, tally.cases):>7}",
        ]
    cells += [
        f"{ratio(tally.date_right, tally.dated):>15}", f"{tally.dated_wrongly:>8}",
        f"{tally.unsure:>6}", f"{tally.unsure_right:>8}", f"{tally.wrong_automatic:>10}",
    ]  # fmt: skip
    if not intent_row:
        cells.append(f"{ratio(tally.language_right, tally.cases) if languages else 'n/a':>15}")
    return " ".join(cells)


def in_order(keys: Iterable[str], order: Sequence[str]) -> list[str]:
    """``keys`` in the order of ``order``, any others after them by name."""
    return sorted(keys, key=lambda key: (key not in order, order.index(key) if key in order else 0, key))


def print_figures(figures: Figures, misses: bool) -> None:
    head = f"{'':<16} {'cases':>5} {'intent right':>15}"
    tail = f" {'date right':>15} {'dated?!':>8} {'unsure':>6} {'u. right':>8} {'wrong auto':>10}"
    print(f"\n== {shown(figures.folder)}: {figures.total.cases} replies ==")
    print("\nper language (dated?!: a promise naming no day read with one; u. right: unsure but right)")
    print(head + tail + f" {'language found':>15}")
    for language in in_order(figures.by_language, LANGUAGES):
        print(_row(language, figures.by_language[language], figures.languages_detected, False))
    print(_row("all", figures.total, figures.languages_detected, False))
    print("\nper intent (said: readings with this intent)")
    print(head + f" {'said':>5} {'precision':>9} {'recall':>7}" + tail)
    for intent in in_order(figures.by_intent, INTENTS):
        print(_row(intent, figures.by_intent[intent], figures.languages_detected, True))
    wrong = [reading for reading in figures.readings if reading.wrong_automatic]
    print(f"\nwrong automatic state changes: {len(wrong)}")
    for reading in wrong:
        got, want = reading.intent, reading.want_intent
        print(f"  {reading.case.name}: got {got}, want {want} ({reading.reply.phrase!r})")
    if misses:
        print("\nmisses:")
        for reading in (r for r in figures.readings if r.miss):
            want_date = reading.case.want.get("date")
            words = re.sub(r"\s+", " ", reading.reply.new_words)[:200]
            print(
                f"  {reading.case.name}: got {reading.intent} {reading.got_date}"
                f"{' (unsure)' if reading.unsure else ''}, want {reading.want_intent} {want_date}; "
                f"phrase {reading.reply.phrase!r}\n    new words: {words!r}"
            )


def speed(cases: Sequence[Case], seconds: float) -> tuple[float, int, float]:
    """Replies a second over whole rounds of ``cases`` lasting at least ``seconds``, on one core."""
    pinned = hasattr(os, "sched_getaffinity")
    before = os.sched_getaffinity(0) if pinned else set()
    if pinned:
        os.sched_setaffinity(0, {min(before)})
    try:
        done, start = 0, time.perf_counter()
        while True:
            for case in cases:
                classify(case.raw, case.known)
            done += len(cases)
            elapsed = time.perf_counter() - start
            if elapsed >= seconds:
                return done / elapsed, done, elapsed
    finally:
        if pinned:
            os.sched_setaffinity(0, before)


def slowest(cases: Sequence[Case], show: int = 3) -> tuple[list[tuple[float, Case]], float]:
    """The slowest cases (seconds, one warm classification each) and the rate without mails over 1 MiB."""
    timed = []
    for case in cases:
        start = time.perf_counter()
        classify(case.raw, case.known)
        timed.append((time.perf_counter() - start, case))
    small = [seconds for seconds, case in timed if len(case.raw) <= 1 << 20]
    timed.sort(key=lambda pair: -pair[0])
    return timed[:show], (len(small) / sum(small) if small and sum(small) else 0.0)


def targets(figures: Figures) -> list[tuple[str, bool]]:
    total, name = figures.total, shown(figures.folder)
    checks = [
        (f"{name}: intent {ratio(total.right, total.cases)} overall (>= 95 %)",
         bool(total.cases) and total.right >= TARGET_INTENT * total.cases),
    ]  # fmt: skip
    for language in LANGUAGES[:-1]:
        tally = figures.by_language.get(language)
        if tally:
            checks.append(
                (f"{name}: intent {language} {ratio(tally.right, tally.cases)} (>= 90 %)",
                 tally.right >= TARGET_LANGUAGE * tally.cases)
            )  # fmt: skip
    checks.append(
        (f"{name}: date {ratio(total.date_right, total.dated)} of replies naming a day (>= 95 %)",
         total.date_right >= TARGET_DATE * total.dated)
    )  # fmt: skip
    checks.append(
        (f"{name}: wrong automatic state changes {total.wrong_automatic} (0)", total.wrong_automatic == 0)
    )
    return checks


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("folders", nargs="*", type=Path, default=[ROOT / "tests" / "replies"])
    parser.add_argument("--misses", action="store_true", help="print every miss with its new words")
    parser.add_argument("--seconds", type=float, default=2.0, help="least time of the speed run")
    args = parser.parse_args(list(argv) if argv is not None else None)
    loaded = [(folder, load_cases(folder)) for folder in args.folders]
    every = [case for _folder, cases in loaded for case in cases]
    if not every:
        raise SystemExit("no cases")
    start = time.perf_counter()
    classify(every[0].raw, every[0].known)  # the first of the process: the models load
    first = time.perf_counter() - start
    checks: list[tuple[str, bool]] = []
    for folder, cases in loaded:
        figures = measure(folder, cases)
        print_figures(figures, args.misses)
        checks += targets(figures)
    rate, done, elapsed = speed(every, args.seconds)
    print(f"\nspeed: {done} replies in {elapsed:.2f} s on one core, {rate:.0f} replies/s; "
          f"first classification {1000 * first:.0f} ms ({every[0].name})")  # fmt: skip
    worst, rate_small = slowest(every)
    print(
        "slowest: "
        + ", ".join(
            f"{case.name} {1000 * seconds:.1f} ms ({len(case.raw):,} bytes)" for seconds, case in worst
        )
    )
    print(f"without mails over 1 MiB (one round, not a target): {rate_small:.0f} replies/s; "
          f"importing mailbot's reading modules took {1000 * IMPORT_SECONDS:.0f} ms")  # fmt: skip
    checks.append((f"speed {rate:.0f} replies/s (>= 200)", rate >= TARGET_SPEED))
    return summary(checks)


if __name__ == "__main__":
    sys.exit(main())
