"""Pure: two fields of a payment notification, the labelled values and the payer.

Kept apart from ``notices`` so the reading rules stay short.  A label ("Auftraggeber:",
"Customer") gives its value on the same line or, alone, on the next; the payer is a
labelled name or the one a sentence names as sending the money ("Anna Becker sent you",
"Zahlung von Hoffmann Design UG (haftungsbeschränkt) erhalten"), kept with its legal
form ("e.K.", "GmbH & Co. KG") and without an address, an IBAN or an email.
"""

from __future__ import annotations

import re

from mailbot.inbound import notice_words as words
from mailbot.inbound.amounts import money_in


def labelled(lines: list[str], label: re.Pattern[str]) -> list[str]:
    """The values of the lines ``label`` starts; a label alone takes the next line."""
    values = []
    for i, line in enumerate(lines):
        hit = label.match(line.lower())
        if not hit:
            continue
        start = hit.start("value")
        value = line[start:].strip() if start >= 0 else ""
        if not value:
            value = next((n.strip() for n in lines[i + 1 : i + 3] if n.strip()), "")
        if value:
            values.append(value)
    return values


# A legal form's dot ("Co. KG", "e.K.", "Inc.") or "(haftungsbeschränkt)" is part of a name.
_FORM_DOT = (
    r"\.(?:(?<=\bco\.)|(?<=\binc\.)|(?<=\bltd\.)|(?<=\bcorp\.)"
    r"|(?<=\be\.k\.)|(?<=\be\.v\.)|(?<=\be\.u\.)|(?=[kvu]\.))"
)
_NAME = rf"(?P<name>(?:[^\n.,;:!?()<>]|{_FORM_DOT}|\(haftungsbeschränkt\)){{2,80}}?)"
_NAME_END = (
    r"(?=\s+(?:is|has|was|wurde|ist|hat|über|for|on|to|via|auf|an|succeeded|cleared|arrived)\b"
    r"|\s*[.,;:!?(<]|\s*$)"
)
_GAP = r"[^\n]{0,60}?"
_ENDED = _NAME + _NAME_END
_SENT = [
    re.compile(
        rf"(?:^|[.!?]\s)\s*{_NAME} (?:has )?(?:sent you|paid (?:your invoice|invoice|you)|is sending you"
        r"|hat (?:ihnen|dir|euch))\b",
        re.I,
    ),
    re.compile(
        rf"(?:^|[.!?]\s)\s*{_NAME} hat (?:ihren|ihre|deinen|deine|die|den) [\w-]+ (?:bezahlt|beglichen)\b",
        re.I,
    ),
    re.compile(rf"\b(?:received|erhalten|payment|transfer|zahlung|geld)\b{_GAP} from {_ENDED}", re.I),
    re.compile(rf"\b(?:paid by|bezahlt von|beglichen von) {_ENDED}", re.I),
    re.compile(rf"\d(?:\s?(?:[A-Z]{{3}}|€|£|\$))? from {_ENDED}"),
    re.compile(rf"\bvon {_NAME} (?:erhalten|bekommen|gutgeschrieben|eingegangen|über)\b", re.I),
    re.compile(rf"\b(?:zahlung|geld|betrag|gutschrift|überweisung)\b{_GAP} von {_ENDED}", re.I),
]


def read_payer(lines: list[str]) -> tuple[str, str]:
    """(name, email) of the payer: a "Customer:" / "Auftraggeber:" line, else the
    sentence that names who sent the money."""
    given = labelled(lines, words.PAYER_EMAIL)
    emails = [m.group(0).lower() for v in given for m in words.EMAIL.finditer(v)]
    candidates = labelled(lines, words.PAYER)
    for line in lines[:60]:
        hit = next((h for h in (pattern.search(line) for pattern in _SENT) if h), None)
        if hit:
            candidates.append(hit.group("name"))
            emails += [m.group(0).lower() for m in words.EMAIL.finditer(line[hit.start() :])]
    name = ""
    for value in candidates:
        emails += [m.group(0).lower() for m in words.EMAIL.finditer(value)]
        cleaned = _clean_name(value)
        if cleaned and not name:
            name = cleaned
    return name, emails[0] if emails else ""


_FORMS = re.compile(r"\b(?:co|inc|ltd|corp|e\.k|e\.v|e\.u)\.$", re.I)


def _clean_name(value: str) -> str:
    """The payer's name alone: no address, IBAN, bullet or trailing punctuation, but a
    legal form kept whole ("Schreinerei Adler e.K.", "Studio UG (haftungsbeschränkt)").
    A labelled value with the payer's street after a comma is cut at the comma."""
    value = words.EMAIL.sub("", value)
    limited = "(haftungsbeschränkt)" in value.lower()
    value = re.sub(r"[<>()\[\]\"·•|]", " ", value)
    value = re.sub(words.IBAN.pattern, "", value)
    value = " ".join(value.split())
    dotted = _FORMS.search(value.rstrip(" ,;:-–—"))
    value = value.strip(" .,;:-–—")
    if "," in value and re.search(r"\d{3}", value):
        value = value.split(",")[0].strip(" .,;:-–—")
    if not value or money_in(value) or re.search(r"\d{3}", value) or len(value) > 100:
        return ""
    if value.lower() in ("you", "your customer", "ihr kunde", "paypal", "stripe", "wise"):
        return ""
    if dotted and value.lower().endswith(dotted.group(0)[:-1].lower()):
        value += "."
    if limited:
        value = re.sub(r"(?i)\bhaftungsbeschränkt\b", "(haftungsbeschränkt)", value)
    return value
