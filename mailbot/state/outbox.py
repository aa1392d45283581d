"""The outbox: one row per mail ``(invoice, kind, step)``, claimed before it is sent.

A mail is *claimed* by inserting its row (unique on the triple) before it is sent and
*marked sent* afterwards; every later change is a compare-and-set on ``status =
'claimed'``, so two passes never both record one outcome.  A rerun never sends a sent
step twice, and a crash between claim and send leaves a claimed row that the next pass
sends (DESIGN principle 2).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields
from datetime import datetime
from typing import NamedTuple

from mailbot.records.rows import Event, OutboxRow, iso
from mailbot.state.events import Events


class Claim(NamedTuple):
    """One outbox row to claim: which mail, under which Message-ID, and what it carries."""

    invoice: str
    kind: str
    step: int
    message_id: str
    tone: str | None = None
    detail: str | None = None
    payload: bytes | None = None  # a prebuilt mail (a forward, a notice), sent as it is
    recipients: str | None = None


# A client's chase mail claimed and not sent yet (any day), or sent since the day began.
_CHASE_BUSY = (
    "SELECT 1 FROM outbox WHERE kind IN ('reminder', 'final', 'ack', 'receipt')"
    " AND (status = 'claimed' OR (status = 'sent' AND sent_at >= ?))"
    " AND invoice IN (SELECT invoice FROM temp.wanted)"  # (connection.IN_WANTED)
)


class Outbox(Events):
    """The ``Store``'s outbox methods: claims, their outcomes, and reading the rows."""

    def claim(
        self,
        invoice: str,
        kind: str,
        step: int,
        message_id: str,
        now: datetime,
        payload: bytes | None = None,
        recipients: str | None = None,
        tone: str | None = None,
        detail: str | None = None,
    ) -> bool:
        """Reserve a mail; False when it is already claimed or sent."""
        with self.transaction():
            return self._insert_claim(Claim(invoice, kind, step, message_id, tone, detail, payload,
                                            recipients), now)  # fmt: skip

    def _insert_claim(self, claim: Claim, now: datetime) -> bool:
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO outbox (invoice, kind, step, message_id, status, claimed_at,"
            " payload, recipients, tone, detail) VALUES (?, ?, ?, ?, 'claimed', ?, ?, ?, ?, ?)",
            (claim.invoice, claim.kind, claim.step, claim.message_id, iso(now), claim.payload,
             claim.recipients, claim.tone, claim.detail),
        )  # fmt: skip
        return cursor.rowcount == 1

    def claim_chase(self, claims: list[Claim], client_invoices: Iterable[str], day_start: str,
                    now: datetime) -> bool:  # fmt: skip
        """A client's chase mail (its rows share one Message-ID), claimed whole or not at all.

        Refused, with nothing written, when any of its rows exists already, or when
        any of the client's invoices has a chase mail still claimed (from any day: a
        reminder the server refused for now yesterday is still the client's mail) or
        sent since ``day_start`` (the start of the client's day, as stored times):
        never two chase mails to one client on one day, whatever the decisions said.
        """
        try:
            with self.transaction(), self._wanted(client_invoices):
                busy = self.db.execute(_CHASE_BUSY, (day_start,)).fetchone()
                if busy is not None or not all(self._insert_claim(c, now) for c in claims):
                    raise _Refused  # rolls the whole mail back
        except _Refused:
            return False
        return True

    def max_step(self, invoice: str, kind: str) -> int:
        found = self.db.execute(
            "SELECT max(step) FROM outbox WHERE invoice = ? AND kind = ?", (invoice, kind)
        ).fetchone()[0]
        return found or 0

    def claimed(self) -> list[OutboxRow]:
        """Mails claimed but not yet sent: a crash or a transient failure left them."""
        return self._outbox("WHERE status = 'claimed' ORDER BY id")

    def claimed_mail(self, message_id: str) -> list[OutboxRow]:
        """The claimed rows of one mail (by its Message-ID): a mail to send at once."""
        return self._outbox("WHERE message_id = ? AND status = 'claimed' ORDER BY id", (message_id,))

    def stuck_claims(self, before: datetime, skip: str, limit: int = 5) -> tuple[int, list[OutboxRow]]:
        """Mails claimed before ``before`` and still not sent (not those of ``skip``, an
        invoice name): how many, and the oldest ``limit`` of them, without their mails."""
        where = "WHERE status = 'claimed' AND claimed_at < ? AND invoice != ?"
        count = self.db.execute(f"SELECT count(*) FROM outbox {where}", (iso(before), skip)).fetchone()[0]  # noqa: S608
        oldest = self._outbox(
            f"{where} ORDER BY claimed_at LIMIT ?", (iso(before), skip, limit), payload=False
        )
        return count, oldest

    def outbox(self, invoice: str | None = None) -> list[OutboxRow]:
        """Every row, without the stored mails of forwards (decisions never read them)."""
        if invoice is None:
            return self._outbox("ORDER BY id", payload=False)
        return self._outbox("WHERE invoice = ? ORDER BY id", (invoice,), payload=False)

    def _outbox(self, where: str, args: tuple = (), payload: bool = True) -> list[OutboxRow]:
        names = [f.name for f in fields(OutboxRow)]
        columns = ",".join("NULL" if n == "payload" and not payload else n for n in names)
        rows = self.db.execute(f"SELECT {columns} FROM outbox {where}", args)  # noqa: S608
        return [OutboxRow(*row) for row in rows]

    def begin_send(self, rows: list[OutboxRow]) -> bool:
        """The mail is about to be handed to the server: count the attempt and clear the
        last error, only if every row is still claimed (a compare-and-set; False: another
        pass sent or released it meanwhile, do not send).

        From here until ``mark_*`` records the outcome the mail is *in doubt*: a crash
        may come after the server accepted it.  A mail in doubt is only ever sent again
        under its own Message-ID (see ``in_doubt``)."""
        try:
            with self.transaction():
                changed = self.db.executemany(
                    "UPDATE outbox SET attempts = attempts + 1, error = NULL"
                    " WHERE id = ? AND status = 'claimed'",
                    [(row.id,) for row in rows],
                ).rowcount
                if changed != len(rows):
                    raise _Refused  # all rows or none
        except _Refused:
            return False
        return True

    def mark_sent(self, row: OutboxRow, event: Event, now: datetime) -> bool:
        """The mail left: record it and its ``sent`` event in one transaction.
        False when the row was no longer claimed (nothing recorded twice)."""
        with self.transaction():
            changed = self.db.execute(
                "UPDATE outbox SET status = 'sent', sent_at = ?, error = NULL"
                " WHERE id = ? AND status = 'claimed'",
                (iso(now), row.id),
            ).rowcount
            if changed:  # another pass that sent it too must not record it twice
                self._insert_event(event)
            return changed == 1

    def mark_retry(self, row: OutboxRow, error: str) -> bool:
        """A transient failure: stay claimed, the next pass tries again.  The error marks
        the mail as known not delivered (no longer in doubt)."""
        with self.transaction():
            changed = self.db.execute(
                "UPDATE outbox SET error = ? WHERE id = ? AND status = 'claimed'",
                (error or "refused for now", row.id),
            ).rowcount
            return changed == 1

    def mark_failed(self, row: OutboxRow, event: Event) -> bool:
        """A permanent failure (5xx): never retried; the error event says why."""
        with self.transaction():
            changed = self.db.execute(
                "UPDATE outbox SET status = 'failed', error = ? WHERE id = ? AND status = 'claimed'",
                (event.detail, row.id),
            ).rowcount
            if changed:
                self._insert_event(event)
            return changed == 1

    def release(self, row: OutboxRow) -> bool:
        """Forget a claim that is no longer wanted (policy decides again); False when it
        was not claimed any more."""
        with self.transaction():
            changed = self.db.execute("DELETE FROM outbox WHERE id = ? AND status = 'claimed'", (row.id,))
            return changed.rowcount == 1


def in_doubt(row: OutboxRow) -> bool:
    """A claimed mail whose sending began and has no recorded outcome: the process died
    mid-send, perhaps after the server accepted it.  It goes again only as it is, with
    its Message-ID (a mail program shows the two copies once), never decided anew."""
    return row.status == "claimed" and row.attempts > 0 and row.error is None


class _Refused(Exception):
    """A claim that must not be written: rolls its transaction back."""
