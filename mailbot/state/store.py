"""mailbot's memory: an SQLite file with the event log and the outbox.

The outbox row ``(invoice, kind, step)`` is unique: a mail is *claimed* by
inserting its row before it is sent and *marked sent* afterwards.  A rerun
never sends a sent step twice, and a crash between claim and send leaves a
claimed row that the next pass sends (DESIGN principle 2).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import fields
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

from mailbot.records.facts import Facts, group_facts
from mailbot.records.rows import _EVENT_COLUMNS, Event, MailRecord, OutboxRow, iso
from mailbot.records.summary import SUMMARY_COLUMNS, SUMMARY_LAYOUT, from_summary, summary_of

__all__ = [
    "SCHEMA_VERSION",
    "Claim",
    "Event",
    "MailRecord",
    "OutboxRow",
    "Store",
    "detail_json",
    "in_doubt",
    "iso",
]

SCHEMA_VERSION = 6

_MIGRATIONS: dict[int, str] = {
    1: """
    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        invoice TEXT NOT NULL,
        at TEXT NOT NULL,
        type TEXT NOT NULL,
        kind TEXT, step INTEGER, tone TEXT, message_id TEXT,
        intent TEXT, trusted INTEGER, until TEXT, detail TEXT
    );
    CREATE INDEX events_by_invoice ON events (invoice, id);
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        invoice TEXT NOT NULL,
        kind TEXT NOT NULL,
        step INTEGER NOT NULL DEFAULT 0,
        message_id TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('claimed', 'sent', 'failed')),
        claimed_at TEXT NOT NULL,
        sent_at TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        error TEXT,
        UNIQUE (invoice, kind, step)
    );
    CREATE INDEX outbox_by_message_id ON outbox (message_id);
    """,
    # 2: reading the inbox: where we are in each folder, which mails were handled,
    # and prebuilt mails (forwards to the owner) that the outbox sends as they are.
    2: """
    CREATE TABLE watermarks (
        source TEXT PRIMARY KEY,
        uidvalidity INTEGER NOT NULL,
        last_uid INTEGER NOT NULL
    );
    CREATE TABLE inbox_seen (
        message_key TEXT PRIMARY KEY,
        at TEXT NOT NULL
    );
    ALTER TABLE outbox ADD COLUMN payload BLOB;
    ALTER TABLE outbox ADD COLUMN recipients TEXT;
    ALTER TABLE outbox ADD COLUMN tone TEXT;
    ALTER TABLE outbox ADD COLUMN detail TEXT;
    """,
    # 3: each invoice's summary for decisions (summary.summary_of), so that a pass reads
    # one row per invoice instead of all its mails and events. Any write to an invoice's
    # mails or events (by any program) marks it stale; the next pass summarises it again.
    3: """
    CREATE TABLE summaries (invoice TEXT PRIMARY KEY, data TEXT NOT NULL);
    CREATE TABLE stale (invoice TEXT PRIMARY KEY);
    CREATE TRIGGER events_insert AFTER INSERT ON events BEGIN
        INSERT OR IGNORE INTO stale VALUES (NEW.invoice); END;
    CREATE TRIGGER events_update AFTER UPDATE ON events BEGIN
        INSERT OR IGNORE INTO stale VALUES (NEW.invoice), (OLD.invoice); END;
    CREATE TRIGGER events_delete AFTER DELETE ON events BEGIN
        INSERT OR IGNORE INTO stale VALUES (OLD.invoice); END;
    CREATE TRIGGER outbox_insert AFTER INSERT ON outbox BEGIN
        INSERT OR IGNORE INTO stale VALUES (NEW.invoice); END;
    CREATE TRIGGER outbox_update AFTER UPDATE ON outbox BEGIN
        INSERT OR IGNORE INTO stale VALUES (NEW.invoice), (OLD.invoice); END;
    CREATE TRIGGER outbox_delete AFTER DELETE ON outbox BEGIN
        INSERT OR IGNORE INTO stale VALUES (OLD.invoice); END;
    INSERT OR IGNORE INTO stale SELECT invoice FROM outbox UNION SELECT invoice FROM events;
    """,
    # 4: the summary as columns instead of one JSON list: a pass reads 100,000 of them in a
    # third of the time. Summaries are made again from the records.
    # Only the events decisions read make an invoice stale: not notes, `sent` or errors
    # (a pass writes thousands of notes; the outbox row of a sent mail marks it anyway).
    4: """
    DROP TRIGGER events_insert;
    DROP TRIGGER events_update;
    DROP TRIGGER events_delete;
    CREATE TRIGGER events_insert AFTER INSERT ON events
        WHEN NEW.type IN ('reply', 'payment', 'pause', 'resume') BEGIN
        INSERT OR IGNORE INTO stale VALUES (NEW.invoice); END;
    CREATE TRIGGER events_update AFTER UPDATE ON events
        WHEN NEW.type IN ('reply', 'payment', 'pause', 'resume')
          OR OLD.type IN ('reply', 'payment', 'pause', 'resume') BEGIN
        INSERT OR IGNORE INTO stale VALUES (NEW.invoice), (OLD.invoice); END;
    CREATE TRIGGER events_delete AFTER DELETE ON events
        WHEN OLD.type IN ('reply', 'payment', 'pause', 'resume') BEGIN
        INSERT OR IGNORE INTO stale VALUES (OLD.invoice); END;
    DROP TABLE summaries;
    CREATE TABLE summaries (
        invoice TEXT PRIMARY KEY,
        layout INTEGER NOT NULL,
        invoice_status TEXT, invoice_at TEXT,
        sent_reminders INTEGER NOT NULL, ladder_last INTEGER NOT NULL,
        last_reminder_at TEXT, last_chase_at TEXT, last_wait_at TEXT,
        rest TEXT, chase_times TEXT
    );
    INSERT OR IGNORE INTO stale SELECT invoice FROM outbox UNION SELECT invoice FROM events;
    """,
    # 5: the summary as one marshal value (tied to the Python that wrote it; replaced by 6).
    5: """
    DROP TABLE summaries;
    CREATE TABLE summaries (invoice TEXT PRIMARY KEY, layout TEXT NOT NULL, summary BLOB NOT NULL);
    INSERT OR IGNORE INTO stale SELECT invoice FROM outbox UNION SELECT invoice FROM events;
    """,
    # 6: the summary as named columns (summary.SUMMARY_COLUMNS; its lists as JSON text),
    # readable with any SQLite tool and by any Python; ``layout`` is summary.SUMMARY_LAYOUT.
    # The marshal values of 5 are dropped and made again from the records.
    6: """
    DROP TABLE summaries;
    CREATE TABLE summaries (
        invoice TEXT PRIMARY KEY, layout INTEGER NOT NULL,
        invoice_status TEXT, invoice_at TEXT, sent_reminders INTEGER NOT NULL, ladder_last INTEGER NOT NULL,
        last_reminder_at TEXT, last_chase_at TEXT, last_wait_at TEXT,
        refused INTEGER NOT NULL, has_receipt INTEGER NOT NULL, has_notice INTEGER NOT NULL,
        held INTEGER NOT NULL, bounced INTEGER NOT NULL,
        said_intent TEXT, said_until TEXT,
        commitment_ordinal INTEGER, commitment_at TEXT, commitment_intent TEXT, commitment_until TEXT,
        away_at TEXT, away_until TEXT, away_trusted INTEGER,
        pause TEXT,
        last_reply_intent TEXT, last_reply_at TEXT, last_reply_trusted INTEGER,
        follow_ups TEXT, unacked TEXT, payments TEXT, chase_times TEXT
    );
    INSERT OR IGNORE INTO stale SELECT invoice FROM outbox UNION SELECT invoice FROM events;
    """,
}


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


MANY = 20_000  # invoices: beyond this, reading every record at once beats one by one

# What decisions read (see Store.decision_events / decision_outbox).
_DECISION_EVENTS = (
    "SELECT invoice, at, type, intent, trusted, until,"
    " CASE WHEN type = 'payment' OR intent = 'bounce' THEN detail END"
    " FROM events WHERE type IN ('reply', 'payment', 'pause', 'resume')"
)
_SUMMARIES = f"SELECT invoice, {','.join(SUMMARY_COLUMNS)} FROM summaries WHERE layout = ?"  # noqa: S608
_SAVE_SUMMARY = (
    f"INSERT OR REPLACE INTO summaries (invoice, layout, {','.join(SUMMARY_COLUMNS)})"  # noqa: S608
    f" VALUES (:invoice, :layout, {','.join(':' + c for c in SUMMARY_COLUMNS)})"
)
_OTHER_LAYOUTS = "SELECT invoice FROM summaries WHERE layout != ?"
_IN_WANTED = " AND invoice IN (SELECT invoice FROM temp.wanted)"  # (Store._wanted)
# A client's chase mail claimed and not sent yet (any day), or sent since the day began.
_CHASE_BUSY = (
    "SELECT 1 FROM outbox WHERE kind IN ('reminder', 'final', 'ack', 'receipt')"
    " AND (status = 'claimed' OR (status = 'sent' AND sent_at >= ?))"
    " AND invoice IN (SELECT invoice FROM temp.wanted)"
)
_DECISION_OUTBOX = "SELECT invoice, kind, step, status, claimed_at, sent_at FROM outbox WHERE true"


class Store:
    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite3.connect(path, isolation_level=None, timeout=30)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA busy_timeout=30000")
        self._migrate()

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _migrate(self) -> None:
        """Every step in one write transaction: a second process opening the file at the
        same moment waits, then finds the schema current (no step runs twice)."""
        with self.transaction():
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise RuntimeError(
                    f"{self.path}: state schema {version} is newer than this mailbot ({SCHEMA_VERSION})"
                )
            for target in range(version + 1, SCHEMA_VERSION + 1):
                for statement in _MIGRATIONS[target].split(";\n"):  # (a trigger has ";" inside)
                    if statement.strip():
                        self.db.execute(statement)
                self.db.execute(f"PRAGMA user_version = {target}")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE: two workers never both claim the same mail."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # events -----------------------------------------------------------------

    def add_event(self, event: Event) -> None:
        with self.transaction():
            self._insert_event(event)

    def _insert_event(self, event: Event) -> None:
        values = [getattr(event, c) for c in _EVENT_COLUMNS]
        placeholders = ",".join("?" * len(values))
        self.db.execute(
            f"INSERT INTO events ({','.join(_EVENT_COLUMNS)}) VALUES ({placeholders})",  # noqa: S608
            values,
        )

    def events_of_type(self, *types: str) -> list[Event]:
        """Only some kinds of event: the log grows with every mail, decisions need few."""
        marks = ",".join("?" * len(types))
        sql = f"SELECT {','.join(_EVENT_COLUMNS)} FROM events WHERE type IN ({marks}) ORDER BY id"  # noqa: S608
        return [_event(row) for row in self.db.execute(sql, types)]

    def decision_facts(self, save: bool = True) -> dict[str, Facts]:
        """Each invoice's Facts for a decision pass, from the stored summaries.

        Invoices whose mails or decision events changed since (the store's triggers mark them
        stale) are summarised again first, in one transaction with clearing their marks.
        On 100,000 invoices this reads 100,000 rows instead of about 680,000 records.
        ``save=False`` (a dry run) summarises them in memory and writes nothing.
        """
        if save:
            with self.transaction():
                stale = [row[0] for row in self.db.execute("SELECT invoice FROM stale")]
                if stale:
                    self._save_summaries(self._facts_of(stale))
                    self.db.execute("DELETE FROM stale")
            stale = []
        else:
            stale = [row[0] for row in self.db.execute("SELECT invoice FROM stale")]
        found, damaged = self._read_summaries()
        other = [row[0] for row in self.db.execute(_OTHER_LAYOUTS, (SUMMARY_LAYOUT,))] + damaged
        if other:  # written by another mailbot, or damaged: summarise again
            fresh = dict(self._facts_of(other))
            if save:
                with self.transaction():
                    self._save_summaries(iter(fresh.items()))
            found.update(fresh)
        if stale:
            found.update(self._facts_of(stale))
        return found

    def _read_summaries(self) -> tuple[dict[str, Facts], list[str]]:
        """The stored summaries of this layout, and the invoices whose summary is damaged
        (a value of the wrong kind): one bad row never stops a pass."""
        found, damaged = {}, []
        read = from_summary
        for row in self.db.execute(_SUMMARIES, (SUMMARY_LAYOUT,)):
            try:
                found[row[0]] = read(*row)
            except (ValueError, TypeError, LookupError, ArithmeticError):  # (Decimal's too)
                damaged.append(row[0])
        return found, damaged

    def _save_summaries(self, facts: Iterator[tuple[str, Facts]]) -> None:
        self.db.executemany(
            _SAVE_SUMMARY,
            ({"invoice": key, "layout": SUMMARY_LAYOUT, **summary_of(known)} for key, known in facts),
        )

    def _facts_of(self, invoices: list[str]) -> Iterator[tuple[str, Facts]]:
        """Facts from the records, ``MANY`` invoices at a time: all of them on the first pass
        after an upgrade, the few that changed on the others."""
        for start in range(0, len(invoices), MANY):
            batch = invoices[start : start + MANY]
            with self._wanted(batch):
                found = group_facts(self.decision_outbox(wanted=True), self.decision_events(wanted=True))
            yield from ((key, found.get(key) or Facts()) for key in batch)

    @contextmanager
    def _wanted(self, invoices: Iterable[str]) -> Iterator[None]:
        """Queries with ``wanted=True`` read only these invoices' records: one query through
        a temporary table of their numbers, whether they are three or 20,000 (one query per
        invoice took 0.2 ms each)."""
        self.db.execute("CREATE TEMP TABLE IF NOT EXISTS wanted (invoice TEXT PRIMARY KEY)")
        self.db.execute("DELETE FROM temp.wanted")
        self.db.executemany("INSERT OR IGNORE INTO temp.wanted VALUES (?)", ((key,) for key in invoices))
        try:
            yield
        finally:
            self.db.execute("DELETE FROM temp.wanted")

    def decision_events(self, invoice: str | None = None, wanted: bool = False) -> list[Event]:
        """What the policy reads: replies, payments, pauses and resumes (not sent/note/error),
        and of them only what decisions use: a reply's detail only for a bounce (was it
        permanent?), a payment's always (amount and day); no Message-IDs.  Repeated words
        are one object each.  On 100,000 invoices this is a few hundred MB less.
        ``invoice``: only its events; ``wanted``: only those of ``_wanted``'s invoices."""
        same: dict[str, str] = {}
        rows = self._decision_rows(_DECISION_EVENTS, invoice, wanted)
        return [
            Event(same.setdefault(invoice, invoice), at, same.setdefault(type_, type_),
                  intent=intent and same.setdefault(intent, intent),
                  trusted=None if trusted is None else bool(trusted), until=until, detail=detail)
            for invoice, at, type_, intent, trusted, until, detail in rows
        ]  # fmt: skip

    def _decision_rows(self, query: str, invoice: str | None, wanted: bool = False) -> sqlite3.Cursor:
        """A decision query's rows in store order: all of them, one invoice's, or the wanted."""
        if wanted:
            return self.db.execute(query + _IN_WANTED + " ORDER BY id")
        if invoice is None:
            return self.db.execute(query + " ORDER BY id")
        return self.db.execute(query + " AND invoice = ? ORDER BY id", (invoice,))

    def decision_outbox(self, invoice: str | None = None, wanted: bool = False) -> list[MailRecord]:
        """Every row as decisions read it, repeated words one object each: on 100,000
        invoices a third of the memory of full rows.

        Decisions read a mail's time as ``sent_at or claimed_at``; a sent row carries its
        sending time in both (one string instead of two)."""
        same: dict[str, str] = {}
        rows = self._decision_rows(_DECISION_OUTBOX, invoice, wanted)
        return [
            MailRecord(same.setdefault(invoice, invoice), same.setdefault(kind, kind), step,
                       same.setdefault(status, status), sent_at or claimed_at, sent_at)
            for invoice, kind, step, status, claimed_at, sent_at in rows
        ]  # fmt: skip

    def records_of(self, invoices: set[str]) -> tuple[list[OutboxRow], list[Event]]:
        """These invoices' outbox rows (without stored mails) and decision events, each in
        store order (for sending: with Message-IDs)."""
        with self._wanted(invoices):
            where = "WHERE true" + _IN_WANTED + " ORDER BY id"
            return self._outbox(where, payload=False), self.decision_events(wanted=True)

    def max_step(self, invoice: str, kind: str) -> int:
        found = self.db.execute(
            "SELECT max(step) FROM outbox WHERE invoice = ? AND kind = ?", (invoice, kind)
        ).fetchone()[0]
        return found or 0

    def events(self, invoice: str | None = None) -> list[Event]:
        sql = f"SELECT {','.join(_EVENT_COLUMNS)} FROM events"  # noqa: S608
        rows = (
            self.db.execute(sql + " WHERE invoice = ? ORDER BY id", (invoice,))
            if invoice is not None
            else self.db.execute(sql + " ORDER BY id")
        )
        return [_event(row) for row in rows]

    # outbox -----------------------------------------------------------------

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

    def has_note(self, invoice: str, text: str) -> bool:
        found = self.db.execute(
            "SELECT 1 FROM events WHERE invoice = ? AND type = 'note' AND detail = ?",
            (invoice, text),
        )
        return found.fetchone() is not None

    def claimed(self) -> list[OutboxRow]:
        """Mails claimed but not yet sent: a crash or a transient failure left them."""
        return self._outbox("WHERE status = 'claimed' ORDER BY id")

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

    # inbox ------------------------------------------------------------------

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

    def record_reply(
        self, keys: list[str], events: list[Event], now: datetime, forward: Claim | None = None
    ) -> bool:
        """Mark a mail handled under all its keys, record its events and claim its forward
        to the owner (``forward``: its step is numbered here), in one transaction: a crash
        never leaves a reply recorded and handled without the owner's forward queued.

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
            return True

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


def _event(row: tuple) -> Event:
    data = dict(zip(_EVENT_COLUMNS, row, strict=True))
    if data["trusted"] is not None:
        data["trusted"] = bool(data["trusted"])
    return Event(**data)


def detail_json(**values: Any) -> str:
    """Structured detail for an event, kept as compact JSON text."""
    return json.dumps(values, ensure_ascii=False, sort_keys=True, default=str)
