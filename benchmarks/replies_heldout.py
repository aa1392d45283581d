"""How well replies are read on mail the rules were not written from.

``tests/replies/heldout/`` was written by someone who had not seen mailbot's rules
(issue 11: requests to pay elsewhere, spoofed claims, controls).  Its expectations
follow ``tests/replies/README.md``; ``expects_auth`` says whether the owner's server is
known to write ``Authentication-Results``.  Prints each miss and the figures:

    python benchmarks/replies_heldout.py [DIR]
"""

from __future__ import annotations

import sys
import tomllib
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from test_replies import KNOWN  # noqa: E402  (the corpus's clients, invoices and own IBAN)

from mailbot.inbound.replies import classify  # noqa: E402


def main(folder: Path) -> None:
    expected = tomllib.loads((folder / "expected.toml").read_text(encoding="utf-8"))
    known = replace(KNOWN, sent=expected["sent"])
    cases = expected["cases"]
    right = {"intent": 0, "trusted": 0, "invoice": 0, "all": 0}
    change = {"found": 0, "missed": 0, "false": 0}
    for name, case in sorted(cases.items()):
        raw = (folder / "corpus" / f"{name}.eml").read_bytes()
        reply = classify(raw, replace(known, expect_auth=case.get("expects_auth", False)))
        got = {"intent": reply.intent, "trusted": reply.trusted, "invoice": reply.invoice}
        for key, value in got.items():
            right[key] += value == case[key]
        if all(value == case[key] for key, value in got.items()):
            right["all"] += 1
        else:
            want = {key: case[key] for key in got}
            print(f"miss {name}: got {got}, want {want} ({reply.trust_reason}; {reply.phrase!r})")
        wanted, said = case["intent"] == "contact_change", reply.intent == "contact_change"
        change["found"] += wanted and said
        change["missed"] += wanted and not said
        change["false"] += said and not wanted
    n = len(cases)
    print(f"{n} held-out replies: " + ", ".join(f"{key} {value}/{n}" for key, value in right.items()))
    asked = change["found"] + change["missed"]
    print(f"requests to pay elsewhere: {change['found']}/{asked} found, "
          f"{change['false']} false alarms among the other {n - asked}")  # fmt: skip


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "tests" / "replies" / "heldout")
