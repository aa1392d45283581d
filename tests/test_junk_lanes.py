"""Pure: which mail reaches the owner one by one, the day's limits, and the digest's words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mailbot.inbound.junk import day_of, digest, lane, may_forward
from mailbot.inbound.replies import Reply
from mailbot.state.store import HeldBack, Today

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
MB = 1024 * 1024


def _reply(**kw: object) -> Reply:
    base: dict = {"message_id": "<m@x>", "sender": "a@b.example", "subject": "s", "received": NOW,
                  "intent": "question"}  # fmt: skip
    return Reply(**{**base, **kw})


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (_reply(client="acme", trusted=True, invoice="J-001", intent="dispute"), "one_by_one"),
        (_reply(client="acme", trusted=True, intent="question"), "one_by_one"),  # a client's mail, unmatched
        (
            _reply(client="acme", trusted=False, intent="payment_claimed", invoice="J-001"),
            "limited",
        ),  # forged
        (_reply(intent="bounce", invoice="J-001"), "one_by_one"),  # a bounce of a mail we sent
        (_reply(), "limited"),  # a stranger
        (_reply(invoice="J-001", intent="dispute"), "limited"),  # a stranger naming an invoice
        (_reply(client="acme", bulk=True), "limited"),  # the client's newsletter
    ],
)
def test_only_strangers_and_bulk_mail_are_limited(reply, expected):
    assert lane(reply) == expected


def test_the_days_forwards_end_at_the_limit_and_at_the_senders_first():
    assert may_forward(Today(sender_forwarded=False, forwarded=0), per_day=20)
    assert not may_forward(Today(sender_forwarded=True, forwarded=0), per_day=20)
    assert not may_forward(Today(sender_forwarded=False, forwarded=20), per_day=20)
    assert day_of(datetime(2026, 12, 7, 23, 30, tzinfo=UTC) + timedelta(hours=1)) == "2026-12-08"


def test_the_digest_lists_the_busiest_senders_first_and_counts_the_rest():
    rows = [HeldBack("2026-12-07", "", f"s{n % 400}@x.example", f"subject {n}", "unmatched", 2 * MB, False)
            for n in range(1000)]  # fmt: skip
    rows += [HeldBack("2026-12-07", "", "flood@x.example", "buy", "unmatched", 10, False)] * 50
    subject, text = digest(rows, "the Maildir var/mail/inbox")
    assert subject == "[mailbot] held back: 1,050 mails from 401 senders (7 Dec 2026)"  # (the owner's locale)
    lines = text.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("mails"))
    assert lines[first + 1].split()[:2] == ["50", "flood@x.example"]
    assert lines[-1] == "... and 101 more senders."
    assert "(subject 999; 2.0 MB)" in text
