"""``mailbot demo`` (issue 16 part 7): the sample business over simulated weeks on the
Maildir default, with sample replies, told day by day; the same story every time."""

from __future__ import annotations

import contextlib
import io
import re
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from mailbot.cli.main import main


def _demo(folder: Path, capsys) -> str:
    capsys.readouterr()
    assert main(["demo", str(folder)]) == 0
    return capsys.readouterr().out


@pytest.fixture(scope="module")
def story(tmp_path_factory) -> tuple[Path, str]:
    """One demo run for the tests that read it (each run takes a few seconds)."""
    folder = tmp_path_factory.mktemp("demo") / "one"
    buffer = io.StringIO()  # (capsys is one test's: captured by hand)
    with contextlib.redirect_stdout(buffer):
        assert main(["demo", str(folder)]) == 0
    return folder, buffer.getvalue()


def test_the_demo_tells_every_kind_of_event_day_by_day(story):
    _folder, out = story
    lines = out.splitlines()
    days = [line[:15] for line in lines if re.match(r"^\w{3} \d\d \w{3} 2026  ", line)]
    assert len(set(days)) >= 15 and days == sorted(days, key=lambda d: (d[7:10] != "Nov", d[4:6]))
    for expected in (
        "sent invoice for 2026-001 to Acme Ltd",
        "sent reminder (friendly) for",
        "reply read: Acme Ltd on 2026-002: auto reply",  # the out-of-office
        "reply read: Acme Ltd on 2026-001: payment claimed",
        "reply read: Acme Ltd on 2026-002: question: the owner is told",
        "reply read: Kaiser & Söhne GmbH on 2026-004: promise to pay (until 2026-12-10)",
        "payment recorded: 360.00 EUR for 2026-008 (Jane Doe), from a PayPal notification",
        "sent receipt for 2026-008 to Jane Doe",
        "sent the daily digest to the owner",
    ):
        assert expected in out, expected
    statuses = {m[0]: m[1] for m in re.findall(r"│ (2026-\d{3}) │ \w+ +│[^│]+│[^│]+│ (\w+)", out)}
    assert statuses["2026-008"] == "paid" and statuses["2026-004"] == "overdue"


def test_the_demos_daily_digest_lists_the_automatic_payment(story):
    folder, _out = story
    outbox = folder / "var" / "mail" / "outbox"
    mails = [
        message_from_bytes(p.read_bytes(), policy=policy.default) for p in outbox.rglob("*") if p.is_file()
    ]
    texts = [m.get_body(("plain",)).get_content() for m in mails if m["X-Mailbot"] == "daily-digest"]
    assert any("read automatically from a PayPal notification" in t and "2026-008" in t for t in texts)


def test_two_demos_in_two_folders_tell_the_same_story_whatever_the_environment(story, tmp_path, capsys,
                                                                               monkeypatch):  # fmt: skip
    monkeypatch.setenv("MAILBOT_SMTP__HOST", "127.0.0.1")  # an owner's real worker's settings
    monkeypatch.setenv("MAILBOT_SMTP__PORT", "9")
    assert _demo(tmp_path / "two", capsys) == story[1]
    assert (tmp_path / "two" / "var" / "mail" / "outbox").is_dir()


def test_the_demo_refuses_a_folder_that_is_not_empty(tmp_path, capsys):
    (tmp_path / "mailbot.toml").write_text("# the owner's own\n", encoding="utf-8")
    assert main(["demo", str(tmp_path)]) == 1
    assert "not empty" in capsys.readouterr().err
    assert (tmp_path / "mailbot.toml").read_text(encoding="utf-8") == "# the owner's own\n"
