"""What a first run did not mail, and whether the state holds any records at all.

A first run (no invoice mailed or skipped yet) mails only recent invoices; each older one gets a
``note`` event beginning with ``SKIPPED_NOTE``, so later passes do not mail it either and
``status`` shows it as ``skipped``.  A later ``resume`` of the invoice ends the skip.
"""

from __future__ import annotations

from collections.abc import Iterable

from mailbot.records.kinds import SKIPPED_NOTE
from mailbot.records.rows import Event
from mailbot.state.events import Events

_SKIPPED = f"""
    SELECT DISTINCT s.invoice FROM events s
    WHERE s.type = 'note' AND s.detail LIKE '{SKIPPED_NOTE}%'
      AND NOT EXISTS (SELECT 1 FROM events r
                      WHERE r.invoice = s.invoice AND r.type = 'resume' AND r.id > s.id)
"""  # noqa: S608 (a constant)
_IN_WANTED = " AND s.invoice IN (SELECT invoice FROM temp.wanted)"


class Skips(Events):
    """The ``Store``'s first-run methods."""

    def has_records(self) -> bool:
        """Whether any mail or event was ever recorded: a state without them is a first run."""
        found = self.db.execute("SELECT EXISTS (SELECT 1 FROM outbox) OR EXISTS (SELECT 1 FROM events)")
        return bool(found.fetchone()[0])

    def first_run(self) -> bool:
        """No invoice mail was ever claimed and no invoice skipped: what this pass mails is
        the first (replies and forwards read before do not count: they mail no invoice)."""
        for sql in ("SELECT 1 FROM outbox WHERE kind = 'invoice' LIMIT 1", _SKIPPED + " LIMIT 1"):
            if self.db.execute(sql).fetchone() is not None:
                return False
        return True

    def record_skipped(self, events: Iterable[Event]) -> None:
        """The first run's skip notes, all in one transaction."""
        with self.transaction():
            for event in events:
                self._insert_event(event)

    def skipped(self, invoices: Iterable[str] | None = None) -> set[str]:
        """The invoices a first run skipped and the owner did not resume since (of
        ``invoices``, through the ``wanted`` table and the events' index; else all)."""
        if invoices is None:
            return {row[0] for row in self.db.execute(_SKIPPED)}
        with self._wanted(invoices):
            return {row[0] for row in self.db.execute(_SKIPPED + _IN_WANTED)}
