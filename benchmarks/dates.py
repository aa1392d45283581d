"""How long reading the promised day of one reply takes (issue 13: under 0.5 ms).

    python benchmarks/dates.py [--number 2000]

``dates.promised_date`` on three typical replies of about 300 characters (English,
German, Serbian Cyrillic; amounts, phone numbers, times and an invoice's own date
among the dates), with the language given and unknown: the best of 7 rounds of
``timeit``, per call.  Then two hostile replies (``"1 " * 20000`` and a paying word
beside a date, repeated): each must stay under a second.
"""

from __future__ import annotations

import argparse
import functools
import sys
import time
import timeit
from datetime import date

from _common import machine, summary  # first: it puts the repository root on sys.path

from mailbot.inbound.dates import promised_date

SENT = date(2026, 12, 7)
REPLIES = {
    "en": "Hi Anna,\n\nthanks for the reminder and sorry for the delay. Our accounts team was short-staffed "
    "last month. I have approved invoice 2026-008 today and it will go out with our next payment run on "
    "Thursday, so you should see the 1,250.00 EUR by Friday at the latest.\n\nBest regards,\nJane",
    "de": "Sehr geehrte Frau Weber,\n\nvielen Dank für Ihre Erinnerung. Ihre Rechnung vom 23.11. über "
    "1.250,00 EUR ist freigegeben. Wir werden den Betrag bis zum 15. Dezember überweisen. Bei Fragen "
    "erreichen Sie mich unter 0711 123456-0 oder ab 14.30 Uhr im Büro.\n\n"
    "Mit freundlichen Grüßen\nKlaus Kaiser",
    "sr-Cyrl": "Поштована госпођо Вебер,\n\nхвала на подсетнику. Рачун 2026-006 је одобрен и платићемо га до "
    "краја недеље, најкасније у петак. Извињавамо се због кашњења, имали смо проблема са системом за "
    "плаћање.\n\nСрдачан поздрав,\nМарко Петровић",
}
HOSTILE = {"'1 ' * 20000": "1 " * 20000, "'we pay on 15.12., ' * 1000": "we pay on 15.12., " * 1000}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--number", type=int, default=2000)
    args = parser.parse_args()
    print(machine())
    worst = 0.0
    for language, words in REPLIES.items():
        for given in (language, ""):
            call = functools.partial(promised_date, words, SENT, given)
            rounds = timeit.repeat(call, number=args.number, repeat=7)
            best = min(rounds) / args.number * 1000
            worst = max(worst, best)
            found = promised_date(words, SENT, given)
            named = given or "(unknown)"
            print(f"{language:8} {len(words)} chars, language {named:9}: {best:.3f} ms -> {found}")
    slowest = 0.0
    for name, words in HOSTILE.items():
        started = time.perf_counter()
        promised_date(words, SENT)
        took = time.perf_counter() - started
        slowest = max(slowest, took)
        print(f"hostile {name}: {took:.3f} s")
    checks = [
        (f"slowest typical reply {worst:.3f} ms < 0.5 ms", worst < 0.5),
        (f"slowest hostile reply {slowest:.2f} s < 1 s", slowest < 1),
    ]
    return summary(checks)


if __name__ == "__main__":
    sys.exit(main())
