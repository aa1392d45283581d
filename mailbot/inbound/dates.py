"""Pure: find the date a reply names ("on Friday", "bis zum 15.", "ensi viikolla"),
resolved against the reply's own ``Date`` header.

Explicit patterns in the five languages (numbers, month names, weekdays,
words like "tomorrow"), not ``dateparser``: on free text it finds dates in
words like "we" (Wednesday), reads "4.12." as a time and misses Serbian
month names; these patterns are few, and each is tested.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta
from functools import cache

WEEKDAYS = {
    0: [
        "monday",
        "montag",
        "maanantai",
        "ponedeljak",
        "ponedeljk",
        "понедељак",
        "понедељк",
        "lundi",
    ],
    1: ["tuesday", "dienstag", "tiistai", "utorak", "utork", "уторак", "уторк", "mardi"],
    2: ["wednesday", "mittwoch", "keskiviikko", "sreda", "sred", "среда", "сред", "mercredi"],
    3: ["thursday", "donnerstag", "torstai", "četvrtak", "četvrtk", "четвртак", "четвртк", "jeudi"],
    4: ["friday", "freitag", "perjantai", "petak", "petk", "петак", "петк", "vendredi"],
    5: ["saturday", "samstag", "lauantai", "subota", "subot", "субота", "субот", "samedi"],
    6: ["sunday", "sonntag", "sunnuntai", "nedelja", "nedelj", "недеља", "недељ", "dimanche"],
}
_RELATIVE_DAYS = {
    0: r"today|heute|tänään|danas|данас|aujourd'hui",
    1: r"tomorrow|morgen|huomenna|sutra|сутра|demain",
    2: r"übermorgen|ylihuomenna|prekosutra|прекосутра|après-demain",
}
_NEXT_WEEK = (
    r"next\s+week|nächste[nr]?\s+woche|kommende[nr]?\s+woche|ensi\s+viikolla|"
    r"sledeće\s+nedelje|sledeće\s+sedmice|следеће\s+недеље|следеће\s+седмице|"
    r"la\s+semaine\s+prochaine|semaine\s+prochaine"
)
_END_OF_MONTH = (
    r"end\s+of\s+(?:the\s+)?month|monatsende|ende\s+des\s+monats|ende\s+(?:des\s+)?monat|"
    r"kuun\s+lopussa|kuun\s+loppuun|krajem\s+meseca|крајем\s+месеца|fin\s+du\s+mois"
)
_IN_WEEKS = re.compile(
    r"\b(?:in|within|innerhalb\s+von|binnen|za|dans)\s+(\d{1,2}|two|zwei|deux|dva|две)\s+"
    r"(weeks?|wochen|semaines|nedelje|недеље|sedmice)\b",
    re.IGNORECASE,
)
_NUMBERS = {"two": 2, "zwei": 2, "deux": 2, "dva": 2, "две": 2}
_ISO = re.compile(r"\b(20\d\d)-(\d\d)-(\d\d)\b")
_DOTTED = re.compile(r"(?<![\d.])(\d{1,2})\.\s?(\d{1,2})\.(?:\s?(20\d\d|\d\d)\b\.?)?")
_DAY_OF_MONTH = re.compile(
    r"\b(?:by|on|until|till|bis(?:\s+zum)?|am|zum|до|do|le|avant\s+le|jusqu'au)\s+(?:the\s+)?"
    r"(\d{1,2})(?:st|nd|rd|th|\.|er)?(?!\s*[./]?\s*\d)(?!\s*(?:%|€|eur|h\b|uhr|:))",
    re.IGNORECASE,
)
_FI_DAY = re.compile(r"\b(\d{1,2})\.\s*päivä", re.IGNORECASE)
# Month names by prefix, in the five languages (Serbian in both scripts, declined forms
# included by prefix). Longer prefixes first: "marras" (Finnish November) before "mar".
_MONTHS = [
    ("marras", 11),
    ("tammi", 1),
    ("helmi", 2),
    ("maalis", 3),
    ("huhti", 4),
    ("touko", 5),
    ("kesä", 6),
    ("heinä", 7),
    ("elo", 8),
    ("syys", 9),
    ("loka", 10),
    ("joulu", 12),
    ("janv", 1),
    ("févr", 2),
    ("fév", 2),
    ("avr", 4),
    ("juil", 7),
    ("juin", 6),
    ("août", 8),
    ("déc", 12),
    ("märz", 3),
    ("mär", 3),
    ("jan", 1),
    ("feb", 2),
    ("mar", 3),
    ("apr", 4),
    ("may", 5),
    ("mai", 5),
    ("maj", 5),
    ("jun", 6),
    ("jul", 7),
    ("aug", 8),
    ("avg", 8),
    ("sep", 9),
    ("oct", 10),
    ("okt", 10),
    ("nov", 11),
    ("dec", 12),
    ("dez", 12),
    ("јан", 1),
    ("феб", 2),
    ("мар", 3),
    ("апр", 4),
    ("мај", 5),
    ("јун", 6),
    ("јул", 7),
    ("авг", 8),
    ("сеп", 9),
    ("окт", 10),
    ("нов", 11),
    ("дец", 12),
]
_WORD = "(?:" + "|".join(prefix for prefix, _ in _MONTHS) + r")[^\W\d_]{0,9}"
_NAMED = re.compile(
    rf"\b(\d{{1,2}})(?:st|nd|rd|th|er)?\.?\s*(?:de\s+|of\s+)?({_WORD})\.?(?:\s+(20\d\d))?"
    rf"|\b({_WORD})\.?\s+(?:the\s+)?(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(20\d\d))?",
    re.IGNORECASE,
)


def month_of(word: str) -> int | None:
    word = word.lower()
    return next((number for prefix, number in _MONTHS if word.startswith(prefix)), None)


def find_date(text: str, sent: date) -> tuple[date, str] | None:
    """The first date the text names, with the words that named it.

    A calendar date ("4.12.", "10 décembre") wins over a vaguer phrase ("le 10",
    "Friday") in the same text: it is what the sender looked up.
    """
    for finders in (_CALENDAR, _RELATIVE):
        found = [hit for finder in finders if (hit := finder(text, sent)) is not None]
        if found:
            return min(found, key=lambda hit: hit[2])[:2]  # the one written first
    return None


def date_hits(text: str, sent: date) -> list[tuple[date, int]]:
    """Every calendar date in the text with where it stands, in reading order."""
    hits = []
    for match in _ISO.finditer(text):
        hits += [(d, match.start()) for d in _safe(int(match[1]), int(match[2]), int(match[3]))]
    for match in _DOTTED.finditer(text):
        hits += [(d, match.start()) for d in _dotted(match, sent)]
    for match in _NAMED.finditer(text):
        found = _named(match, sent)
        if found:
            hits.append((found, match.start()))
    return sorted(hits, key=lambda hit: hit[1])


def _safe(year: int, month: int, day: int) -> list[date]:
    try:
        return [date(year, month, day)]
    except ValueError:
        return []


def _dotted(match: re.Match, sent: date) -> list[date]:
    day, month, year = int(match[1]), int(match[2]), match[3]
    if year:
        full = int(year) + (2000 if len(year) == 2 else 0)
        return _safe(full, month, day)
    candidates = _safe(sent.year, month, day) or []
    if candidates and candidates[0] < sent - timedelta(days=60):
        candidates = _safe(sent.year + 1, month, day)  # "4.1." written in December
    return candidates


def _iso_hit(text: str, sent: date):
    match = _ISO.search(text)
    if match:
        dates = _safe(int(match[1]), int(match[2]), int(match[3]))
        return (dates[0], match[0], match.start()) if dates else None
    return None


def _dotted_hit(text: str, sent: date):
    for match in _DOTTED.finditer(text):
        if re.match(r"\d{1,2}\.\d{2}\s*(uhr|h\b|klo)", match[0] + text[match.end() : match.end() + 4], re.I):
            continue
        dates = _dotted(match, sent)
        if dates:
            return dates[0], match[0].strip(), match.start()
    return None


def _named_hit(text: str, sent: date):
    for match in _NAMED.finditer(text):
        found = _named(match, sent)
        if found:
            return found, match[0].strip(), match.start()
    return None


def _named(match: re.Match, sent: date) -> date | None:
    """ "10 décembre", "15. децембра", "December 10, 2026", "1 December"."""
    if match[1]:
        day, word, year = match[1], match[2], match[3]
    else:
        word, day, year = match[4], match[5], match[6]
    month = month_of(word)
    if month is None or len(word) > 12:
        return None
    if year:
        found = _safe(int(year), month, int(day))
    else:
        found = _safe(sent.year, month, int(day))
        if found and found[0] < sent - timedelta(days=60):
            found = _safe(sent.year + 1, month, int(day))
    return found[0] if found else None


def _weekday_hit(text: str, sent: date):
    pattern = _weekday_pattern()
    match = pattern.search(text)
    if not match:
        return None
    word = match[1].lower()
    target = next(day for day, words in WEEKDAYS.items() if any(word.startswith(w) for w in words))
    ahead = (target - sent.weekday()) % 7 or 7
    if re.search(r"next|nächste|kommende|ensi|sledeć|следећ|prochain", match[0], re.I):
        ahead += 7 if ahead < 7 and sent.weekday() < target else 0
    return sent + timedelta(days=ahead), match[0].strip(), match.start()


@cache
def _weekday_pattern() -> re.Pattern:
    words = sorted((w for ws in WEEKDAYS.values() for w in ws), key=len, reverse=True)
    prefix = r"(?:(?:next|nächsten|kommenden|ensi|sledeć\w*|следећ\w*|this|diesen)\s+)?"
    return re.compile(rf"{prefix}\b({'|'.join(words)})\w*", re.IGNORECASE)


def _relative_hit(text: str, sent: date):
    hits = []
    for days, pattern in _RELATIVE_DAYS.items():
        match = re.search(rf"(?<![\w-])(?:{pattern})(?![\w-])", text, re.IGNORECASE)
        if match:
            hits.append((sent + timedelta(days=days), match[0], match.start()))
    match = re.search(rf"\b(?:{_NEXT_WEEK})\b", text, re.IGNORECASE)
    if match:
        monday = sent + timedelta(days=7 - sent.weekday())
        hits.append((monday, match[0], match.start()))
    match = re.search(rf"\b(?:{_END_OF_MONTH})\b", text, re.IGNORECASE)
    if match:
        last = calendar.monthrange(sent.year, sent.month)[1]
        hits.append((sent.replace(day=last), match[0], match.start()))
    match = _IN_WEEKS.search(text)
    if match:
        count = _NUMBERS.get(match[1].lower()) or int(match[1])
        hits.append((sent + timedelta(weeks=count), match[0], match.start()))
    return min(hits, key=lambda h: h[2]) if hits else None


def _day_of_month_hit(text: str, sent: date):
    match = _DAY_OF_MONTH.search(text) or _FI_DAY.search(text)
    if not match:
        return None
    day = int(match[1])
    if not 1 <= day <= 31:
        return None
    year, month = sent.year, sent.month
    if day < sent.day:  # "by the 15th" on the 20th: next month's
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    day = min(day, calendar.monthrange(year, month)[1])
    return date(year, month, day), match[0].strip(), match.start()


_CALENDAR = (_iso_hit, _dotted_hit, _named_hit)
_RELATIVE = (_weekday_hit, _relative_hit, _day_of_month_hit)
