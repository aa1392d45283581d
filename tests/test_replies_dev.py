"""The development replies (``tests/replies/dev13*``): what the rules were tuned on.

Each set is 180 replies in six languages written by helpers who had not seen the rules
(then tuned on, so they are development data, not a measure; the held-out sets are in
``benchmarks/replies_read.py``).  Trust and matching must be right for every reply;
the reading of intent and date must stay where tuning left it, so a change that
breaks many readings fails here, and one reply read differently does not.
"""

from __future__ import annotations

import tomllib
from dataclasses import replace
from pathlib import Path

import pytest

from mailbot.inbound.replies import classify
from tests.test_replies import KNOWN

HERE = Path(__file__).parent / "replies"
SETS = sorted(p for p in HERE.glob("dev13*") if p.is_dir())


def _cases(folder: Path) -> tuple[dict, dict]:
    sent: dict[str, str] = {}
    cases: dict[str, dict] = {}
    for path in sorted(folder.glob("expected*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        sent.update(data["sent"])
        cases.update(data["cases"])
    return sent, cases


@pytest.mark.parametrize("folder", SETS, ids=[p.name for p in SETS])
def test_development_replies_are_read_as_tuned(folder):
    sent, cases = _cases(folder)
    known = replace(KNOWN, sent=sent)
    intent = dated = dated_right = language = 0
    for name, case in cases.items():
        raw = (folder / "corpus" / f"{name}.eml").read_bytes()
        auth = bool(case.get("expect_auth", case.get("expects_auth", False)))
        reply = classify(raw, replace(known, expect_auth=auth))
        assert (reply.trusted, reply.invoice, reply.client) == (
            case["trusted"],
            case["invoice"],
            case["client"],
        ), name
        language += reply.language == case["language"]  # ("Passt, merci!" is German, mostly)
        intent += reply.intent == case["intent"]
        if case["intent"] in ("promise_to_pay", "auto_reply") and "date" in case:
            dated += 1
            dated_right += str(reply.date) == str(case["date"])
    assert len(cases) == 180
    assert intent >= 0.95 * len(cases), f"{folder.name}: intent {intent}/{len(cases)}"
    assert dated_right >= 0.9 * dated, f"{folder.name}: dates {dated_right}/{dated}"
    assert language >= 0.97 * len(cases), f"{folder.name}: language {language}/{len(cases)}"
