"""Pure: sums of money and calendar days as payment notifications write them.

Amounts come in English and German notation ("1,190.00", "1.190,00 €", "EUR 1.190,00",
"1 190,00", "€1,190"): the last separator is the decimal one when one or two digits
follow it, a thousands one when three do.  An amount counts only with its currency
next to it (a symbol, an ISO 4217 code or "Euro"): a bare number in a notification is
an id, a quantity or a date, never money.  Days are read in the few shapes services
and banks print ("2026-12-06", "06.12.2026", "6. Dezember 2026", "Dec 6, 2026").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

MAX_AMOUNT = Decimal("99999999.99")  # more than this is no invoice payment: a hostile or broken mail

CODES = frozenset(
    [
        "EUR",
        "USD",
        "GBP",
        "CHF",
        "SEK",
        "NOK",
        "DKK",
        "PLN",
        "CZK",
        "HUF",
        "RON",
        "BGN",
        "RSD",
        "ISK",
        "JPY",
        "CAD",
        "AUD",
        "NZD",
        "SGD",
        "HKD",
        "CNY",
        "INR",
        "BRL",
        "MXN",
        "ZAR",
        "TRY",
        "ILS",
        "AED",
    ]
)
_SYMBOLS = {"€": "EUR", "£": "GBP", "$": "USD", "US$": "USD", "CA$": "CAD", "A$": "AUD", "C$": "CAD"}
_WORDS = {"euro": "EUR", "euros": "EUR", "franken": "CHF", "pfund": "GBP"}

_CODE = "|".join(sorted(CODES))
_CUR = rf"(?:US\$|CA\$|A\$|C\$|€|£|\$|\b(?:{_CODE})\b|\b[Ee]uros?\b|\bEURO\b)"
_NUM = r"\d{1,3}(?:(?:[.,'’]|[ \u00a0\u202f])\d{3}){1,4}(?:[.,]\d{1,2})?|\d{1,9}(?:[.,]\d{1,2})?"
_GAP = r"[ \t\u00a0\u202f]{0,3}"
_SIGN = r"[-−+]"  # only right before the number or symbol: "Zahlung – 5 €" is not minus 5
MONEY = re.compile(
    rf"(?P<sign1>{_SIGN})?(?:(?P<pre>{_CUR}){_GAP}(?P<sign2>{_SIGN})?)?"
    rf"(?<![\d.,])(?P<num>{_NUM})(?![\d]|[.,]\d)(?:{_GAP}(?P<post>{_CUR}))?"
)


@dataclass(frozen=True)
class Money:
    amount: Decimal  # as written; negative when a minus sign stands before it
    currency: str  # ISO 4217
    start: int  # where it stands in the text searched
    end: int


def currency_of(token: str) -> str:
    """ISO code of a symbol, code or word; "" for none."""
    token = token.strip()
    if token.upper() in CODES:
        return token.upper()
    return _SYMBOLS.get(token) or _WORDS.get(token.lower(), "")


def number(text: str) -> Decimal | None:
    """A number in English or German notation; None when it does not read as one."""
    digits = re.sub(r"[ '’\u00a0\u202f]", "", text)
    last = max(digits.rfind("."), digits.rfind(","))
    if last >= 0 and len(digits) - last - 1 in (1, 2):
        whole, fraction = digits[:last], digits[last + 1 :]
    else:
        whole, fraction = digits, ""
    whole = whole.replace(".", "").replace(",", "")
    try:
        return Decimal(f"{whole}.{fraction}" if fraction else whole)
    except InvalidOperation:
        return None


def money_in(text: str) -> list[Money]:
    """Every amount with its currency written next to it, in order."""
    found = []
    for hit in MONEY.finditer(text):
        pre, post = hit.group("pre") or "", hit.group("post") or ""
        currencies = {c for c in (currency_of(pre), currency_of(post)) if c}
        if pre == "$" and post and currency_of(post):
            currencies = {currency_of(post)}  # "$1,250.00 CAD": the dollar the code names
        if len(currencies) != 1:  # none, or "€ 5 USD": two different ones
            continue
        value = number(hit.group("num"))
        if value is None:
            continue
        if hit.group("sign1") or hit.group("sign2"):
            sign = (hit.group("sign1") or hit.group("sign2") or "").strip()
            value = -value if sign != "+" else value
        found.append(Money(value, currencies.pop(), hit.start(), hit.end()))
    return found


_MONTHS = {
    **dict.fromkeys(("january", "jan", "januar", "jänner"), 1),
    **dict.fromkeys(("february", "feb", "februar"), 2),
    **dict.fromkeys(("march", "mar", "märz", "mär", "maerz"), 3),
    **dict.fromkeys(("april", "apr"), 4),
    **dict.fromkeys(("may", "mai"), 5),
    **dict.fromkeys(("june", "jun", "juni"), 6),
    **dict.fromkeys(("july", "jul", "juli"), 7),
    **dict.fromkeys(("august", "aug"), 8),
    **dict.fromkeys(("september", "sep", "sept"), 9),
    **dict.fromkeys(("october", "oct", "oktober", "okt"), 10),
    **dict.fromkeys(("november", "nov"), 11),
    **dict.fromkeys(("december", "dec", "dezember", "dez"), 12),
}
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DATES = [
    (re.compile(r"\b(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})\b"), "ymd"),
    (re.compile(r"\b(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4}|\d{2})\b"), "dmy"),
    (re.compile(rf"\b(?P<d>\d{{1,2}})\.?\s+(?P<m>{_MONTH})\.?,?\s+(?P<y>\d{{4}})\b", re.I), "dMy"),
    (re.compile(rf"\b(?P<m>{_MONTH})\.?\s+(?P<d>\d{{1,2}}),?\s+(?P<y>\d{{4}})\b", re.I), "Mdy"),
]


def day_in(text: str) -> date | None:
    """The first day written in ``text`` in one of the shapes above."""
    best: tuple[int, date] | None = None
    for pattern, _ in _DATES:
        for hit in pattern.finditer(text):
            day = _day(hit)
            if day is not None:
                if best is None or hit.start() < best[0]:
                    best = (hit.start(), day)
                break
    return best[1] if best else None


def _day(hit: re.Match[str]) -> date | None:
    month = hit.group("m")
    number_of_month = int(month) if month.isdigit() else _MONTHS.get(month.lower(), 0)
    year = int(hit.group("y"))
    year += 2000 if year < 100 else 0
    try:
        return date(year, number_of_month, int(hit.group("d")))
    except ValueError:
        return None
