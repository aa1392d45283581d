"""Mail the owner hears of without a forward each: strangers, mailing lists and bulk senders.

Each such mail that would go to the owner is a ``held_back`` row (who, what, how big,
whether it was forwarded), written in the transaction that records the reply.  The rows
not forwarded wait for the next day's digest; the digest is claimed in the outbox in the
transaction that marks them as listed, so a crash never lists a mail twice or loses one.
The stored mails themselves (the payloads of forwards and digests) are kept for
``[inbox] keep_days`` after they were claimed and then dropped, so a wave of junk costs
the state file a bounded amount for a bounded time.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from mailbot.records.rows import iso
from mailbot.state.outbox import Claim, Outbox

COMPACT_AT = 4 * 1024 * 1024  # free bytes (and a quarter of the file) before it is worth rewriting


class HeldBack(NamedTuple):
    """One mail from a stranger or a bulk sender that would have gone to the owner."""

    day: str  # the UTC day it came, YYYY-MM-DD: the limits count per day
    at: str
    sender: str  # lower case; "" when the mail named none
    subject: str
    reason: str  # why the owner would have seen it (forward.needs_owner)
    size: int  # bytes as it arrived
    forwarded: bool  # within the day's limits: forwarded on its own


class Today(NamedTuple):
    """What was forwarded today of the limited mail: by this sender, and in all."""

    sender_forwarded: bool
    forwarded: int


class Held(Outbox):
    """The ``Store``'s methods for held-back mail, the digest and the retention."""

    def forwarded_today(self, sender: str, day: str) -> Today:
        mine = self.db.execute(
            "SELECT 1 FROM held_back WHERE day = ? AND forwarded = 1 AND sender = ? LIMIT 1", (day, sender)
        ).fetchone()
        (count,) = self.db.execute(
            "SELECT count(*) FROM held_back WHERE day = ? AND forwarded = 1", (day,)
        ).fetchone()
        return Today(mine is not None, count)

    def _insert_held(self, held: HeldBack) -> None:
        """Inside the caller's transaction: with the reply's record, never apart."""
        self.db.execute(
            "INSERT INTO held_back (day, at, sender, subject, reason, size, forwarded)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (*held[:-1], int(held.forwarded)),
        )

    def waiting_for_digest(self, today: str) -> list[HeldBack]:
        """Held-back mail of the days before ``today`` not yet listed in a digest, oldest first."""
        rows = self.db.execute(
            "SELECT day, at, sender, subject, reason, size, forwarded FROM held_back"
            " WHERE digest IS NULL AND forwarded = 0 AND day < ? ORDER BY id",
            (today,),
        )
        return [HeldBack(day, at, sender, subject, reason, size, bool(forwarded))
                for day, at, sender, subject, reason, size, forwarded in rows]  # fmt: skip

    def claim_digest(self, digest: Claim, today: str, now: datetime) -> int:
        """Claim the digest and mark what it lists, in one transaction (its step is numbered
        here); the number of mails it lists, 0 when there were none any more."""
        with self.transaction():
            step = 1 + self.max_step(digest.invoice, digest.kind)
            listed = self.db.execute(
                "UPDATE held_back SET digest = ? WHERE digest IS NULL AND forwarded = 0 AND day < ?",
                (step, today),
            ).rowcount
            if listed and not self._insert_claim(digest._replace(step=step), now):
                raise RuntimeError(f"{digest.invoice}: digest {step} exists")  # (cannot: max + 1)
            return listed

    def prune_kept(self, before: datetime) -> int:
        """Drop the stored mails of forwards and digests claimed before ``before`` and no
        longer waiting to be sent, and the held-back rows of those days that are done with;
        the number of stored mails dropped."""
        with self.transaction():
            dropped = self.db.execute(
                "UPDATE outbox SET payload = NULL WHERE payload IS NOT NULL AND claimed_at < ?"
                " AND status != 'claimed'",
                (iso(before),),
            ).rowcount
            self.db.execute(
                "DELETE FROM held_back WHERE day < ? AND (forwarded = 1 OR digest IS NOT NULL)",
                (iso(before)[:10],),
            )
        return dropped

    def compact(self) -> bool:
        """Give the space of dropped mails back to the disk when it is worth it (VACUUM
        rewrites the file: seconds for a large one, so only after much was freed).
        SQLite reuses free pages anyway; this only shrinks the file after a wave."""
        (free,) = self.db.execute("PRAGMA freelist_count").fetchone()
        (pages,) = self.db.execute("PRAGMA page_count").fetchone()
        (size,) = self.db.execute("PRAGMA page_size").fetchone()
        if free * size < COMPACT_AT or free * 4 < pages:
            return False
        self.db.execute("VACUUM")
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return True
