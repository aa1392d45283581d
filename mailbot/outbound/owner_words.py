"""The owner's language (``[business] language``) for the mails mailbot writes to the owner.

Forwards, notices, alerts and the held-back digest are built as plain text by the stage
that knows what happened (``inbound.forward``, ``service.alerts`` ...).  Each takes an
``OwnerWords``: the owner's translations and formats, handed in, so those functions stay
pure.  The words are the same ``.po`` catalogs as the clients' mails (msgids in English,
named ``%(invoice)s`` placeholders), so an owner's ``[templates] dir`` translates them too.
Commands, invoice numbers, addresses, the client's own words and the ``[mailbot]`` subject
prefix are values, never translated: the owner types the commands and filters on the prefix.
"""

from __future__ import annotations

import gettext
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from mailbot.config.settings import Settings
from mailbot.outbound.i18n import (
    DEFAULT_LANGUAGE,
    Formatter,
    base_language,
    fill,
    formatter_for,
)
from mailbot.outbound.sources import Sources, catalog
from mailbot.records.said import Said, Value

# The kinds of mail mailbot sends, as the owner's mails name them (the daily digest's words).
KIND_WORDS = {"invoice": "invoice", "reminder": "reminder", "final": "final notice", "ack": "acknowledgment",
              "receipt": "receipt"}  # fmt: skip


def N_(message: str) -> str:
    """Marks a message for translation where it is written; ``OwnerWords`` translates it
    where it is used (a table of reasons is built before anyone knows the owner's language)."""
    return message


class OwnerWords:
    """``words("... %(invoice)s ...", invoice=...)``: a message in the owner's language,
    filled with values; dates and amounts in the owner's locale."""

    def __init__(self, translations: gettext.NullTranslations, language: str = DEFAULT_LANGUAGE):
        self.translations = translations
        self.language = language
        self.fmt: Formatter = formatter_for(language)

    def __call__(self, message: str, **values: Any) -> str:
        words = self.translations.gettext(message)
        return fill(words, values) if values else words

    def plural(self, singular: str, plural: str, num: int, **values: Any) -> str:
        """A message with a count: ``num`` is its ``%(num)s``, written with the locale's grouping."""
        words = self.translations.ngettext(singular, plural, num)
        return fill(words, {"num": self.fmt.number(Decimal(num)), **values})

    def date(self, day: date) -> str:
        """ "18 Dec 2026", "18.12.2026", "18. 12. 2026.": readable after any word."""
        return self.fmt.date(day, "medium")

    def moment(self, moment: datetime) -> str:
        """A time as the owner reads it: the day in the locale, then hours and minutes (UTC
        unless ``moment`` carries another zone)."""
        return f"{self.date(moment.date())} {moment:%H:%M}"

    def money(self, amount: Decimal, currency: str) -> str:
        return self.fmt.money(amount, currency) if currency else str(amount)

    def said(self, said: Said) -> str:
        """A decision's sentence (``records.said``) in the owner's language: dates and
        numbers in the locale, the values that are words translated too."""
        if not said.values:
            return self(said.message)
        return self(said.message, **{name: self._value(name, value, said) for name, value in said.values})

    def _value(self, name: str, value: Value, said: Said) -> str:
        if isinstance(value, Said):
            return self.said(value)
        if isinstance(value, date):
            return self.date(value)
        if isinstance(value, int):
            return self.fmt.number(Decimal(value))
        if isinstance(value, Decimal):  # (with its own places: "10.00" stays "10,00", not "10")
            exponent = value.as_tuple().exponent
            return self.fmt.number(value, max(0, -exponent) if isinstance(exponent, int) else None)
        return self(value) if name in said.translated else value


ENGLISH = OwnerWords(gettext.NullTranslations())


def owner_words(sources: Sources, language: str) -> OwnerWords:
    """The owner's words from the shipped catalogs and the owner's ``[templates] dir``
    (``sources``): read once per language and version of the owner's folder."""
    lang = base_language(language, sources.languages)
    if lang == DEFAULT_LANGUAGE:
        return OwnerWords(gettext.NullTranslations(), language)
    return OwnerWords(catalog(sources, lang), language)


def for_owner(settings: Settings) -> OwnerWords:
    """The words of ``[business] language`` for a mail to the owner (forwards, notices, alerts)."""
    return owner_words(Sources.of(settings.templates_dir), settings.business.language)
