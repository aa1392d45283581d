"""SpamAssassin (Debian's ``spamassassin``, its shipped rules, local tests only) scoring many
mails in one process: its start-up (reading and compiling some 2,000 rules) costs about as
much as scoring forty mails, so every mail goes into one mbox and one ``spamassassin -L
--mbox`` run scores them all.

Nothing is looked up on the network (``-L``: no DNS blocklists, Razor, Pyzor, DCC or SPF), no
``sa-update`` is needed (the package's rules in /usr/share/spamassassin are the ones used, even
where ``sa-update`` has fetched newer ones),
and nothing is written outside a temporary folder (``HOME`` points there, so the Bayes
files SpamAssassin would start in ``~/.spamassassin`` stay untrained and never score).

A mail leaves mailbot without a ``Received`` header; the servers it crosses add them, and
SpamAssassin reads the relays from those headers. Scored without any, a mail gets rules that
only say "this mail never crossed a server" (and, from 127.0.0.1, ``ALL_TRUSTED``, which
*lowers* the score by 1 and would hide real problems). ``received_by_client`` adds the two a
mail gets on its way: the business's provider accepting it from mailbot's host after the
login (``ESMTPSA``: mailbot sends through the owner's account), then the client's server
accepting it from that provider. Both relays are untrusted, public and named by their
reverse DNS; with only the second, a mail to the owner's own address reads as one sent
straight to the owner's server by the owner (``TO_EQ_FM_DIRECT_MX``), which it never is.
Their addresses are in 198.18.0.0/15 (reserved for network tests, RFC 2544): SpamAssassin
calls the documentation ranges 192.0.2/24, 198.51.100/24 and 203.0.113/24 illegal
(``RCVD_ILLEGAL_IP``), which a real relay never is.

    PYTHONPATH=. python tests/spam_scores.py     # every mail kind's score, as a table
"""

from __future__ import annotations

import mailbox
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path

SPAMASSASSIN = shutil.which("spamassassin") or "/usr/bin/spamassassin"
# The package's rules, always: not those a later ``sa-update`` may have put in /var/lib, so
# that a score changes only when the mails (or the Debian package) do.
RULES = "/usr/share/spamassassin"
WORKER = ("worker.muster-design.example", "198.18.25.20")  # where mailbot runs
RELAY = ("smtp.muster-design.example", "198.18.25.10")  # the business's provider
# Each rule that hit with its score, in a header of the mail SpamAssassin hands back.
PREFS = "add_header all Tests _TESTSSCORES(,)_\n"
_MBOX_FROM = re.compile(rb"^(>*From )", re.M)
_STATUS_SCORE = re.compile(r"score=(-?[\d.]+)")


@dataclass(frozen=True)
class Verdict:
    """What SpamAssassin made of one mail: its score and each rule that hit, with its score."""

    score: float
    rules: dict[str, float]

    @property
    def added(self) -> float:
        """The score without the rules that lower it: what the mail itself earned."""
        return sum(points for points in self.rules.values() if points > 0)

    def explain(self) -> str:
        hits = sorted(self.rules.items(), key=lambda rule: -rule[1])
        return f"score {self.score:.3f}: " + ", ".join(f"{name}={points:g}" for name, points in hits)


def received_by_client(raw: bytes, recipient: str = "", server: str = "mx.client.example") -> bytes:
    """``raw`` as the client's server stores it: the ``Received`` headers Postfix writes at the
    provider (after mailbot's login) and at the client's server, a few seconds after its Date."""
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    found = re.search(rb"^Date: (.+)$", head, re.M | re.I)
    when = parsedate_to_datetime(found.group(1).decode().strip()) if found else datetime.now(UTC)
    recipient = recipient or "billing@" + server
    hops = [(RELAY, server, "ESMTPS", 4), (WORKER, RELAY[0], "ESMTPSA", 2)]
    lines = []
    for (name, address), by, protocol, seconds in hops:
        lines += [
            f"Received: from {name} ({name} [{address}])",
            f"\tby {by} (Postfix) with {protocol} id 4MbT5q0Zk{seconds}z9sWm",
            f"\tfor <{recipient}>; {format_datetime(when + timedelta(seconds=seconds))}",
        ]
    newline = b"\r\n" if b"\r\n" in head else b"\n"
    return newline.join(line.encode("ascii") for line in lines) + newline + raw


def score_all(mails: Mapping[str, bytes], timeout: float = 300) -> dict[str, Verdict]:
    """Each mail's verdict, by its name in ``mails``, from one ``spamassassin -L`` process."""
    if not Path(SPAMASSASSIN).exists():
        raise RuntimeError("no spamassassin: install it with tests/servers/install_spamassassin.sh")
    names = list(mails)
    with tempfile.TemporaryDirectory(prefix="spamassassin-") as tmp:
        folder = Path(tmp)
        (folder / "prefs").write_text(PREFS, encoding="ascii")
        (folder / "in.mbox").write_bytes(
            b"".join(_mbox_entry(n, mails[name]) for n, name in enumerate(names))
        )
        env = {**os.environ, "HOME": tmp}
        with (folder / "in.mbox").open("rb") as given, (folder / "out.mbox").open("wb") as scored:
            subprocess.run(
                [SPAMASSASSIN, "-L", "-C", RULES, "--mbox", "-p", str(folder / "prefs")],
                stdin=given, stdout=scored, stderr=subprocess.PIPE, env=env, timeout=timeout, check=True,
            )  # fmt: skip
        scored = {_number(message): _verdict(message) for message in mailbox.mbox(folder / "out.mbox")}
    if sorted(scored) != list(range(len(names))):
        raise RuntimeError(f"spamassassin returned {len(scored)} mails of {len(names)}")
    return {name: scored[n] for n, name in enumerate(names)}


def _mbox_entry(n: int, raw: bytes) -> bytes:
    """One mail in mbox form: a ``From `` line numbering it (spamassassin keeps that line but
    not always the order of the mails), LF line ends, body lines starting "From " quoted."""
    body = _MBOX_FROM.sub(rb">\1", raw.replace(b"\r\n", b"\n"))
    return f"From mail-{n}@mbox.invalid Mon Dec  7 10:00:00 2026\n".encode() + body.rstrip(b"\n") + b"\n\n"


def _number(message: mailbox.mboxMessage) -> int:
    """The number ``_mbox_entry`` gave the mail."""
    found = re.match(r"mail-(\d+)@", message.get_from())
    if found is None:
        raise RuntimeError(f"a mail came back without its number: From {message.get_from()}")
    return int(found.group(1))


def _verdict(message: mailbox.mboxMessage) -> Verdict:
    status = " ".join(str(message.get("X-Spam-Status", "")).split())
    tests = "".join(str(message.get("X-Spam-Tests", "")).split())
    found = _STATUS_SCORE.search(status)
    if found is None:
        raise RuntimeError(f"no X-Spam-Status score in a scored mail: {status!r}")
    rules = {}
    for hit in filter(None, tests.split(",") if tests != "none" else ()):
        name, _, points = hit.partition("=")
        try:
            rules[name] = float(points)
        except ValueError:
            raise RuntimeError(f"unreadable X-Spam-Tests {tests!r} in {message['Message-ID']}") from None
    return Verdict(float(found.group(1)), rules)
