"""Nothing that arrives may raise: random and mangled messages, 10,000 of them."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_replies import KNOWN

from mailbot.inbound import replies
from mailbot.inbound.parse import parse

CORPUS = [p.read_bytes() for p in sorted((Path(__file__).parent / "replies" / "corpus").glob("*.eml"))]
HEADERS = [
    b"From", b"To", b"Subject", b"Date", b"Message-ID", b"In-Reply-To", b"References",
    b"Content-Type", b"Content-Transfer-Encoding", b"Auto-Submitted", b"Reply-To",
    b"Authentication-Results", b"MIME-Version", b"Content-Disposition",
]  # fmt: skip
NASTY = [
    b"", b"\r\n", b"=?utf-8?b?////?=", b"=?x-unknown?q?=FF=FE?=", b"multipart/mixed; boundary=",
    b'multipart/report; report-type=delivery-status; boundary="b"', b"base64", b"<<<>>>",
    b"text/html; charset=utf-7", b"\xff\xfe\x00", b"Mon, 99 Foo 20261 25:61:61 +9999",
    b"mx.muster-design.example; dkim=pass header.d=acme.example; dmarc=", b"<inv-2026-001.1a2b3c@muster-design.example>",
]  # fmt: skip


@st.composite
def mangled(draw) -> bytes:
    """A corpus message cut, flipped, spliced or given hostile headers."""
    raw = bytearray(draw(st.sampled_from(CORPUS)))
    for _ in range(draw(st.integers(0, 4))):
        action = draw(st.sampled_from(["cut", "flip", "insert", "header", "splice"]))
        if action == "cut" and raw:
            raw = raw[: draw(st.integers(0, len(raw)))]
        elif action == "flip" and raw:
            index = draw(st.integers(0, len(raw) - 1))
            raw[index] = draw(st.integers(0, 255))
        elif action == "insert":
            index = draw(st.integers(0, len(raw)))
            raw[index:index] = draw(st.sampled_from(NASTY))
        elif action == "header":
            line = draw(st.sampled_from(HEADERS)) + b": " + draw(st.sampled_from(NASTY)) + b"\r\n"
            raw[0:0] = line
        elif action == "splice":
            other = draw(st.sampled_from(CORPUS))
            start = draw(st.integers(0, len(other)))
            raw += other[start : start + draw(st.integers(0, 4000))]
    return bytes(raw)


messages = st.one_of(st.binary(max_size=3000), mangled())


@settings(max_examples=10_000, deadline=None, suppress_health_check=list(HealthCheck))
@given(messages)
def test_random_and_mangled_messages_never_raise(raw):
    mail = parse(raw)
    reply = replies._classify(mail, KNOWN)  # the inner function: no safety net here
    assert reply.intent in {
        "payment_claimed", "promise_to_pay", "dispute", "question", "thanks",
        "contact_change", "auto_reply", "bounce", "other",
    }  # fmt: skip
