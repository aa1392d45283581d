"""The client's language: translations from ``.po`` files and Babel formats.

Words live in ``templates/locale/<lang>/LC_MESSAGES/mailbot.po`` (English is
the source language and needs none); the owner's ``[templates] dir`` may
replace them (``sources.py``).  Numbers and dates follow the client's
locale; number formatting is done by Babel once per locale and currency and
then reused, because calling Babel per amount costs about 10 us each and an
invoice has dozens of amounts.
"""

from __future__ import annotations

import gettext
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, get_currency_precision
from babel.support import Translations

DEFAULT_LANGUAGE = "en"
# A bare "en" reads best with day-month-year dates and a 24-hour clock.
_DEFAULT_REGION = {"en": "en_GB", "sr": "sr_Latn"}


# Where a language's long dates cannot stand in a sentence, its numeric form stands in:
# Finnish and Serbian month names come in the nominative ("14. joulukuuta 2026" is fine
# alone, but "viimeistään maanantai 14. joulukuuta" and "do 14. decembar" are not), while
# "14.12.2026" and "14. 12. 2026." read right after any word.  French subjects get the
# short, unambiguous "14/12/2026" instead of "14 déc. 2026".
_DATE_STYLE = {
    ("fi", "full"): "medium",
    ("fi", "long"): "medium",
    ("sr", "full"): "medium",
    ("sr", "long"): "medium",
    ("fr", "medium"): "short",
}


def babel_locale(language: str) -> Locale:
    """``de-AT`` -> ``de_AT``; ``en`` -> ``en_GB``; ``sr``/``sr-RS`` -> Latin script,
    ``sr-Cyrl`` -> Cyrillic; unknown -> English."""
    tag = language.replace("-", "_")
    parts = tag.split("_")
    if parts[0] == "sr" and len(parts) == 2 and len(parts[1]) == 2:
        tag = f"sr_Latn_{parts[1]}"  # Babel's bare sr_RS is Cyrillic; sr means Latin here
    try:
        return Locale.parse(_DEFAULT_REGION.get(tag, tag))
    except (UnknownLocaleError, ValueError):
        return Locale.parse(_DEFAULT_REGION[DEFAULT_LANGUAGE])


def base_language(language: str, available: frozenset[str]) -> str:
    """The translation to use: ``de-AT`` uses ``de``; an unknown one falls back to English."""
    tag = language.replace("-", "_")
    for candidate in (tag, tag.split("_")[0]):
        if candidate in available:
            return candidate
    return DEFAULT_LANGUAGE


def load_translations(po_path: Path | None, language: str) -> gettext.NullTranslations:
    """Compile the ``.po`` file in memory, so no build step stands between edit and send.

    A broken file raises ``PoFileError`` (with its line): a wrong translation is never
    sent half-read."""
    if po_path is None:
        return gettext.NullTranslations()
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=language.replace("-", "_"), abort_invalid=True)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


_GROUPED = tuple(f",.{digits}f" for digits in range(8))  # format specs by decimal places


@dataclass(frozen=True)
class _CurrencyShape:
    prefix: str
    suffix: str
    digits: int


class Formatter:
    """Locale-aware numbers and dates, fast enough for thousands of mails."""

    def __init__(self, locale: Locale):
        self.locale = locale
        symbols = locale.number_symbols.get("latn", locale.number_symbols)
        self.decimal = symbols.get("decimal", ".")
        self.group = symbols.get("group", ",")
        pattern = locale.decimal_formats.get(None)
        self.simple = pattern is not None and pattern.grouping == (3, 3)
        # Python writes "1,234.5"; one C call puts this locale's symbols in (a mail has ~50).
        self._symbols = (
            None
            if (self.group, self.decimal) == (",", ".")
            else str.maketrans({",": self.group, ".": self.decimal})
        )

    def number(self, value: Decimal, digits: int | None = None) -> str:
        """Grouped decimal; ``digits=None`` keeps the value's own (at least none)."""
        if digits is None:
            exponent = value.normalize().as_tuple().exponent
            digits = max(0, -exponent) if isinstance(exponent, int) else 0
        if not self.simple:
            fmt = "#,##0" + ("." + "0" * digits if digits else "")
            return self._babel_decimal(value, fmt)
        text = format(value, _GROUPED[digits] if digits < len(_GROUPED) else f",.{digits}f")
        return text if self._symbols is None else text.translate(self._symbols)

    def _babel_decimal(self, value: Decimal, fmt: str) -> str:
        from babel.numbers import format_decimal

        return format_decimal(value, format=fmt, locale=self.locale, decimal_quantization=False)

    def money(self, value: Decimal, currency: str) -> str:
        """``€1,234.50`` in en_GB, ``1.234,50 €`` in de."""
        shape = self._shape(currency)
        sign = "-" if value < 0 else ""
        return f"{sign}{shape.prefix}{self.number(abs(value), shape.digits)}{shape.suffix}"

    def amount(self, value: Decimal, currency: str) -> str:
        """The bare amount with the currency's minor digits (for tables and subjects)."""
        return self.number(value, get_currency_precision(currency))

    def percent(self, value: Decimal) -> str:
        # German, French and Finnish write "19 %"; Serbian, like English, "19%" (CLDR agrees).
        return self.number(value) + ("\u00a0%" if self.locale.language in ("de", "fr", "fi") else "%")

    def date(self, value: date, style: str = "long") -> str:
        style = _DATE_STYLE.get((self.locale.language, style), style)
        return _format_date(value, style, self.locale)

    def _shape(self, currency: str) -> _CurrencyShape:
        return _currency_shape(self.locale, currency, self)


@cache
def _currency_shape(locale: Locale, currency: str, formatter: Formatter) -> _CurrencyShape:
    digits = get_currency_precision(currency)
    sample = format_currency(Decimal(1), currency, locale=locale)
    number = formatter.number(Decimal(1), digits)
    prefix, _, suffix = sample.partition(number)
    return _CurrencyShape(prefix, suffix, digits)


# French writes the first of a month as an ordinal, "1er décembre 2026"; CLDR's patterns
# cannot say so (only the numeric "01/12/2026" stays as it is).
_FIRST_DAY = re.compile(r"(?<!\d)1(?=\s)")


@lru_cache(maxsize=4096)
def _format_date(value: date, style: str, locale: Locale) -> str:
    """Invoices share few dates; Babel's formatting is the slow part of a context."""
    text = format_date(value, format=style, locale=locale)
    if locale.language == "fr" and value.day == 1:
        text = _FIRST_DAY.sub("1er", text, count=1)
    return text


@cache
def formatter_for(language: str) -> Formatter:
    return Formatter(babel_locale(language))


_BEFORE_STOP = re.compile(r"%\((\w+)\)s\.")


@lru_cache(maxsize=1024)
def names_before_stop(message: str) -> tuple[str, ...]:
    """The placeholders a translation puts right before a full stop: ``"do %(date)s."``."""
    return tuple(_BEFORE_STOP.findall(message))


def fill(message: str, values: Mapping[str, Any]) -> str:
    """``message % values``, without a double full stop where a value already ends in one.

    Serbian dates end in a full stop ("14. 12. 2026."), and so do abbreviations
    ("Kaiser & Co."); a sentence that ends with one gets no second stop ("do 14. 12. 2026.",
    never "2026..")."""
    for name in names_before_stop(message):
        value = values.get(name)
        if isinstance(value, str) and value.endswith("."):
            values = {**values, name: value[:-1]}
    return message % values
