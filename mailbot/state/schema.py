"""The state file's tables, its triggers, and the steps that upgrade an older file.

``PRAGMA user_version`` holds the file's schema version; opening a ``Store`` runs each
missing step of ``MIGRATIONS`` in order, so a file of any older mailbot is upgraded in
place.  A change is a new step, never an edit of an old one (files of that version exist).

| version | what it brought |
| --- | --- |
| 1 | the event log and the outbox, unique on (invoice, kind, step) |
| 2 | the inbox: watermarks, mails handled; the outbox keeps prebuilt mails (forwards) |
| 3 | each invoice's summary for decisions, and the triggers that mark it stale |
| 4 | the summary as columns; only decision events mark an invoice stale |
| 5 | the summary as one marshal value (replaced by 6) |
| 6 | the summary as named columns (``summary.SUMMARY_COLUMNS``), lists as JSON text |
| 7 | ``summaries.seq``: a running service reads only the summaries saved since |
| 8 | the inbox's attempts: a message being read, counted before it is classified |
| 9 | ``held_back``: mail from strangers and bulk senders, forwarded at most once a day per sender |
| 10 | ``summaries.unsure``: the latest reply mailbot was not sure of, waiting for the owner |
| 11 | ``passes``: the service's passes (for ``mailbot health``); ``alerts``: what the owner was told once |
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "upgrade"]

SCHEMA_VERSION = 11

MIGRATIONS: dict[int, str] = {
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
    # 7: ``seq``, the order in which summaries were saved: a running service keeps what it
    # read and asks only for the summaries saved since (``Store.facts_saved_since``).
    7: """
    ALTER TABLE summaries ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX summaries_seq ON summaries (seq);
    """,
    # 8: a message's reading attempts, committed before it is classified and deleted once it
    # is handled: a row that stays says a pass died reading it (a kill leaves no exception).
    8: """
    CREATE TABLE inbox_attempts (
        message_key TEXT PRIMARY KEY,
        attempts INTEGER NOT NULL,
        first_at TEXT NOT NULL,
        last_at TEXT NOT NULL
    );
    """,
    # 9: mail from strangers, mailing lists and bulk senders that the owner should hear of:
    # the first of each sender a day (up to ``[inbox] forwards_per_day``) is forwarded, the
    # rest waits for the next day's digest (``digest`` is that digest's outbox step).
    # ``outbox_kept``: the stored mails (forwards' payloads) by age, for the retention.
    9: """
    CREATE TABLE held_back (
        id INTEGER PRIMARY KEY,
        day TEXT NOT NULL, at TEXT NOT NULL, sender TEXT NOT NULL, subject TEXT NOT NULL,
        reason TEXT NOT NULL, size INTEGER NOT NULL, forwarded INTEGER NOT NULL, digest INTEGER
    );
    CREATE INDEX held_back_today ON held_back (day, forwarded, sender);
    CREATE INDEX held_back_waiting ON held_back (day) WHERE digest IS NULL AND forwarded = 0;
    CREATE INDEX outbox_kept ON outbox (claimed_at) WHERE payload IS NOT NULL;
    """,
    # 10: the latest reply whose reading mailbot was not sure of (JSON text, ``summary.summary_of``):
    # the next reminder waits for the owner. ``summary.SUMMARY_LAYOUT`` 6: the summaries of
    # layout 5 are made again from the records (they could not know of it).
    10: """
    ALTER TABLE summaries ADD COLUMN unsure TEXT;
    """,
    # 11: each pass of the service (``mailbot run``): when it began and ended, how it went
    # and the interval it runs at, so that ``mailbot health`` (another process, read-only)
    # can say whether the worker is alive. Only the latest passes are kept.
    # ``alerts``: a condition the owner is told of once (a mail stuck, the inbox down, passes
    # failing): since when it holds, and when the owner was told; deleted when it is over.
    11: """
    CREATE TABLE passes (
        id INTEGER PRIMARY KEY,
        started_at TEXT NOT NULL,
        ended_at TEXT,
        outcome TEXT CHECK (outcome IN ('ok', 'failed')),
        detail TEXT,
        interval REAL NOT NULL
    );
    CREATE TABLE alerts (
        key TEXT PRIMARY KEY,
        since TEXT NOT NULL,
        told_at TEXT,
        detail TEXT NOT NULL
    );
    """,
}


def upgrade(db: sqlite3.Connection, path: Path) -> None:
    """Run the steps from the file's version to ``SCHEMA_VERSION``, inside the caller's write
    transaction: a second process opening the file at the same moment waits, then finds
    the schema current (no step runs twice).  A file from a newer mailbot is refused."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise RuntimeError(f"{path}: state schema {version} is newer than this mailbot ({SCHEMA_VERSION})")
    for target in range(version + 1, SCHEMA_VERSION + 1):
        for statement in MIGRATIONS[target].split(";\n"):  # (a trigger has ";" inside)
            if statement.strip():
                db.execute(statement)
        db.execute(f"PRAGMA user_version = {target}")
