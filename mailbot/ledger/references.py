"""Pure: structured payment references made from an invoice number, and found in text.

Two kinds, both with check digits, so a mistyped reference is caught instead of paying
the wrong invoice:

- the **ISO 11649 RF creditor reference**: ``RF``, two check digits (mod 97-10 as in
  IBANs), then 1-21 letters and digits;
- the **Finnish national reference** (viitenumero): 3-19 digits and a check digit
  (weights 7, 3, 1 from the right), 4-20 digits in all.

How a reference is made from an invoice number (deterministic, so nothing is stored:
the invoice's number is its reference's source):

- RF: the number's letters and digits, upper case (``2026-001`` -> ``RF..2026001``);
- Finnish: a ``1``, then the number's digits, zeros included, at least two
  (``2026-001`` -> ``12026001`` and its check digit; ``7`` -> ``107``...).  The ``1`` keeps
  leading zeros, which banks drop, significant, and makes every base at least 3 digits.

Collisions, by construction: numbers that differ only in punctuation or case
(``2026-001``, ``2026/001``, ``2026001``) share an RF reference, and numbers with the
same digits (``RE-2026-001``, ``2026-001``) share a Finnish one, as do ``7`` and ``07``.
A number with no letters or digits, or more than 21, has no RF reference (``""``); one
with no digits or more than 18 has no Finnish reference (``""``).  The matcher (``decide.matching``) therefore
never settles by a reference two open invoices share: the owner decides.
"""

from __future__ import annotations

import itertools
import operator
import re

RF_BODY_MAX = 21
FI_BASE_MIN, FI_BASE_MAX = 3, 19
_FI_WEIGHTS = (7, 3, 1)


def normalise(reference: str) -> str:
    """As compared and stored: no spaces (banks print groups of four or five), upper case."""
    return "".join(reference.split()).upper()


def _alnum(text: str) -> str:
    return "".join(c for c in text.upper() if c.isascii() and c.isalnum())


_AS_DIGITS = str.maketrans({c: str(int(c, 36)) for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"})


def _rf_number(text: str) -> int:
    """Letters as 10..35, digits as themselves, read as one integer (ISO 7064 mod 97-10)."""
    return int(text.translate(_AS_DIGITS))


def rf_check(body: str) -> str:
    """The two check digits of an RF reference with this body."""
    return f"{98 - _rf_number(body + 'RF00') % 97:02d}"


def rf_reference(number: str) -> str:
    """The invoice number's RF creditor reference, compact (``RF18...``), or ``""``."""
    body = _alnum(number)
    if not body or len(body) > RF_BODY_MAX:
        return ""
    return f"RF{rf_check(body)}{body}"


def valid_rf(reference: str) -> bool:
    ref = normalise(reference)
    if not re.fullmatch(r"RF[0-9]{2}[0-9A-Z]{1,21}", ref):
        return False
    return _rf_number(ref[4:] + ref[:4]) % 97 == 1


def fi_check(base: str) -> str:
    """The check digit of a Finnish reference: weights 7, 3, 1 from the right."""
    total = sum(map(operator.mul, map(int, reversed(base)), itertools.cycle(_FI_WEIGHTS)))
    return str(-total % 10)


def fi_reference(number: str) -> str:
    """The invoice number's Finnish national reference (digits only), or ``""``."""
    digits = "".join(c for c in number if c.isascii() and c.isdigit())
    base = "1" + digits.zfill(FI_BASE_MIN - 1)
    if not digits or len(base) > FI_BASE_MAX:
        return ""
    return base + fi_check(base)


def valid_fi(reference: str) -> bool:
    ref = normalise(reference)
    if not re.fullmatch(r"[0-9]{4,20}", ref):
        return False
    return fi_check(ref[:-1]) == ref[-1]


def grouped(reference: str) -> str:
    """As banks print a reference, so a client types it without losing their place: an RF
    reference in fours from the left ("RF18 5390 0754 7034"), a Finnish one in fives from
    the right ("1 20260 01238"); anything else as it is."""
    ref = normalise(reference)
    if valid_rf(ref):
        return " ".join(ref[i : i + 4] for i in range(0, len(ref), 4))
    if valid_fi(ref):
        head = len(ref) % 5
        groups = ([ref[:head]] if head else []) + [ref[i : i + 5] for i in range(head, len(ref), 5)]
        return " ".join(groups)
    return reference


def transfer_reference(kind: str, number: str) -> str:
    """The reference a mail asks the client to pay invoice ``number`` with, compact:
    ``kind`` ``rf`` or ``fi`` (``[payment] reference``), else the invoice number itself.
    A number too long for the kind (no reference, see above) keeps the number."""
    made = {"rf": rf_reference, "fi": fi_reference}.get(kind)
    return (made(number) if made else "") or number


def references_of(number: str) -> tuple[str, ...]:
    """Every reference an invoice with this number may be paid with, normalised."""
    return tuple(r for r in (rf_reference(number), fi_reference(number)) if r)


# RF: "RF18 5390 0754 7034" or compact; groups of letters and digits after the check digits.
_RF = re.compile(r"(?<![0-9A-Za-z])RF[0-9]{2}(?: ?[0-9A-Za-z]{1,21}){1,6}", re.IGNORECASE)
# Finnish: digit groups separated by single spaces, as banks print them ("12345 67890 1");
# not a part of a word, an amount ("1053.23") or a date ("2026-11-20").
_DIGITS = re.compile(r"(?<![\w.,/-])[0-9]+(?: [0-9]+)*(?![\w]|[.,/-][0-9])")


def references_in(text: str) -> list[str]:
    """Valid RF references, then digit groups that are valid Finnish references, in
    ``text``, normalised, in order and each once.  A run of groups is read whole when it
    is valid, else the longest valid sub-runs from the left (a reference followed by an
    amount, "viite 1234561 100")."""
    found: list[str] = []
    rest = text
    for hit in _RF.finditer(text):
        groups = hit.group().split(" ")
        written = _longest_rf(groups)
        if written:
            found.append(normalise(written))
        rest = rest.replace(written or _rf_shaped(groups), " ", 1)  # its digits are no Finnish one
    for hit in _DIGITS.finditer(rest):
        groups = hit.group().split(" ")
        start = 0
        while start < len(groups):
            end = _longest_valid_end(groups, start)
            if end:
                found.append("".join(groups[start:end]))
                start = end
            else:
                start += 1
    return list(dict.fromkeys(found))


def _longest_rf(groups: list[str]) -> str:
    """The longest valid RF reference made of the first groups ("RF18 5390 0754 7034 Rg"),
    as written."""
    for end in range(len(groups), 0, -1):
        if valid_rf("".join(groups[:end])):
            return " ".join(groups[:end])
    return ""


def _rf_shaped(groups: list[str]) -> str:
    """The part of an invalid "RF.." that was meant as one (a typo): its groups of capitals
    and digits, up to 21 after the check digits."""
    end, length = 1, len(groups[0]) - 4
    while end < len(groups) and (groups[end].isupper() or groups[end].isdigit()):
        length += len(groups[end])
        if length > RF_BODY_MAX:
            break
        end += 1
    return " ".join(groups[:end])


def _longest_valid_end(groups: list[str], start: int) -> int:
    """The end of the longest valid Finnish reference of groups from ``start``, or 0."""
    for end in range(len(groups), start, -1):
        digits = "".join(groups[start:end])
        if len(digits) <= FI_BASE_MAX + 1 and valid_fi(digits):
            return end
    return 0
