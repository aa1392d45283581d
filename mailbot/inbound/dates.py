"""Pure: the dates a reply names ("on Friday", "bis zum 15.", "ensi viikolla",
"do kraja meseca", "le quinze décembre"), resolved against the reply's own ``Date``.

``promised_date`` is the day a promise to pay names: of several dates, the one
nearest a paying word; never a past day, an invoice's own date ("your invoice of
23.11.") or the end of an absence ("away until the 14th").  ``return_day`` is an
out-of-office's return ("until X" is the day after X), ``date_hits`` every day named.

Readings chosen where a phrase is open: "next Tuesday" is the Tuesday of next
calendar week; "next week" its Monday; "end of the week" this week's Friday;
"by the 15th" the next 15th not yet past; a day without a year this year's, or next
year's when that is under half a year ahead; "15/12" day first, and in English (or
an unknown language) "12/15" too, the nearer day ahead when both read; "sous
huitaine" seven days (French counts a week as eight days).

Explicit patterns over the vocabulary in ``date_words``, not ``dateparser``.
Measured (dateparser 1.5.0, ``search_dates`` with the language given): 4 to 23 ms
a 300-character reply against under 0.5 ms here; it read "We" and "we may" as
dates, German "die" and "Mit" as weekdays, "23.11" and "14.30 Uhr" as times of
the mail's day, "0711" (a phone prefix) as the year 711; it missed "do petka" and
"le quinze décembre".  Before any pattern runs, times, amounts, percentages,
phone and invoice numbers are blanked out (same length, so positions hold), so
none of them reads as a date.

Phrases that name no single day ("early January", "before Christmas", "our next
payment run" without its day, "this week") are found too, as dateless hits: a
promise tied to one of them has no date rather than a guessed one.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from typing import NamedTuple

from mailbot.inbound import date_words as W


class Hit(NamedTuple):
    day: date | None  # None: a phrase that names no single day
    start: int
    end: int
    words: str
    exact: bool  # a calendar date (4.12., 15 December) rather than a relative phrase


def _alt(words: list[str] | dict | tuple) -> str:
    """Longest first, spaces as any whitespace."""
    ordered = sorted(set(words), key=len, reverse=True)
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in ordered)


_I = re.IGNORECASE
_B, _E = r"(?<![\w'’-])", r"(?![\w-])"  # word edges that keep "morgen" out of "übermorgen"
_TOKEN = re.compile(r"[^\W_]+|[€$£+#]")


_READ_AT_MOST = 3000  # characters: a reply's dates stand near its start; a hostile one is long


class _Read(NamedTuple):
    text: str  # as written, for the words a hit quotes
    low: str  # lowercased, traps blanked out
    where: dict[str, list[int]]  # each word of ``low`` -> where it starts
    digits: list[int]  # where a number starts


def _read(text: str) -> _Read:
    text = text[:_READ_AT_MOST]
    low = text.lower()
    if len(low) != len(text):  # "İ" lowercases to two characters: keep positions
        low = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    where: dict[str, list[int]] = {}
    for m in _TOKEN.finditer(low):
        where.setdefault(m[0], []).append(m.start())
    digits = [at for word, ats in where.items() if word[0].isdigit() for at in ats]
    spans = [m.span() for m in _TRAPS.finditer(_Read(text, low, where, digits))]
    gone = set()
    for start, end in spans:
        for m in _TOKEN.finditer(low, start, end):
            at, whole = m.start(), _TOKEN.match(low, m.start())  # the whole word if the span ends inside it
            word = whole[0] if whole else m[0]
            if at in where.get(word, ()):
                where[word].remove(at)
            gone.add(at)
        low = low[:start] + " " * (end - start) + low[end:]
    return _Read(text, low, where, [at for at in digits if at not in gone] if gone else digits)


class _Anchored:
    """A pattern (on lowercased text) tried only where a token that can start it stands.

    Python's ``re`` tries every branch of a long word alternation at every position:
    about 0.5 ms a pattern on a 300-character reply.  Trying it only at the few words
    that can begin it costs a set look-up a word.
    """

    def __init__(self, pattern: str, firsts: Iterable[str], digits: bool = False) -> None:
        self.pattern = re.compile(pattern)
        self.firsts = frozenset(_TOKEN.findall(word.lower())[0] for word in firsts)
        self.digits = digits

    def finditer(self, read: _Read) -> Iterator[re.Match]:
        starts = [at for word in self.firsts.intersection(read.where) for at in read.where[word]]
        if self.digits:
            starts += read.digits
        end = 0
        for start in sorted(starts):
            if start >= end:
                match = self.pattern.match(read.low, start)
                if match:
                    end = match.end()
                    yield match


# fmt: off
# --- traps, blanked before reading: times, amounts, percentages, phones, invoice numbers ---
_TRAPS = _Anchored(
    r"(?:\bklo|\bkello|\bum|\bat|\bà|\bvers|\bgegen|\bab|\boko|\bоко|\bu|\bу)\s+\d{1,2}[.:]\d{2}(?![.\d])"
    r"|\b\d{1,2}[.:]\d{2}\s*(?:uhr|h\b|am\b|pm\b|sati|часова|часа|časova)"
    r"|\b\d{1,2}:\d{2}\b|\b\d{1,2}h\d{2}\b"
    r"|(?:€|\$|£|\beur\b|\busd\b|\bchf\b|\brsd\b|\bdin\.?)\s?\d[\d.,' ]{0,15}\d"
    r"|\b\d[\d.,' ]{0,15}\s?(?:€|\$|£|eur\b|euro\w*|eura|евра|usd\b|chf\b|rsd\b|din\w*|дин\w*|kn\b)"
    r"|\b\d{1,3}(?:[.' ]\d{3}){1,4}(?:,\d{1,2})?\b|\b\d+,\d{2}\b"
    r"|\b\d+(?:[.,]\d+)?\s?(?:%|prozent\b|percent\b|prosent\w*|pour\s?cent|posto\b|процен\w*)"
    r"|\+\d{1,3}[\s.-]?(?:\(?\d{1,4}\)?[\s.-]?){2,5}\d{2,4}|(?<![\d.])0\d{1,3}(?:[\s.-]\d{2,4}){3,6}(?![\d.])"
    r"|(?:\bnr\.?|\bno\.?|#|n°|\bbroj|\bnuméro|\bnumero|\bnumber)\s*:?\s*[\w/-]{0,20}\d[\w/-]{0,20}"
    r"|\d{4}-\d{3,}(?![\w-])",
    [
        "klo", "kello", "um", "at", "à", "vers", "gegen", "ab", "oko", "око", "u", "у", "eur", "usd", "chf",
        "rsd", "din", "nr", "no", "n", "broj", "numéro", "numero", "number", "€", "$", "£", "+",
        "#",
    ],
    digits=True,
)

# --- calendar dates ---
_ISO = _Anchored(r"(?<![\w-])(20\d\d)-(\d\d)-(\d\d)(?![\w-])", (), digits=True)
_DOTTED = _Anchored(
    r"(?<![\d.,/])(\d{1,2})\.\s?(\d{1,2})\.(?:\s?(20\d\d|\d\d)(?!\d)\.?)?"
    r"|(?<![\d.,/])(\d{1,2})\.(\d{1,2})(?![\d.,])", (), digits=True,
)
_SLASH = _Anchored(r"(?<![\d/.])(\d{1,2})/(\d{1,2})(?:/(20\d\d|\d\d))?(?![\d/])", (), digits=True)
_MONTH_OF = {form: n for n, forms in W.MONTHS.items() for form in forms}
_MONTHS = _alt(_MONTH_OF)


def _month(name: str) -> str:
    return rf"(?P<{name}>{_MONTHS})\.?"


_DAYWORD = f"(?P<w>{_alt(W.DAY_WORDS)})"
_NUMERAL = r"(?P<d>\d{1,2})(?:st|nd|rd|th|er|\.|-?og|-?ог|-?тог|-?tog)?"
_NAMED = _Anchored(
    rf"(?<![\d.,]){_NUMERAL}\s*(?:of\s+|de\s+|d')?{_month('m1')}(?![\w])(?:,?\s+(?P<y1>20\d\d)(?!\d))?"
    rf"|{_B}{_DAYWORD}\s+(?:of\s+|de\s+|d')?{_month('m2')}(?![\w])(?:,?\s+(?P<y2>20\d\d)(?!\d))?"
    rf"|{_B}{_month('m3')}(?![\w])\s+(?:the\s+)?(?:(?P<d2>\d{{1,2}})(?:st|nd|rd|th|\.)?(?![\d.,:])"
    rf"|(?P<w2>{_alt(W.DAY_WORDS)})(?![\w]))(?:,?\s+(?P<y3>20\d\d)(?!\d))?",
    [*_MONTH_OF, *W.DAY_WORDS], digits=True,
)
# --- a day of this or next month ---
_DAY_OF_MONTH = _Anchored(
    r"(?:\b(?:by|on|before|until|till|for)\s+the\s+|\bthe\s+)(\d{1,2})(?:st|nd|rd|th)?(?![\w]|[.,:/]\d)"
    r"|\b(?:by|on|before|until|till)\s+(\d{1,2})(?:st|nd|rd|th)(?![\w])"
    r"|\b(?:am|bis\s+zum|bis\s+spätestens\s+(?:zum\s+)?|spätestens\s+(?:am|zum)|zum|vor\s+dem|bis)\s+"
    r"(\d{1,2})\.(?!\s?\d)"
    r"|(?<![\d.])(\d{1,2})\.\s?(?:päivä\w*|pv\w*)"
    r"|(?:\bdo|\bдо|\bna|\bна)\s+(\d{1,2})(?:\.|-?og|-?tog|-?ог|-?тог)(?![\w]|\s?\d)"
    r"|(?<![\d.])(\d{1,2})-(?:og|tog|ог|тог)\b"
    r"|\b(?:le|au|avant\s+le|d'ici\s+le|d’ici\s+le|jusqu'au|jusqu’au|pour\s+le)\s+(\d{1,2})(?:er)?(?![\w%]|[.,:/]\d)"
    rf"|\b(?:by|on|before|until)\s+the\s+({_alt(W.DAY_WORDS)})\b",
    [
        "by", "on", "before", "until", "till", "for", "the", "am", "bis", "spätestens", "zum", "vor", "do",
        "до", "na", "на", "le", "au", "avant", "d", "jusqu", "pour",
    ],
    digits=True,
)
_UNIT_AFTER = re.compile(r"\s*(?:days?|tage?n?|päivä|dana|дана|jours?|%|€|eur|h\b|uhr|minut|stund|hour)", _I)

# --- weekdays ---
_WEEKDAY_PREPOSITIONS = ["on", "am", "bis", "u", "у", "do", "до", "d", "spätestens"]
_WEEKDAY = _Anchored(
    rf"{_B}(?:(?P<next>{_alt(W.NEXT)})\s+(?:week'?s?\s+|viikon\s+|woche\s+)?|(?P<last>{_alt(W.LAST)})\s+|(?:{_alt(W.THIS)})\s+)?"
    rf"(?:(?:on|am|bis|u|у|do|до|d'ici|d’ici|bis\s+zum|spätestens\s+am)\s+)?"
    + "(?:"
    + "|".join(rf"(?P<wd{n}>{_alt(forms)})" for n, forms in enumerate(W.WEEKDAYS))
    + ")"
    rf"{_E}(?P<after>\s+(?:prochain|qui\s+vient|de\s+la\s+semaine\s+prochaine|next\s+week|nächster\s+woche|"
    rf"{_alt(W.serbian('sledeće nedelje', 'naredne nedelje'))})|\s+(?:dernier|passé))?",
    [*W.NEXT, *W.LAST, *W.THIS, *_WEEKDAY_PREPOSITIONS, *(w for ws in W.WEEKDAYS for w in ws)],
)
_RELATIVE = _Anchored(
    "|".join(rf"{_B}(?P<r{n}>{_alt(words)}){_E}" for n, words in W.RELATIVE_DAYS.items()),
    [w for words in W.RELATIVE_DAYS.values() for w in words],
)
_GOOD_MORNING = re.compile(r"guten\s+$", _I)
_UNIT_WORDS = _alt([unit for units in W.UNITS.values() for unit in units])
_PHRASES = _Anchored(
    rf"{_B}(?:(?P<enw>{_alt(W.END_OF_NEXT_WEEK)})|(?P<eom2>{_alt(W.END_OF_NEXT_MONTH)})"
    rf"|(?P<ew>{_alt(W.END_OF_WEEK)})|(?P<nw>{_alt(W.NEXT_WEEK)})|(?P<eom>{_alt(W.END_OF_MONTH)})"
    rf"|(?:{_alt(W.END_OF_BEFORE)})\s+(?:(?:the\s+)?month\s+of\s+|du\s+mois\s+de\s+|de\s+)?{_month('eomn')}"
    rf"|{_month('eomf')}\s+(?:{_alt(W.END_OF_AFTER)})"
    rf"|(?P<span>{_alt([w for ws in W.SPANS.values() for w in ws])})"
    rf"|(?:{_alt(W.WITHIN)})\s+(?P<n>\d{{1,3}}|{_alt(W.NUMBER_WORDS)})\s+(?P<u>{_UNIT_WORDS})"
    rf"|(?P<fn>\d{{1,3}}|{_alt(W.NUMBER_WORDS)})\s+(?P<fu>päivän|viikon)\s+(?:{_alt(W.FINNISH_WITHIN)})"
    rf"){_E}",
    [
        *W.END_OF_NEXT_WEEK, *W.END_OF_NEXT_MONTH, *W.END_OF_WEEK, *W.NEXT_WEEK, *W.END_OF_MONTH,
        *W.END_OF_BEFORE, *_MONTH_OF, *(w for ws in W.SPANS.values() for w in ws), *W.WITHIN,
        *W.NUMBER_WORDS,
    ],
    digits=True,
)
_VAGUE = _Anchored(
    rf"{_B}(?:(?:{_alt(W.VAGUE)})\s*{_month('v1')}|{_month('v2')}\s+(?:alussa|alkupuolella|puolivälissä)"
    rf"|{_alt(W.VAGUE_PHRASES)}){_E}"
    rf"|{_B}(?:{_alt([f for n, fs in W.MONTHS.items() for f in fs if len(f) > 3 and f != 'may'])}){_E}",
    [*W.VAGUE, *_MONTH_OF, *W.VAGUE_PHRASES],
)
_PAY = tuple(W.PAY_STEMS)
_PAY_HEADS = frozenset(stem[:3] for stem in W.PAY_STEMS)
_REFERENCE = re.compile(rf"{_B}(?:{_alt(W.REFERENCE)})\s*$", _I)
_REFERENCE_AFTER = re.compile(r"^\s*(?:päivätty|päivätyn|päiväämä|\s*\)?\s*(?:päivätty))", _I)
_AWAY = tuple(f" {' '.join(_TOKEN.findall(phrase.lower()))} " for phrase in W.AWAY)
_CLAUSE_END = re.compile(r"[.!?\n,;]")
_SENTENCE = re.compile(r"[!?]|\n\s*\n|(?<![\d\s])\.\s+(?=[A-ZÄÖÜÅÉÈŠČĆŽĐА-Я])")
_CLAUSE = re.compile(r"[,;:–]\s|\s(?:but|and|aber|und|mutta|ja|ali|а|али|mais|et)\s", _I)
_FRACTIONS = {(1, 2), (1, 3), (2, 3), (1, 4), (3, 4)}
# fmt: on


def promised_date(words: str, sent: date, language: str = "") -> tuple[date, str] | None:
    """The day a promise names, and the words that named it; None without one.

    Of several days, the one nearest a paying word wins, a calendar date over a
    relative phrase at the same distance.  A past day, an invoice's own date and
    the end of an absence are never the promise; a dateless phrase nearest the
    paying word ("Anfang Januar") means no date.
    """
    read = _read(words)
    hits = [h for h in _hits(read, sent, language) if h.day is None or h.day >= sent]
    hits = [h for h in hits if not _about_something_else(words, h)]
    if not hits:
        return None
    pays = [
        (at, at + len(word))
        for word, ats in read.where.items()
        if word[:3] in _PAY_HEADS and word.startswith(_PAY)
        for at in ats
    ]
    best = min(hits, key=lambda h: (_distance(words, h, pays), h.day is None, not h.exact, h.start))
    return (best.day, best.words) if best.day else None


def find_date(text: str, sent: date) -> tuple[date, str] | None:
    """The date a promise names (``promised_date`` with the language unknown)."""
    return promised_date(text, sent)


def date_hits(text: str, sent: date, language: str = "") -> list[tuple[date, int]]:
    """Every day the text names, with where it stands, in reading order."""
    return [(h.day, h.start) for h in _hits(_read(text), sent, language) if h.day]


_BACK = re.compile(
    r"(?:\bback|\breturn\w*|zurück|wieder|\bpalaa\w*|takaisin|\btaas|jälleen|tavoitettavissa|retour|"
    r"vraćam|vracam|враћам|\bponovo|поново|available\s+again|erreichbar\s+ab)[^.!?\n]{0,30}$",
    _I,
)
_UNTIL = re.compile(
    r"(?:\buntil|\btill|\bthrough|\bbis(?:\s+einschließlich|\s+einschl\.)?(?:\s+zum|\s+am)?|jusqu['’]?\s*(?:au|à)"
    r"|\bdo|\bдо|\bto|\bau|[-–]|\buntil\s+and\s+including|zaklju[čc]no\s+sa|закључно\s+са)\s*(?:the\s+|le\s+|dem\s+|den\s+)?"
    r"(?:[^\W\d_]{4,12}day,?\s+|(?:mon|diens|donners|frei|sams|sonn)tag,?\s+|mittwoch,?\s+)?$",
    _I,
)
_BACK_AFTER = re.compile(
    r"[\s,]*(?:bin\s+ich\s+|ich\s+bin\s+)?(?:wieder|zurück|takaisin|ponovo|поново)\b", _I
)
_UNTIL_AFTER = re.compile(r"\s*(?:asti|saakka|inclus\w*|einschließlich)\b", _I)
_FROM = re.compile(r"(?:\bab(?:\s+dem|\s+den)?|à\s+partir\s+du|\bod|\bод|\bfrom|alkaen)\s*$", _I)


def return_day(text: str, sent: date) -> date | None:
    """The day an out-of-office sender is back: "back on X", "ab X wieder", "palaan X",
    "vraćam se X", "de retour le X" mean X; "until X", "X asti", "du 1er au 14" mean the day
    after X.  Calendar days count alone; a weekday or "tomorrow" only after such words
    ("monitored Monday to Thursday" names no return).  No working-day or holiday shift."""
    hits = [h for h in _hits(_read(text), sent, "") if h.day]
    for hit in hits:
        if _BACK.search(text[max(0, hit.start - 40) : hit.start]) or _BACK_AFTER.match(text, hit.end):
            return hit.day
    until = [h for h in hits if _until(text, h)]
    starts = [h for h in hits if _FROM.search(text[max(0, h.start - 20) : h.start])]
    if starts and not any(h.start > starts[0].start for h in until):  # "ab dem 30.11.", not "od 1. do 14."
        return starts[0].day
    if until:
        return until[-1].day + timedelta(days=1) if until[-1].day else None
    exact = [h for h in hits if h.exact]
    return exact[-1].day if exact else None


def _until(text: str, hit: Hit) -> bool:
    """ "until X", "bis X", "X asti"; a range's "to X", "au X", "–X" only for a calendar day
    ("monitored Monday to Thursday" is no absence)."""
    match = _UNTIL.search(text[max(0, hit.start - 30) : hit.start])
    if match and (hit.exact or not re.fullmatch(r"(?:to|au|[-–])\s*", match[0], _I)):
        return True
    return bool(_UNTIL_AFTER.match(text, hit.end))


def month_of(word: str) -> int | None:
    return _month_number(word) or None


def _hits(read: _Read, sent: date, language: str) -> list[Hit]:
    text = read.text
    found = [*_calendar(read, sent, language), *_relative(read, sent), *_day_of_month(read, sent)]
    dated = [h for h in found if h.day]
    found += [
        Hit(None, m.start(), m.end(), text[m.start() : m.end()], False)
        for m in _VAGUE.finditer(read)
        if not any(h.start - 40 < m.start() < h.end + 40 for h in dated)
    ]  # "Anfang Januar, spätestens am 10." and "payment run on Thursday" have a day
    # Of overlapping hits a calendar date wins ("15. Dezember" over "am 15."), then the longest.
    found.sort(key=lambda h: (h.day is None, not h.exact, -(h.end - h.start), h.start))
    kept: list[Hit] = []
    for hit in found:
        if all(hit.end <= k.start or hit.start >= k.end for k in kept):
            kept.append(hit)
    exact = [h for h in kept if h.exact]
    return sorted(
        (
            h
            for h in kept
            if h.exact or not any(-3 <= e.start - h.end <= 6 or -3 <= h.start - e.end <= 3 for e in exact)
        ),
        key=lambda h: h.start,
    )  # "Friday 11th December", "Montag, den 14.12.": the calendar date is the one to read


def _calendar(read: _Read, sent: date, language: str) -> list[Hit]:
    found: list[tuple[date | None, re.Match]] = []
    for m in _ISO.finditer(read):
        found.append((_safe(int(m[1]), int(m[2]), int(m[3])), m))
    for m in _DOTTED.finditer(read):
        day, month = (int(m[1]), int(m[2])) if m[1] else (int(m[4]), int(m[5]))
        found.append((_in_year(sent, month, day, m[3]), m))
    for m in _SLASH.finditer(read):
        found.append((_slashed(m, sent, language), m))
    for m in _NAMED.finditer(read):
        day = int(m["d"] or m["d2"] or 0) or W.DAY_WORDS.get(_norm(m["w"] or m["w2"] or ""), 0)
        month = _month_number(m["m1"] or m["m2"] or m["m3"])
        found.append((_in_year(sent, month, day, m["y1"] or m["y2"] or m["y3"]), m))
    return [_hit(read, day, m, True) for day, m in found if day]


def _slashed(m: re.Match, sent: date, language: str) -> date | None:
    first, second = int(m[1]), int(m[2])
    if (first, second) in _FRACTIONS and not m[3]:
        return None
    day_month = _in_year(sent, second, first, m[3])
    if language not in ("en", ""):
        return day_month
    month_day = _in_year(sent, first, second, m[3])  # 12/15: unambiguous only with a day over 12
    if day_month and month_day:  # both read: the one nearer ahead
        ahead = [d for d in (day_month, month_day) if d >= sent]
        return min(ahead) if ahead else day_month
    return day_month or month_day


def _relative(read: _Read, sent: date) -> list[Hit]:
    low = read.low
    hits = []
    for m in _RELATIVE.finditer(read):
        if m["r1"] and _GOOD_MORNING.search(low, max(0, m.start() - 8), m.start()):
            continue  # "Guten Morgen" is a greeting
        offset = next(int(k[1:]) for k, v in m.groupdict().items() if v)
        hits.append(_hit(read, sent + timedelta(days=offset), m, False))
    for m in _WEEKDAY.finditer(read):
        target = next(int(k[2:]) for k, v in m.groupdict().items() if k.startswith("wd") and v)
        ahead = (target - sent.weekday()) % 7 or 7
        after = (m["after"] or "").strip().lower()
        if m["last"] or after.startswith(("dernier", "passé")):
            ahead = -((sent.weekday() - target) % 7 or 7)
        elif (m["next"] or after) and target > sent.weekday():
            ahead += 7  # "next Tuesday": the Tuesday of next calendar week
        hits.append(_hit(read, sent + timedelta(days=ahead), m, False))
    for m in _PHRASES.finditer(read):
        hits.append(_hit(read, _phrase_day(m, sent), m, False))
    return [h for h in hits if h.day]


def _phrase_day(m: re.Match, sent: date) -> date | None:
    friday = sent + timedelta(days=(4 - sent.weekday()) % 7)
    if m["enw"]:
        return friday + timedelta(days=7)
    if m["ew"]:
        return friday
    if m["nw"]:
        return sent + timedelta(days=7 - sent.weekday())
    if m["eom"]:
        if re.search(r"year|jahr|vuoden|ann", m[0]):
            return date(sent.year, 12, 31)
        return sent.replace(day=calendar.monthrange(sent.year, sent.month)[1])
    if m["eom2"]:
        first = (sent.replace(day=28) + timedelta(days=4)).replace(day=1)
        return first.replace(day=calendar.monthrange(first.year, first.month)[1])
    if m["eomn"] or m["eomf"]:
        month = _month_number(m["eomn"] or m["eomf"])
        year = sent.year + (month < sent.month)
        return date(year, month, calendar.monthrange(year, month)[1])
    if m["span"]:
        return sent + timedelta(days=next(n for n, ws in W.SPANS.items() if _norm(m["span"]) in ws))
    count, unit = (m["n"], m["u"]) if m["n"] else (m["fn"], m["fu"])
    number = int(count) if count.isdigit() else W.NUMBER_WORDS.get(_norm(count), 0)
    days = next(n for n, us in W.UNITS.items() if _norm(unit) in us)
    return sent + timedelta(days=number * days) if 0 < number * days <= 120 else None


def _day_of_month(read: _Read, sent: date) -> list[Hit]:
    hits = []
    for m in _DAY_OF_MONTH.finditer(read):
        group = next(g for g in m.groups() if g)
        day = int(group) if group.isdigit() else W.DAY_WORDS.get(_norm(group), 0)
        if not 1 <= day <= 31 or _UNIT_AFTER.match(read.low, m.end()):
            continue
        year, month = sent.year, sent.month
        if day < sent.day:  # "by the 15th" on the 20th: next month's
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        day = min(day, calendar.monthrange(year, month)[1])
        hits.append(_hit(read, date(year, month, day), m, False))
    return hits


def _about_something_else(text: str, hit: Hit) -> bool:
    before = text[max(0, hit.start - 60) : hit.start]
    if _REFERENCE.search(before[-24:]) or _REFERENCE_AFTER.match(text, hit.end):
        return True
    clause = _CLAUSE_END.split(before[-50:])[-1].lower()  # "away until", not "away. We pay on"
    words = f" {' '.join(_TOKEN.findall(clause))} "
    return any(phrase in words for phrase in _AWAY)


def _distance(text: str, hit: Hit, pays: list[tuple[int, int]]) -> int:
    """Characters to the nearest paying word, plus 100 for each clause and 1000 for each
    sentence between: "until the 14th, but I will pay on the 16th" is about the 16th."""
    best = 10**6
    for start, end in pays:
        if abs(start - hit.start) > 500:  # another paragraph: no tie
            continue
        lo, hi = (end, hit.start) if end <= hit.start else (hit.end, start)
        gap = max(0, hi - lo)
        if hi > lo:
            gap += 1000 * len(_SENTENCE.findall(text, lo, hi)) + 100 * len(_CLAUSE.findall(text, lo, hi))
        best = min(best, gap)
    return best


def _hit(read: _Read, day: date | None, m: re.Match, exact: bool) -> Hit:
    start, end = m.span()
    while end > start and read.low[end - 1].isspace():
        end -= 1
    return Hit(day, start, end, read.text[start:end], exact)


def _in_year(sent: date, month: int, day: int, year: str | None) -> date | None:
    """A day without a year is this year's, or next year's when that is under half a year
    ahead ("4.1." written in December); a day further back stays in the past."""
    if year:
        return _safe(int(year) + (2000 if len(year) == 2 else 0), month, day)
    found = _safe(sent.year, month, day)
    if found and found < sent:
        later = _safe(sent.year + 1, month, day)
        if later and (later - sent).days <= 183:
            return later
    return found


def _safe(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _month_number(word: str) -> int:
    return _MONTH_OF.get(_norm(word).rstrip("."), 0)


def _norm(word: str) -> str:
    return re.sub(r"\s+", " ", word.lower().replace("’", "'"))
