"""The event log: what happened to each invoice (sent, reply, payment, pause, resume, note,
error), appended and never changed; decisions read few kinds of it, ``history`` all."""

from __future__ import annotations

import json
from typing import Any

from mailbot.records.language import MACHINE_INTENTS, ReplyLanguage
from mailbot.records.rows import _EVENT_COLUMNS, Event
from mailbot.state.connection import Connection


class Events(Connection):
    """The ``Store``'s event-log methods."""

    def add_event(self, event: Event) -> None:
        with self.transaction():
            self._insert_event(event)

    def add_events(self, events: list[Event]) -> None:
        """Several events as one: all stored or none (one bank entry paying several invoices)."""
        with self.transaction():
            for event in events:
                self._insert_event(event)

    def _insert_event(self, event: Event) -> None:
        """Inside the caller's transaction: with a claim or an outcome, never apart."""
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

    def events(self, invoice: str | None = None) -> list[Event]:
        sql = f"SELECT {','.join(_EVENT_COLUMNS)} FROM events"  # noqa: S608
        rows = (
            self.db.execute(sql + " WHERE invoice = ? ORDER BY id", (invoice,))
            if invoice is not None
            else self.db.execute(sql + " ORDER BY id")
        )
        return [_event(row) for row in rows]

    def events_since(self, at: str, *types: str) -> list[Event]:
        """The events of ``types`` recorded after ``at`` (a stored UTC time), oldest first:
        what the owner's daily digest reports (read once a day, so a scan is fine).  Strictly
        after: the last digest was built in its pass, with that second's events."""
        marks = ",".join("?" * len(types))
        sql = f"SELECT {','.join(_EVENT_COLUMNS)} FROM events WHERE at > ? AND type IN ({marks}) ORDER BY id"  # noqa: S608
        return [_event(row) for row in self.db.execute(sql, (at, *types))]

    def reply_languages(self) -> list[ReplyLanguage]:
        """The ``reply`` events whose detail names a language, as learning a client's language
        reads them.  SQLite picks them and their fields (``detail_json`` writes
        ``"language": "fi"``; a null or absent one is left out): no JSON parsed in Python."""
        sql = (
            "SELECT json_extract(detail, '$.client'), json_extract(detail, '$.language'), trusted,"
            " json_extract(detail, '$.auto'), intent, at FROM events WHERE type = 'reply'"
            """ AND detail LIKE '%"language": "%' ORDER BY id"""
        )
        return [
            ReplyLanguage(client or "", language, bool(trusted), bool(auto) or intent in MACHINE_INTENTS, at)
            for client, language, trusted, auto, intent, at in self.db.execute(sql)
        ]

    def notes_under(self, prefix: str) -> set[str]:
        """The keys starting with ``prefix`` that carry a note (a suggestion made once)."""
        found = self.db.execute(
            "SELECT DISTINCT invoice FROM events WHERE type = 'note' AND substr(invoice, 1, ?) = ?",
            (len(prefix), prefix),
        )
        return {row[0] for row in found}

    def has_note(self, invoice: str, text: str) -> bool:
        found = self.db.execute(
            "SELECT 1 FROM events WHERE invoice = ? AND type = 'note' AND detail = ?",
            (invoice, text),
        )
        return found.fetchone() is not None


def _event(row: tuple) -> Event:
    data = dict(zip(_EVENT_COLUMNS, row, strict=True))
    if data["trusted"] is not None:
        data["trusted"] = bool(data["trusted"])
    return Event(**data)


def detail_json(**values: Any) -> str:
    """Structured detail for an event, kept as compact JSON text."""
    return json.dumps(values, ensure_ascii=False, sort_keys=True, default=str)
