"""Trust on replies written by someone who had not seen the rules (tests/replies/heldout).

Who sent a mail is a rule of the README, not a guess: every held-out verdict must hold.
(Intents are measured, not asserted, by ``benchmarks/replies_heldout.py``.)"""

from __future__ import annotations

import tomllib
from dataclasses import replace
from pathlib import Path

import pytest
from test_replies import KNOWN

from mailbot.inbound.replies import classify

HERE = Path(__file__).parent / "replies" / "heldout"
EXPECTED = tomllib.loads((HERE / "expected.toml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(EXPECTED["cases"]))
def test_held_out_reply_is_trusted_exactly_when_the_rules_say(name):
    case = EXPECTED["cases"][name]
    known = replace(KNOWN, sent=EXPECTED["sent"], expect_auth=case.get("expects_auth", False))
    reply = classify((HERE / "corpus" / f"{name}.eml").read_bytes(), known)
    assert reply.trusted == case["trusted"], reply.trust_reason
    if case["trusted"]:  # (whose a mail with two From addresses "is" is left open by the set)
        assert reply.client == case["client"]
