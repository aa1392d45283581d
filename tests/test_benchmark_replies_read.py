"""The arithmetic of ``benchmarks/replies_read.py`` on a folder of two corpus replies."""

from __future__ import annotations

import importlib.util
import re
import shutil
import sys
from dataclasses import replace
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "replies" / "corpus"
SENT = '[sent]\n"<inv-2026-001.1a2b3c@muster-design.example>" = "2026-001"\n'
# A promise read right (its day too), and a dispute whose expectation here says "thanks":
# a miss, and a confident dispute where the truth changes nothing is a wrong state change.
PROMISE = """
[cases.en_outlook_pay_friday]
intent = "promise_to_pay"
invoice = "2026-001"
trusted = true
language = "en"
date = "2026-11-27"
"""
NOT_A_DISPUTE = """
[cases.en_gmail_amount_wrong]
intent = "thanks"
invoice = "2026-001"
trusted = true
language = "en"
expects_auth = true
"""


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("replies_read", ROOT / "benchmarks" / "replies_read.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "corpus").mkdir()
    for name in ("en_outlook_pay_friday", "en_gmail_amount_wrong"):
        shutil.copy(CORPUS / f"{name}.eml", tmp_path / "corpus")
    (tmp_path / "expected.toml").write_text(SENT + PROMISE, encoding="utf-8")
    (tmp_path / "expected_more.toml").write_text(NOT_A_DISPUTE, encoding="utf-8")
    return tmp_path


def test_expectations_split_over_files_are_merged_with_either_auth_field(bench, folder):
    cases = {case.name: case for case in bench.load_cases(folder)}
    assert sorted(cases) == ["en_gmail_amount_wrong", "en_outlook_pay_friday"]
    assert cases["en_gmail_amount_wrong"].known.expect_auth
    assert not cases["en_outlook_pay_friday"].known.expect_auth
    assert dict(cases["en_gmail_amount_wrong"].known.sent) == {
        "<inv-2026-001.1a2b3c@muster-design.example>": "2026-001"
    }


def test_counts_per_language_and_intent_and_the_wrong_state_change(bench, folder):
    figures = bench.measure(folder, bench.load_cases(folder))
    total, en = figures.total, figures.by_language["en"]
    assert (total.cases, total.right, total.dated, total.date_right, total.wrong_automatic) == (2, 1, 1, 1, 1)
    assert (en.cases, en.right) == (2, 1)
    promise, dispute, thanks = (figures.by_intent[i] for i in ("promise_to_pay", "dispute", "thanks"))
    assert (promise.cases, promise.right, promise.said, promise.said_right) == (1, 1, 1, 1)
    assert (dispute.cases, dispute.said, dispute.said_right) == (0, 1, 0)  # precision 0
    assert (thanks.cases, thanks.right, thanks.said) == (1, 0, 0)  # recall 0
    assert (total.unsure, total.dated_wrongly) == (0, 0)


def test_main_prints_the_table_the_wrong_change_and_fails_its_target(bench, folder, capsys):
    assert bench.main([str(folder), "--misses", "--seconds", "0"]) == 1
    out = capsys.readouterr().out
    assert re.search(r"^all +2 +1/2 +50\.0% +1/1 100\.0% +0 +0 +0 +1 ", out, re.M)
    assert re.search(r"^dispute +0 +- +1 +0\.0% +- ", out, re.M)
    assert re.search(r"^thanks +1 +0/1 +0\.0% +0 +- +0\.0% ", out, re.M)
    assert "en_gmail_amount_wrong: got dispute, want thanks" in out
    assert re.search(r"wrong automatic state changes 1 \(0\): FAIL", out)
    assert re.search(r"intent 1/2 +50\.0% overall \(>= 95 %\): FAIL", out)
    assert re.search(r"date 1/1 100\.0% .*: PASS", out)
    assert "new words: " in out and "=== summary ===" in out


def test_an_unsure_reading_is_counted_apart_and_changes_no_state(bench, folder, monkeypatch):
    real = bench.classify

    def owner_asked(raw, known):  # the dispute goes to the owner; the promise's language is found
        reply = real(raw, known)
        if reply.intent == "dispute":
            return replace(reply, unsure=True, language="")
        return replace(reply, language="en")

    monkeypatch.setattr(bench, "classify", owner_asked)
    figures = bench.measure(folder, bench.load_cases(folder))
    total = figures.total
    assert (total.unsure, total.unsure_right, total.wrong_automatic) == (1, 0, 0)
    assert figures.languages_detected and total.language_right == 1
