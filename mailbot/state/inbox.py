"""Reading the inbox: where we are in each folder, which mails were handled, and recording
a handled reply with its events and its forward to the owner in one transaction."""

from __future__ import annotations

from datetime import datetime

from mailbot.records.rows import Event, iso
from mailbot.state.held import Held, HeldBack
from mailbot.state.outbox import Claim


class Inbox(Held):
    """The ``Store``'s inbox methods (a reply's forward is claimed in the outbox)."""

    def watermark(self, source: str) -> tuple[int, int]:
        """(UIDVALIDITY, last UID handled) of a folder; (0, 0) when never read."""
        row = self.db.execute(
            "SELECT uidvalidity, last_uid FROM watermarks WHERE source = ?", (source,)
        ).fetchone()
        return (row[0], row[1]) if row else (0, 0)

    def set_watermark(self, source: str, uidvalidity: int, last_uid: int) -> None:
        with self.transaction():
            self.db.execute(
                "INSERT INTO watermarks (source, uidvalidity, last_uid) VALUES (?, ?, ?)"
                " ON CONFLICT (source) DO UPDATE SET uidvalidity = excluded.uidvalidity,"
                " last_uid = excluded.last_uid",
                (source, uidvalidity, last_uid),
            )

    def seen(self, message_key: str) -> bool:
        found = self.db.execute("SELECT 1 FROM inbox_seen WHERE message_key = ?", (message_key,))
        return found.fetchone() is not None

    def begin_attempt(self, message_key: str, now: datetime) -> int:
        """Count one more attempt at reading a message, committed before it is classified,
        and return the count: a process killed while reading it (out of memory, a crash in
        a C library) leaves the count behind, so a message that kills every pass is seen."""
        with self.transaction():
            self.db.execute(
                "INSERT INTO inbox_attempts (message_key, attempts, first_at, last_at)"
                " VALUES (?, 1, ?, ?) ON CONFLICT (message_key)"
                " DO UPDATE SET attempts = attempts + 1, last_at = excluded.last_at",
                (message_key, iso(now), iso(now)),
            )
            row = self.db.execute(
                "SELECT attempts FROM inbox_attempts WHERE message_key = ?", (message_key,)
            ).fetchone()
        return int(row[0])

    def end_attempt(self, message_key: str) -> None:
        """The message is handled (or quarantined): its attempts are forgotten."""
        with self.transaction():
            self.db.execute("DELETE FROM inbox_attempts WHERE message_key = ?", (message_key,))

    def unfinished_attempts(self) -> list[str]:
        """Messages a pass began to read and never finished: the last pass died reading."""
        return [row[0] for row in self.db.execute("SELECT message_key FROM inbox_attempts ORDER BY 1")]

    def record_reply(
        self, keys: list[str], events: list[Event], now: datetime, forward: Claim | None = None,
        held: HeldBack | None = None,
    ) -> bool:  # fmt: skip
        """Mark a mail handled under all its keys, record its events and claim its forward
        to the owner (``forward``: its step is numbered here) or note it for the digest
        (``held``), in one transaction: a crash never leaves a reply recorded and handled
        without the owner's forward queued.

        ``keys[0]`` says what the mail *is* (its Message-ID): when that was
        handled before (a folder read again after a UIDVALIDITY change, a copy
        in two folders), nothing is recorded and False comes back.
        """
        with self.transaction():
            inserted = [
                self.db.execute(
                    "INSERT OR IGNORE INTO inbox_seen (message_key, at) VALUES (?, ?)",
                    (key, iso(now)),
                ).rowcount
                for key in keys
            ]
            if not inserted or inserted[0] == 0:
                return False
            for event in events:
                self._insert_event(event)
            if forward is not None:
                step = 1 + self.max_step(forward.invoice, forward.kind)
                if not self._insert_claim(forward._replace(step=step), now):
                    raise RuntimeError(f"{forward.invoice}: forward {step} exists")  # (cannot: max + 1)
            if held is not None:
                self._insert_held(held)
            return True
