"""How well payment notifications are read: a folder of .eml files and their expected reading.

    python benchmarks/notices_read.py [FOLDER]   (default: tests/notices/heldout14)

Each file is read as its source's kind says (``expected.toml``: ``source``, and one
``[[<file>.notices]]`` per notice: ``kind``, ``amount``, ``currency``, ``payer``,
``text_contains``, ``key``; fields left out are not checked).  Prints, per file, what was
read where it differs, then: notices whose kind was right, payments whose amount and
currency were right, the other fields, and the *dangerous* readings: a notice that is no
payment read as one, or a payment read with a wrong amount or currency (either could mark
an invoice paid that is not).  A payment read as pending or not a payment only sends it to
the owner.  Also the time per mail.
"""

from __future__ import annotations

import sys
import time
import tomllib
from decimal import Decimal
from pathlib import Path

import _common  # noqa: F401  (puts the repository root on sys.path)
from _common import ROOT

from mailbot.inbound.notices import Notice, read_notices
from mailbot.inbound.parse import parse


def _checks(want: dict, got: Notice | None) -> dict[str, bool]:
    """Each expected field: read right or not."""
    received = got.received if got else None
    found: dict[str, bool] = {"kind": got is not None and got.kind == want["kind"]}
    if "amount" in want:
        found["amount"] = received is not None and received.amount == Decimal(want["amount"])
    if "currency" in want:
        found["currency"] = received is not None and received.currency == want["currency"]
    if "payer" in want:
        found["payer"] = received is not None and received.payer.casefold() == want["payer"].casefold()
    if "text_contains" in want:
        text = received.text.casefold() if received else ""
        found["text"] = all(w.casefold() in text for w in want["text_contains"])
    if "key" in want:
        found["key"] = got is not None and got.key == want["key"]
    return found


def _dangerous(want: dict, got: Notice | None) -> bool:
    if got is None or got.kind != "payment":
        return False
    if want["kind"] != "payment":
        return True
    received = got.received
    wrong_amount = "amount" in want and (received is None or received.amount != Decimal(want["amount"]))
    wrong_currency = "currency" in want and (received is None or received.currency != want["currency"])
    return wrong_amount or wrong_currency


def main() -> int:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "tests" / "notices" / "heldout14"
    expected = tomllib.loads((folder / "expected.toml").read_text(encoding="utf-8"))
    totals: dict[str, list[int]] = {}
    dangerous, spent, mails = 0, 0.0, 0
    for stem, case in sorted(expected.items()):
        raw = (folder / f"{stem}.eml").read_bytes()
        t0 = time.perf_counter()
        notices = read_notices(parse(raw), case["source"])
        spent += time.perf_counter() - t0
        mails += 1
        for index, want in enumerate(case.get("notices", [])):
            got = notices[index] if index < len(notices) else None
            checks = _checks(want, got)
            for field, ok in checks.items():
                totals.setdefault(field, [0, 0])[0] += ok
                totals[field][1] += 1
            bad = _dangerous(want, got)
            dangerous += bad
            if not all(checks.values()) or bad:
                read = f"{got.kind} {got.received}" if got else "nothing"
                wrong = ", ".join(f for f, ok in checks.items() if not ok)
                print(f"  {stem}: wrong {wrong or '-'}{' DANGEROUS' if bad else ''}: read {read}")
    name = folder.relative_to(ROOT) if folder.is_relative_to(ROOT) else folder
    print(f"notices_read: {name}, {mails} mails")
    for field, (right, count) in totals.items():
        print(f"  {field}: {right}/{count} = {100 * right / count:.1f} %")
    print(f"  dangerous readings (no payment read as one, or a wrong amount or currency): {dangerous}")
    print(f"  {1000 * spent / max(mails, 1):.1f} ms per mail (parsed mail -> notices)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
