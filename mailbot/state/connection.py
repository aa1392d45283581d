"""The SQLite connection every part of the ``Store`` shares, and its write transaction.

The store's parts (``events``, ``outbox``, ``inbox``, ``decision_reads``, ``summaries``)
are mixins over this class: each holds the queries of one table or one use, all of
them run on the one connection opened here, in the transactions made here.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Self

# Appended to a query of a table with an ``invoice`` column: only the invoices of ``wanted``.
IN_WANTED = " AND invoice IN (SELECT invoice FROM temp.wanted)"


class Connection:
    """An SQLite file opened for mailbot: WAL (readers never wait for the worker), writes in
    ``BEGIN IMMEDIATE`` transactions, and a long busy timeout for a second process."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite3.connect(path, isolation_level=None, timeout=30)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA busy_timeout=30000")

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

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

    @contextmanager
    def _wanted(self, invoices: Iterable[str]) -> Iterator[None]:
        """Queries ending in ``IN_WANTED`` read only these invoices' records: one query through
        a temporary table of their numbers, whether they are three or 20,000 (one query per
        invoice adds up to seconds on a backlog)."""
        self.db.execute("CREATE TEMP TABLE IF NOT EXISTS wanted (invoice TEXT PRIMARY KEY)")
        self.db.execute("DELETE FROM temp.wanted")
        self.db.executemany("INSERT OR IGNORE INTO temp.wanted VALUES (?)", ((key,) for key in invoices))
        try:
            yield
        finally:
            self.db.execute("DELETE FROM temp.wanted")
