"""Large messages over a real IMAP server (Dovecot): read in bounded pieces, all handled."""

from __future__ import annotations

import json
import re
import sqlite3
import tracemalloc

from hostile_mail import MIB, big_attachment
from imapclient import IMAPClient
from test_imap import _config, _sent_ids, reply

from mailbot.cli.main import main
from mailbot.inbound.inbox import FETCH_BYTES, READ, batches


def _large(name: str, sender: str, size: int) -> bytes:
    """A hostile-corpus attachment mail, from ``sender``, about ``size`` bytes."""
    raw = big_attachment(size * 3 // 4)
    raw = raw.replace(b"mallory@hostile.example", sender.encode(), 1)
    raw = raw.replace(b"Message-ID: <", f"Message-ID: <{name.replace(' ', '.')}.".encode(), 1)
    return re.sub(rb"Subject: hostile [^\r]*", f"Subject: {name}".encode(), raw, count=1)


def test_large_messages_are_fetched_within_the_cap_and_the_ones_after_them_still_handled(
    tmp_path, smtp_server, dovecot, monkeypatch
):
    config = _config(tmp_path, smtp_server, dovecot)
    assert main(["--config", str(config), "run", "--once"]) == 0
    ids = _sent_ids(config)
    dovecot.append(reply("before@acme.example", ids["2026-001"], "Paid yesterday, thanks!"))
    dovecot.append(_large("scan one", "x@else.example", 14 * MIB))
    dovecot.append(_large("Re: Invoice 2026-004", "buchhaltung@kaiser-soehne.example", 6 * MIB))
    dovecot.append(_large("scan two", "y@else.example", 14 * MIB))
    dovecot.append(reply("after@acme.example", ids["2026-001"], "Paid today."))

    fetched: list[list[int]] = []  # bytes of each message, per FETCH of bodies
    real_fetch = IMAPClient.fetch

    def fetch(self, messages, data, modifiers=None):
        answer = real_fetch(self, messages, data, modifiers)
        if any(b"BODY" in (d.encode() if isinstance(d, str) else d) for d in data):
            fetched.append([len(v) for m in answer.values() for k, v in m.items() if k.startswith(b"BODY")])
        return answer

    monkeypatch.setattr(IMAPClient, "fetch", fetch)
    tracemalloc.start()
    try:
        assert main(["--config", str(config), "run", "--once"]) == 0
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert peak < 100 * MIB, f"{peak / MIB:.0f} MB"
    assert sum(len(sizes) for sizes in fetched) == 5
    for sizes in fetched:  # one FETCH holds at most FETCH_BYTES, or one message of at most READ
        assert sum(sizes) <= FETCH_BYTES or (len(sizes) == 1 and sizes[0] <= READ), sizes
    db = sqlite3.connect(tmp_path / "var" / "mailbot.db")
    rows = db.execute("SELECT message_id, intent, detail FROM events WHERE type = 'reply' ORDER BY id")
    replies = [(mid, intent, json.loads(detail)) for mid, intent, detail in rows]
    assert len(replies) == 5
    oversized = [(d["sender"], d["subject"]) for _m, _i, d in replies if d.get("oversized")]
    assert oversized == [("x@else.example", "scan one"), ("y@else.example", "scan two")]
    medium = next(r for r in replies if r[2]["subject"] == "Re: Invoice 2026-004")
    assert medium[1] == "payment_claimed" and not medium[2].get("oversized")  # read whole
    assert replies[-1][0] == "<after@acme.example>"  # the message after them was read too


def test_batches_are_cut_by_size_and_count():
    sizes = {1: 3 * MIB, 2: MIB + 1, 3: 30 * MIB, 4: 10, 5: 10}
    assert batches([1, 2, 3, 4, 5], sizes) == [[1], [2], [3], [4, 5]]
    assert batches(list(range(250)), {}) == [[n] for n in range(250)]  # unknown size: alone
    small = dict.fromkeys(range(250), 10)
    assert [len(b) for b in batches(list(range(250)), small)] == [100, 100, 50]
