"""Pure: a reply's new words cut into sentences and clauses.

"Thanks, we paid half today, and will pay the rest on Friday" is three clauses.  Each
clause is a substring of the folded words (it is the phrase a reading shows), and keeps
its sentence: "wir zahlen erst" reads on with ", wenn der Fehler behoben ist".
"""

from __future__ import annotations

import re
from functools import cache

# Sentences end at . ! ? (not the dot of "15." or "15.12."), at a blank line, and at a
# line break after a finished line or a short one (a greeting, a signature line);
# clauses at ", " and at the joining words that start a new thought.
_SENTENCE = re.compile(r"(?<=[^\d\s][.!?])\s+|(?<=[!?])\s+|\s*;\s*")
_SHORT_LINE = 40
_JOINING = {
    "en": "and|but", "de": "und|aber|sondern", "fi": "ja|mutta|sekä", "fr": "et|mais", "sr": "i|a|ali|pa",
}  # fmt: skip
_IF = {"en": "if", "de": "falls", "fi": "jos", "fr": "si", "sr": "ako"}  # (kept: the clause after says so)


@cache
def _clause_split(lang: str) -> re.Pattern[str]:
    joining, if_word = _JOINING.get(lang, "and|but"), _IF.get(lang, "if")
    return re.compile(rf",\s+(?:(?:{joining})\s+)?|\s+(?:{joining})\s+(?=\S)|\s+(?={if_word}\s)")


def clauses_of(text: str, lang: str = "en") -> list[str]:
    """The clauses of ``text``, folded; each is a substring of ``fold(text)`` (the phrase)."""
    return [clause for clause, *_rest in in_sentences(text, lang)]


def clauses(text: str, lang: str = "en") -> list[tuple[str, str]]:
    """(clause, its whole sentence), both folded: for readers outside this module."""
    return [(clause, whole) for clause, _rest, _first, whole in in_sentences(text, lang)]


def in_sentences(text: str, lang: str) -> list[tuple[str, str, bool, str]]:
    """(clause, its sentence from the clause on, whether it opens the sentence, the whole
    sentence): "wir zahlen erst" reads on with ", wenn der Fehler behoben ist"."""
    found = []
    for sentence in (part for line in _lines(text) for part in _SENTENCE.split(line)):
        folded = fold(sentence)
        opening = True
        for clause in _clause_split(lang).split(folded):
            clause = clause.strip().rstrip(".!,;:")
            if clause:
                found.append((clause, folded[folded.find(clause) :], opening, folded))
                opening = False
    return found


def _lines(text: str) -> list[str]:
    """Lines joined where a sentence was wrapped: a line ends a thought when it is
    blank, ends with a stop, or is short and the next line starts with a capital
    ("Hi Anna" / "We paid ...")."""
    lines = text.replace("\r", "").split("\n")
    joined, current = [], []
    for index, line in enumerate(lines):
        current.append(line)
        stripped = line.strip()
        following = lines[index + 1].lstrip() if index + 1 < len(lines) else ""
        short = len(stripped) <= _SHORT_LINE  # a greeting, a name (German nouns are capitals too)
        if not stripped or stripped[-1] in ".!?:,;" or (short and following[:1].isupper()) or not following:
            joined.append(" ".join(current))
            current = []
    return joined


def fold(text: str) -> str:
    """Lower case, curly apostrophes straightened, white space folded (format=flowed)."""
    return " ".join(text.replace("\u2019", "'").lower().split())
