"""Pure: the language of a reply's new words, among the languages mailbot writes.

`lingua` (Apache-2.0) restricted to English, German, Finnish, French and the
Serbo-Croatian family: Croatian and Bosnian models vote for Serbian, since a Serbian
client writing in Latin script reads to a detector as Croatian or Bosnian, and the
three are one language for mailbot's purposes.  The script then tells ``sr-Latn``
from ``sr-Cyrl``.  A note of two words ("Danke!", "Ok") is too short to be sure:
then the client's configured language, when given, breaks the tie.

lingua's low-accuracy mode (trigrams only) is enough here and costs about 30 MB
and 0.1 s to load, against 180 MB and 1.5 s for the full models: a reply is rarely
shorter than a sentence, the short ones get the client's language as a hint, and on
the development replies both modes name the same language for every one.  The
models load on the first call, never at import, so commands that read no mail do
not pay for them.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

LANGUAGES = ("en", "de", "fi", "fr", "sr-Latn", "sr-Cyrl")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LETTER = re.compile(r"[^\W\d_]")
_SURE = 0.5  # lingua's confidence in its first choice above which a hint is ignored
_MAX_CHARS = 2000  # the first words are enough, and bound the work on a long mail
_FEW_LETTERS = 25  # below this, trigram statistics guess


def detect(text: str, hint: str = "") -> tuple[str, float]:
    """(language code or "", confidence 0..1) of ``text``; ``hint`` is the client's
    configured language (``en``, ``de``, ``sr``, ``sr-Cyrl``...), used when unsure."""
    sample = text[:_MAX_CHARS]
    letters = _LETTER.findall(sample)
    if not letters:
        return _hinted(hint), 0.0
    cyrillic = sum(1 for ch in letters if _CYRILLIC.match(ch))
    if cyrillic > len(letters) / 2:
        return "sr-Cyrl", 0.95  # (the only Cyrillic language mailbot reads)
    if len(letters) < _FEW_LETTERS:  # "Merci", "Danke!", "Ok": too few for trigrams
        return _short(sample, _hinted(hint))
    scores = _scores(sample)
    best, confidence = max(scores.items(), key=lambda item: item[1]) if scores else ("", 0.0)
    hinted = _hinted(hint)
    if hinted and confidence < _SURE and scores.get(hinted, 0.0) >= confidence / 2:
        return hinted, scores.get(hinted, 0.0)
    return best, confidence


def _short(text: str, hinted: str) -> tuple[str, float]:
    """A note of a word or two, told by mailbot's own word lists ("merci", "kiitos",
    "hvala"); when they name no one language, the client's, else none."""
    words = text.lower()
    found = [code for code, pattern in _word_lists().items() if pattern.search(words)]
    if len(found) == 1:
        return ("sr-Latn" if found[0] == "sr" else found[0]), 0.8
    if hinted:
        return hinted, 0.4
    return "", 0.0


@cache
def _word_lists() -> dict[str, re.Pattern[str]]:
    """Every word of every concept of ``lexicon``, one pattern per language."""
    from mailbot.inbound import lexicon

    concepts = [value for value in vars(lexicon).values() if isinstance(value, dict)]
    patterns = {}
    for code in ("en", "de", "fi", "fr", "sr"):
        words = {word.rstrip("$") for concept in concepts for word in concept.get(code, ())}
        alternatives = "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))
        patterns[code] = re.compile(rf"(?<![\w'-])(?:{alternatives})(?![\w'-])")
    return patterns


def _hinted(hint: str) -> str:
    """A configured language as one of ``LANGUAGES`` ("sr" is written in Latin script)."""
    base = hint.replace("_", "-").split("-")[0].lower()
    if base == "sr":
        return "sr-Cyrl" if "cyrl" in hint.lower() else "sr-Latn"
    return base if base in LANGUAGES else ""


def _scores(text: str) -> dict[str, float]:
    """lingua's confidence per mailbot language (Serbo-Croatian summed)."""
    found: dict[str, float] = {}
    for value in _detector().compute_language_confidence_values(text):
        code = _CODES.get(value.language.name, "")
        if code:
            found[code] = found.get(code, 0.0) + value.value
    return found


_CODES = {
    "ENGLISH": "en", "GERMAN": "de", "FINNISH": "fi", "FRENCH": "fr",
    "SERBIAN": "sr-Latn", "CROATIAN": "sr-Latn", "BOSNIAN": "sr-Latn",
}  # fmt: skip


@cache
def _detector() -> Any:
    from lingua import Language, LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_languages(
        Language.ENGLISH, Language.GERMAN, Language.FINNISH, Language.FRENCH,
        Language.SERBIAN, Language.CROATIAN, Language.BOSNIAN,
    ).with_low_accuracy_mode().build()  # fmt: skip
