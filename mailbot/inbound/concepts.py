"""Pure: finding the concepts of ``lexicon`` in a reply's folded words, per language.

Each concept's word list becomes one compiled pattern per language (cached): word
beginnings, exact words (``$``), suffixes ("'ll") and words in a row.  Serbian is
matched in Latin script without diacritics, so Cyrillic and "placeno juce" typed on a
phone read as "plaćeno juče".
"""

from __future__ import annotations

import re
from functools import cache

from mailbot.inbound import lexicon


def lexicon_language(language: str) -> str:
    """The lexicon a reply's language is read with: Serbian in either script is "sr"."""
    return "sr" if language.startswith("sr") else language


def concept_hits(clause: str, concept: str, lang: str) -> list[tuple[str, int]]:
    """The words of ``concept`` in a folded clause (Serbian read in Latin script)."""
    return hits(matched(clause, lang), concept, lang)


def has(words: str, concept: str, lang: str) -> bool:
    return pattern(concept, lang).search(words) is not None


def hits(words: str, concept: str, lang: str) -> list[tuple[str, int]]:
    """The words of ``concept`` (a name in ``lexicon``) in ``words``, with where they stand."""
    return [(m.group(0), m.start()) for m in pattern(concept, lang).finditer(words)]


def hit_words(hits: list[tuple[str, int]]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(word for word, _ in hits))


@cache
def pattern(concept: str, lang: str) -> re.Pattern[str]:
    words: lexicon.Lexicon = getattr(lexicon, concept)
    entries = sorted(words.get(lang, ()), key=len, reverse=True)
    if lang == "sr":  # (matched on text without diacritics, see latin)
        entries = sorted({entry.translate(_ASCII) for entry in entries}, key=len, reverse=True)
    pattern = "|".join(_entry(entry) for entry in entries) or r"(?!)"
    if concept in _INSIDE_WORDS and lang in ("de", "fi"):  # compounds: "Schlussrechnung", not "Augustiner"
        inside = [_entry(entry).replace(r"(?<![\w-])", "") for entry in entries if len(entry) >= 5]
        pattern = "|".join([*inside, pattern])
    return re.compile(pattern)


_INSIDE_WORDS = frozenset(("ABOUT_INVOICE",))


def _entry(entry: str) -> str:
    """A word beginning, an exact word (``$``), a suffix ("'ll"), or several in a row."""
    if entry.startswith("'") or entry == "n't":
        return rf"[^\W\d_]*{re.escape(entry)}(?![\w'])"
    parts = []
    for word in entry.split():
        exact = word.endswith("$")
        body = re.escape(word.rstrip("$"))
        parts.append(body + (r"(?![\w'-])" if exact else r"[\w'-]*"))
    return r"(?<![\w-])" + r"\s+".join(parts)  # ("l'échéance": an apostrophe may stand before)


_CYRILLIC = dict(
    zip(
        "абвгдђежзијклљмнњопрстћуфхцчџш",
        ["a", "b", "v", "g", "d", "đ", "e", "ž", "z", "i", "j", "k", "l", "lj", "m", "n", "nj", "o",
         "p", "r", "s", "t", "ć", "u", "f", "h", "c", "č", "dž", "š"],
        strict=True,
    )
)  # fmt: skip
_TO_LATIN = str.maketrans(_CYRILLIC)
_ASCII = str.maketrans({"č": "c", "ć": "c", "š": "s", "ž": "z", "đ": "dj"})


def matched(text: str, lang: str) -> str:
    """Folded text as the lexicons of ``lang`` match it."""
    return latin(text) if lang == "sr" else text


def latin(text: str) -> str:
    """Serbian Cyrillic written in Latin script (the lexicons are in Latin), without
    diacritics: phones type "placeno juce" for "plaćeno juče"."""
    return text.translate(_TO_LATIN).translate(_ASCII)
