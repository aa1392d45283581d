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


class Said(NamedTuple):
    message: str
    values: tuple[tuple[str, Value], ...] = ()
    translated: tuple[str, ...] = ()  # values that are words themselves ("German"): translated too

    def english(self) -> str:
        """The message filled as it always read: ISO dates, amounts as written.  A message
        without values is as written (a line from elsewhere may hold a "%")."""
        if not self.values:
            return self.message
        return self.message % {name: _plain(value) for name, value in self.values}


def said(message: str, **values: Value) -> Said:
    """``Said`` with its values by name: ``said("%(money)s is no payment", money=...)``."""
    return Said(message, tuple(values.items()))


Value = str | int | date | Decimal | Said  # (a Said inside a Said: a sentence's clause)


def _plain(value: Value) -> str:
    if isinstance(value, Said):
        return value.english()
    return value.isoformat() if isinstance(value, date) else str(value)
