"""A hostile inbox, generated: what a spam wave looks like to the mailbox mailbot reads.

Strangers (one mail each), bulk newsletters (List-Id, List-Unsubscribe, Precedence),
1 MB mails, one sender who sends hundreds, random junk bytes, and among them a few
real disputes and questions from clients, which must still reach the owner one by one.
Seeded: the same corpus every run.  Used by ``test_junk.py`` and ``benchmarks/junk.py``.
"""

from __future__ import annotations

import base64
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import format_datetime

WORDS = ("offer", "seo", "crypto", "invoice", "urgent", "winner", "meeting", "prize", "rank", "deal",
         "account", "verify", "bonus", "free", "click", "today", "limited", "partner", "loan", "gift")  # fmt: skip
MB = 1024 * 1024


@dataclass
class Corpus:
    mails: list[bytes] = field(default_factory=list)
    limited_senders: set[str] = field(default_factory=set)  # strangers and bulk senders who need the owner
    client_subjects: list[str] = field(default_factory=list)  # disputes and questions of clients

    @property
    def raw_bytes(self) -> int:
        return sum(len(m) for m in self.mails)


def _mail(sender: str, subject: str, body: str, when: datetime, n: int | str, headers: str = "") -> bytes:
    return (
        f"From: {sender}\r\nTo: billing@muster-design.example\r\nSubject: {subject}\r\n"
        f"Date: {format_datetime(when)}\r\nMessage-ID: <junk.{n}@{sender.split('@')[-1]}>\r\n"
        f"{headers}Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    ).encode()


def _big(sender: str, subject: str, when: datetime, n: int | str, rnd: random.Random, size: int) -> bytes:
    """A mail of about ``size`` bytes: a short text and a random attachment."""
    blob = base64.encodebytes(rnd.randbytes(size * 3 // 4)).decode().replace("\n", "\r\n")
    return (
        f"From: {sender}\r\nTo: billing@muster-design.example\r\nSubject: {subject}\r\n"
        f"Date: {format_datetime(when)}\r\nMessage-ID: <big.{n}@{sender.split('@')[-1]}>\r\n"
        "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
        "--b\r\nContent-Type: text/plain\r\n\r\nPlease see the attached file.\r\n"
        "--b\r\nContent-Type: application/octet-stream; name=file.bin\r\n"
        f"Content-Transfer-Encoding: base64\r\n\r\n{blob}\r\n--b--\r\n"
    ).encode()


def _words(rnd: random.Random, n: int) -> str:
    return " ".join(rnd.choice(WORDS) for _ in range(n))


def hostile(now: datetime, strangers: int = 1200, newsletters: int = 600, big: int = 40,
            one_sender: int = 800, garbage: int = 400, seed: int = 11, big_size: int = MB) -> Corpus:  # fmt: skip
    """The wave, in a shuffled order, dated within the hour before ``now`` (the clients'
    mails of ``client_mails`` are for the caller to mix in)."""
    rnd = random.Random(seed)
    corpus = Corpus()
    mails: list[bytes] = []

    def when() -> datetime:
        return now - timedelta(seconds=rnd.randrange(60, 3600))

    for n in range(strangers):
        sender = f"{rnd.choice(WORDS)}{n}@stranger{n % 97}.example"
        mails.append(_mail(sender, _words(rnd, 4).title(), _words(rnd, 40), when(), f"{seed}.{len(mails)}"))
        corpus.limited_senders.add(sender)
    for n in range(newsletters):
        sender = f"news@list{n % 6}.example"
        headers = f"List-Unsubscribe: <mailto:leave@list{n % 6}.example>\r\n"
        if n % 3 == 0:
            headers += f"List-Id: <weekly.list{n % 6}.example>\r\n"
        if n % 3 == 1:
            headers += "Precedence: bulk\r\n"
        mails.append(
            _mail(
                sender, f"Weekly {_words(rnd, 3)}?", _words(rnd, 80), when(), f"{seed}.{len(mails)}", headers
            )
        )
        if n % 3 == 2:  # (List-Id and Precedence: bulk make it list mail that never goes to the owner)
            corpus.limited_senders.add(sender)
    for n in range(big):
        sender = f"big{n % 20}@heavy.example"
        mails.append(_big(sender, f"Big file {n}", when(), f"{seed}.{len(mails)}", rnd, big_size))
        corpus.limited_senders.add(sender)
    for _n in range(one_sender):
        mails.append(
            _mail("flood@spammer.example", _words(rnd, 5), _words(rnd, 30), when(), f"{seed}.{len(mails)}")
        )
    corpus.limited_senders.add("flood@spammer.example")
    for _n in range(garbage):
        mails.append(rnd.randbytes(rnd.randrange(10, 3000)))
    corpus.limited_senders.add("")  # (garbage names no sender)
    rnd.shuffle(mails)
    corpus.mails = mails
    return corpus


def client_mails(now: datetime, start: int = 0) -> list[tuple[str, bytes]]:
    """Real voices: (a marker in the subject, the mail) from the test config's clients."""
    found = []
    for n, (sender, invoice, words) in enumerate([
        ("ap@acme.example", "J-001", "The amount is wrong, we never agreed to the logo design. We dispute this."),
        ("buchhaltung@kaiser-soehne.example", "J-002", "Wir widersprechen der Rechnung, der Betrag ist falsch."),
        ("ap@acme.example", "J-001", "Could you tell me which purchase order this belongs to?"),
    ], start=start):  # fmt: skip
        marker = f"case {n}"
        subject = f"Re: Invoice {invoice} ({marker})"
        found.append((marker, _mail(sender, subject, words, now - timedelta(minutes=5), 100_000 + n)))
    return found
