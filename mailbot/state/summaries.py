"""Each invoice's stored summary for decisions (``records.summary``), kept current.

The schema's triggers mark an invoice *stale* on any write to its mails or to the events
decisions read, by any program; ``decision_facts`` summarises the stale ones again from
their records before it reads the rest as they are stored.
"""

from __future__ import annotations

from collections.abc import Iterator

from mailbot.records.facts import Facts, group_facts
from mailbot.records.summary import SUMMARY_COLUMNS, SUMMARY_LAYOUT, from_summary, summary_of
from mailbot.state.decision_reads import MANY, DecisionReads

_SUMMARIES = f"SELECT invoice, {','.join(SUMMARY_COLUMNS)} FROM summaries WHERE layout = ? AND seq > ?"  # noqa: S608
_SAVE_SUMMARY = (
    f"INSERT OR REPLACE INTO summaries (invoice, layout, seq, {','.join(SUMMARY_COLUMNS)})"  # noqa: S608
    f" VALUES (:invoice, :layout, :seq, {','.join(':' + c for c in SUMMARY_COLUMNS)})"
)
EVERY = -1  # a ``seq`` before every summary (one saved before schema 7 has 0)
_OTHER_LAYOUTS = "SELECT invoice FROM summaries WHERE layout != ? AND seq > ?"


class Summaries(DecisionReads):
    """The ``Store``'s summary methods: ``decision_facts`` and its reading and saving."""

    def decision_facts(self, save: bool = True) -> dict[str, Facts]:
        """Each invoice's Facts for a decision pass, from the stored summaries.

        Invoices whose mails or decision events changed since (the store's triggers mark them
        stale) are summarised again first, in one transaction with clearing their marks.
        On 100,000 invoices this reads 100,000 rows instead of about 680,000 records.
        ``save=False`` (a dry run) summarises them in memory and writes nothing.
        """
        return self._decision_facts(save, since=EVERY)[0]

    def facts_saved_since(self, seq: int) -> tuple[dict[str, Facts], int]:
        """``decision_facts``, but only the invoices whose summary was saved after ``seq``
        (by this pass or any other program), and the ``seq`` to ask with next time.

        A running service keeps what it read (``service.run_pass.FactsCache``): reading
        100,000 summaries is most of a decision pass, and between two passes only the
        invoices that something happened to change.  A summary is only ever replaced,
        with a higher ``seq``, so one asked for after ``seq`` is never missed."""
        return self._decision_facts(save=True, since=seq)

    def _decision_facts(self, save: bool, since: int) -> tuple[dict[str, Facts], int]:
        if save:
            with self.transaction():
                stale = [row[0] for row in self.db.execute("SELECT invoice FROM stale")]
                if stale:
                    self._save_summaries(self._facts_of(stale))
                    self.db.execute("DELETE FROM stale")
            stale = []
        else:
            stale = [row[0] for row in self.db.execute("SELECT invoice FROM stale")]
        latest = self.db.execute("SELECT coalesce(max(seq), 0) FROM summaries").fetchone()[0]
        if since > latest:  # another state file, or this one put back from a backup
            since = EVERY
        found, damaged = self._read_summaries(since)
        other = [row[0] for row in self.db.execute(_OTHER_LAYOUTS, (SUMMARY_LAYOUT, since))] + damaged
        if other:  # written by another mailbot, or damaged: summarise again
            fresh = dict(self._facts_of(other))
            if save:
                with self.transaction():
                    self._save_summaries(iter(fresh.items()))
            found.update(fresh)
        if stale:
            found.update(self._facts_of(stale))
        return found, latest

    def _read_summaries(self, since: int) -> tuple[dict[str, Facts], list[str]]:
        """The stored summaries of this layout, and the invoices whose summary is damaged
        (a value of the wrong kind): one bad row never stops a pass."""
        found, damaged = {}, []
        read = from_summary
        for row in self.db.execute(_SUMMARIES, (SUMMARY_LAYOUT, since)):
            try:
                found[row[0]] = read(*row)
            except (ValueError, TypeError, LookupError, ArithmeticError):  # (Decimal's too)
                damaged.append(row[0])
        return found, damaged

    def _save_summaries(self, facts: Iterator[tuple[str, Facts]]) -> None:
        """Saved together, under the next ``seq`` (inside the caller's write transaction)."""
        seq = self.db.execute("SELECT coalesce(max(seq), 0) + 1 FROM summaries").fetchone()[0]
        self.db.executemany(
            _SAVE_SUMMARY,
            (
                {"invoice": key, "layout": SUMMARY_LAYOUT, "seq": seq, **summary_of(known)}
                for key, known in facts
            ),
        )

    def _facts_of(self, invoices: list[str]) -> Iterator[tuple[str, Facts]]:
        """Facts from the records, ``MANY`` invoices at a time: all of them on the first pass
        after an upgrade, the few that changed on the others."""
        for start in range(0, len(invoices), MANY):
            batch = invoices[start : start + MANY]
            with self._wanted(batch):
                found = group_facts(self.decision_outbox(wanted=True), self.decision_events(wanted=True))
            yield from ((key, found.get(key) or Facts()) for key in batch)
