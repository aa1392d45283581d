"""Pure: a sentence for the owner, kept as its English message and its values.

A decision that tells the owner something (an overpayment, an invoice mailed late, a
client's language) is made before anyone asks in which language: it keeps the message
(the ``.po`` msgid, English, with named ``%(amount)s`` placeholders) and the values as
they are (dates, amounts), and the mail to the owner (``service.claims``) puts both in
the owner's language.  ``english()`` is the record: the note event and the log keep it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import NamedTuple

Value = str | int | date | Decimal


class Said(NamedTuple):
    message: str
    values: tuple[tuple[str, Value], ...] = ()
    translated: tuple[str, ...] = ()  # values that are words themselves ("German"): translated too

    def english(self) -> str:
        """The message filled as it always read: ISO dates, amounts as written."""
        return self.message % {name: _plain(value) for name, value in self.values}


def _plain(value: Value) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)
