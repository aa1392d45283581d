"""Hostile and huge mails cost bounded memory and time, and are still handled.

Each corpus mail (``hostile_mail.py``, made in code) is read by the real inbox path
(``read_inbox`` on a Maildir: the capped read, classification, the record and the
forward to the owner) in a child process under an address-space limit, and the
child's peak resident memory above what it held before reading is asserted, so one
message's cost is measured alone and a bomb cannot take the test runner down.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import write_config
from hostile_mail import CORPUS, SENDER, head
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_replies import KNOWN

from mailbot.inbound.parse import limits
from mailbot.inbound.replies import classify

CEILING_MB = 100  # peak memory one message may add
SECONDS = 15.0  # one message: a guard against bombs (seconds to minutes), not a speed target
ADDRESS_SPACE = 1536 * 1024 * 1024  # the child's hard limit: a bomb fails, not the machine

CHILD = r"""
import json, resource, sys, time
from datetime import UTC, datetime
from pathlib import Path

resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[2]), int(sys.argv[2])))
from mailbot.config.settings import load_settings
from mailbot.inbound.apply import read_inbox
from mailbot.inbound.inbox import MaildirInbox
from mailbot.ledger.read import load_ledger
from mailbot.state.store import Store

def status_mb(field):  # (ru_maxrss would count the parent's memory at fork)
    line = next(l for l in Path("/proc/self/status").read_text().splitlines() if l.startswith(field))
    return int(line.split()[1]) / 1024

settings = load_settings(Path(sys.argv[1]))
ledger = load_ledger(settings)
now = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
with Store(settings.state_path) as store:
    store.set_watermark("warm-up", 1, 1)  # (SQLite's own caches are not the message's cost)
    before = status_mb("VmRSS:")
    start = time.monotonic()
    replies = read_inbox(MaildirInbox(settings.mail_dir / "inbox"), store, settings, ledger, now)
    seconds = time.monotonic() - start
    peak = status_mb("VmHWM:")
    events = [{"intent": e.intent, "detail": json.loads(e.detail or "{}")} for e in store.events()]
    forwards = [r for r in store.outbox() if r.kind == "forward"]
print(json.dumps({"added_mb": peak - before, "seconds": seconds, "events": events,
                  "forwards": len(forwards), "replies": len(replies)}))
"""


def read_in_child(tmp_path: Path, raw: bytes) -> dict:
    """One message dropped in a Maildir inbox and read by a fresh ``read_inbox``."""
    config = write_config(tmp_path)
    new = tmp_path / "var" / "mail" / "inbox" / "new"
    new.mkdir(parents=True)
    (new / "1700000000.hostile.eml").write_bytes(raw)
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(config), str(ADDRESS_SPACE)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.splitlines()[-1])


@pytest.mark.parametrize("name", list(CORPUS))
def test_hostile_mail_stays_under_100_mb_and_is_handled(tmp_path, name):
    make, oversized = CORPUS[name]
    result = read_in_child(tmp_path, make())
    assert result["added_mb"] < CEILING_MB, f"{name}: {result['added_mb']:.0f} MB"
    assert result["seconds"] < SECONDS, f"{name}: {result['seconds']:.1f} s"
    (event,) = result["events"]  # recorded once, whatever it is
    detail = event["detail"]
    assert detail.get("sender") == SENDER
    assert detail.get("subject", "").startswith("hostile ")
    assert "quarantined" not in detail  # read, not failed: no bomb raises
    if oversized:
        assert detail.get("oversized"), detail
        assert event["intent"] == "other"
        assert result["forwards"] == 1  # the owner sees it (unmatched or not)
    else:
        assert not detail.get("oversized"), detail


def test_whole_hostile_corpus_is_read_in_well_under_a_minute(tmp_path):
    """Every corpus mail in one inbox, one pass: one event each, all within the time."""
    config = write_config(tmp_path)
    new = tmp_path / "var" / "mail" / "inbox" / "new"
    new.mkdir(parents=True)
    for number, (make, _oversized) in enumerate(CORPUS.values()):
        (new / f"{1700000000 + number}.hostile.eml").write_bytes(make())
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(config), str(ADDRESS_SPACE)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.splitlines()[-1])
    assert time.monotonic() - start < 30
    assert len(result["events"]) == len(CORPUS)
    assert result["added_mb"] < CEILING_MB


PIECES = [
    b"=?utf-8?q?=C3=A4?= ", b"=?utf-8?b?////?= ", b"=?x-unknown?q?=FF?=", b"\r\nX-H: v", b"\r\n ",
    b"\r\n\r\n", b"\r\n--b\r\n", b"\r\n--b--\r\n", b"Content-Type: multipart/mixed; boundary=b\r\n",
    b"<div>", b"\n", b"\xff\xfe", b"Paid yesterday. ", b"Content-Transfer-Encoding: base64\r\n",
]  # fmt: skip


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    pieces=st.lists(st.sampled_from(PIECES), min_size=1, max_size=12),
    repeat=st.integers(min_value=1, max_value=20_000),
)
def test_any_mix_of_hostile_pieces_is_read_and_marked_when_over_a_limit(pieces, repeat):
    raw = head("fuzz", "Subject-2: ") + b"".join(pieces) * repeat
    reply = classify(raw, KNOWN)
    assert not any("classify failed" in d for d in reply.defects)
    if limits(raw):
        assert (reply.oversized and reply.intent in ("other",)) or reply.own
    assert len(reply.subject) <= 500
