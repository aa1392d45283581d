"""Pure: what a client's new words mean, read from concepts, tense and negation.

A reply is cut into clauses ("Thanks, we paid half today, and will pay the rest on
Friday" is three).  In each clause the concepts of ``lexicon`` are looked for in
the reply's language: paying, its tense (a past form, a future form or a plan), a
negation near it, a complaint, thanks, a question, a change of address.  Rules then
reason as a bookkeeper does:

- a payment in the past, not negated, is a **claim** ("uplatili smo juče");
- a payment to come, or a paying verb with a day ahead, is a **promise**
  ("maksamme perjantaina", "by the 15th we will settle the invoice");
- a negated payment is neither: "not paid yet" says nothing, "we will not pay"
  without a day is a refusal, so a **dispute**; "we cannot pay before the 15th"
  is a promise for the 15th;
- a complaint is a **dispute** even when it ends in "?" or names no dispute word
  ("the quote said 10 hours, you billed 12"); words that only hint at one
  ("as quoted", "instead of") make a dispute mailbot is not sure of;
- a question about the invoice, thanks, or nothing of these.

When several hold, the order is the one in which a mistake costs most: a dispute,
a claim (a partial payment is one), a promise, a question, thanks.  Every reading
has a **confidence**: strong forms and agreeing signals are sure; a bare tense
guess, a hint, signals that pull apart, or words found only in another language
than the reply's are not, and below ``Known.min_confidence`` the owner decides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from mailbot.inbound import dates, lexicon
from mailbot.inbound.clauses import clauses_of, fold, in_sentences
from mailbot.inbound.concepts import has, hit_words, hits, lexicon_language, matched, pattern
from mailbot.records.kinds import Intent

SHORT = 160  # characters: thanks is the whole message only in a short note


@dataclass(frozen=True)
class Reading:
    intent: Intent
    phrase: str  # the clause that decided, as it stands in the folded new words
    confidence: float
    words: tuple[str, ...] = ()  # the concept words that decided


@dataclass(frozen=True)
class _Found:
    """A reading of one clause; ``kind`` is an intent or one of the hints that only
    weigh in ``_decide``: ``weak_dispute``, ``vague`` (paying words, no tense),
    ``handed_on`` ("forwarded to our accounts team")."""

    kind: str
    phrase: str
    confidence: float
    words: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Clause:
    text: str  # folded, as in the reply
    words: str  # the same, Serbian Cyrillic written in Latin script, for matching
    sentence: str  # the clause's sentence from the clause on, matched as ``words`` is
    first: bool  # the clause opens its sentence (where a question word opens a question)
    whole: str  # the whole sentence, matched as ``words`` is ("Solange ..., zahl ich keinen Cent")
    whole_text: str  # the whole sentence as it stands in the folded reply (a question's phrase)


def read(text: str, language: str, sent: date | None) -> Reading:
    """The reading of the new words ``text``, written in ``language`` on ``sent``.

    The reply's own language is read first; when its lexicons find nothing, English
    is tried (a Finnish client writing English), less surely.
    """
    languages = _languages(language)
    first = _read_in(text, languages[0], sent)
    if first.intent != "other":
        return first
    for other in languages[1:]:
        found = _read_in(text, other, sent)
        if found.intent != "other":
            return Reading(found.intent, found.phrase, round(found.confidence - 0.1, 2), found.words)
    return first


def _languages(language: str) -> tuple[str, ...]:
    """The reply's language, then English (the language clients mix in); a reply of no
    known language is read in each."""
    base = lexicon_language(language)
    if base not in lexicon.PAY:
        return ("en", "de", "fi", "sr", "fr")
    return (base,) if base == "en" else (base, "en")


def _read_in(text: str, lang: str, sent: date | None) -> Reading:
    clauses = [
        _Clause(
            part,
            matched(part, lang),
            matched(rest, lang),
            first,
            matched(whole, lang),
            whole.rstrip(".!,;: "),
        )
        for part, rest, first, whole in in_sentences(text, lang)
    ]
    whole = fold(text)
    seen = matched(whole, lang)  # (as the lexicons match it)
    future_day = _names_future_day(whole, sent)
    # "What is the PO number? ... it won't get paid until we have it": an errand, anywhere
    errand = has(seen, "ADMIN", lang)
    about_invoice = has(seen, "ABOUT_INVOICE", lang)
    found: dict[str, _Found] = {}
    for clause in clauses:
        for reading in _clause_readings(clause, lang, future_day, errand, about_invoice, sent):
            kept = found.get(reading.kind)
            if kept is None or reading.confidence > kept.confidence:
                found[reading.kind] = reading
    return _decide(found, whole, seen, lang)


def _decide(found: dict[str, _Found], text: str, seen: str, lang: str) -> Reading:
    """The reading that wins, by what a mistake costs, with its confidence (``text``: the
    folded words; ``seen``: the same as the lexicons match them)."""
    question = found.get("question")
    claim, promise = found.get("payment_claimed"), found.get("promise_to_pay")
    partly = claim is not None and _PARTLY in claim.words  # (a part paid, the rest promised: a claim)
    arrives = promise is not None and has(matched(promise.phrase, lang), "ARRIVAL", lang)
    if claim and promise and not (partly or arrives) and claim.confidence < 0.85 < promise.confidence:
        claim = None  # a hint of the past against a plain promise: the promise
    for kind, reading in (("dispute", found.get("dispute")), ("payment_claimed", claim),
                          ("promise_to_pay", promise)):  # fmt: skip
        if reading:
            return _reading(kind, reading)  # type: ignore[arg-type]
    if question:  # (a hint of disagreement in a question asks for a document: "the signed quote?")
        return _reading("question", question)
    weak = found.get("weak_dispute")
    if weak:
        return _reading("dispute", weak)
    thanks = found.get("thanks")
    if thanks and len(text) <= SHORT:
        return _reading("thanks", thanks)
    if thanks and has(seen, "THANKS_FOR_INVOICE", lang):  # not for a good year
        return _reading("thanks", thanks, 0.75)
    if "vague" in found:  # paying words, no tense mailbot can read: the owner decides
        return _reading("other", found["vague"])
    if "handed_on" in found:
        return _reading("other", found["handed_on"])
    if has(seen, "ABOUT_INVOICE", lang):  # about the invoice, and none of the above
        return Reading("other", "", 0.6, ("(about the invoice, but no reading)",))
    return Reading("other", "", 0.85)


def _reading(intent: Intent, found: _Found, confidence: float | None = None) -> Reading:
    sure = found.confidence if confidence is None else confidence
    return Reading(intent, found.phrase, sure, tuple(dict.fromkeys(found.words)))


_PARTLY = "(part of the amount)"


def _numbers_disagree(clause: _Clause, lang: str) -> bool:
    """Two different counts of what was charged in one sentence ("10 sati ... 6", "12 hours,
    we agreed 8"), not a date or an invoice number: perhaps a complaint, never sure."""
    if not clause.first or not has(clause.whole, "CHARGED", lang):
        return False
    counts = {int(n) for n in re.findall(r"(?<![\d.,/-])(\d{1,4})(?![\d.,/-]|\.\d)", clause.whole)}
    return len(counts) >= 2


def _still_said(found: _Found, words: str, lang: str) -> bool:
    """In a sentence that asks, only a clause that does not ask itself and says what the
    sender did or will do ("I'll settle this end of next week, if that's ok?") says more
    than the question: "Gilt bei Zahlung innerhalb 7 Tagen Skonto?" promises nothing, and
    "onko tämä jo maksettu?" (has this been paid already?) claims nothing."""
    if "?" in words or pattern("QUESTION", lang).match(words):  # "onko tämä jo maksettu?" asks
        return False
    return found.kind == "payment_claimed" or has(words, "FUTURE_STRONG", lang)


def _clause_readings(
    clause: _Clause, lang: str, future_day: bool, errand: bool, about_invoice: bool, sent: date | None
) -> list[_Found]:
    words = clause.words
    readings: list[_Found] = []
    complaint = hits(words, "COMPLAINT_STRONG", lang)
    if complaint and not _negated_complaint(words, complaint[0][1], lang):
        readings.append(_Found("dispute", clause.text, 0.85, hit_words(complaint)))
    readings += _challenge(clause, lang, errand)
    hint = hits(words, "COMPLAINT_WEAK", lang)
    if hint:  # "as quoted", "instead of", "too late": the owner is asked
        readings.append(
            _Found("weak_dispute", clause.text, 0.6 if re.search(r"\d", words) else 0.55, hit_words(hint))
        )
    elif _numbers_disagree(clause, lang):  # "na računu piše 10 sati, a radili ste 6"
        readings.append(_Found("weak_dispute", clause.whole_text, 0.55, ("(two numbers of a charge)",)))
    pay = hits(words, "PAY", lang)
    asks = _asks(clause, lang)
    if pay:
        readings += [found for found in _payment(clause, lang, pay, future_day, errand, sent)
                     if not asks or _still_said(found, words, lang)]  # fmt: skip
    if asks and has(clause.sentence, "ABOUT_INVOICE", lang):
        readings.append(_Found("question", clause.whole_text, 0.85, ("?",)))
    elif asks and about_invoice:  # "... plaćanja fakture ... su nam potrebni. Možete li nam ih poslati?"
        readings.append(_Found("question", clause.whole_text, 0.6, ("?", "(the mail is about the invoice)")))
    thanks = hits(words, "THANKS", lang)
    if thanks:
        readings.append(_Found("thanks", clause.text, 0.9, hit_words(thanks)))
    handed = hits(words, "HANDED_ON", lang)
    if handed:
        readings.append(_Found("handed_on", clause.text, 0.85, hit_words(handed)))
    return readings


def _challenge(clause: _Clause, lang: str, errand: bool) -> list[_Found]:
    """ "Why am I charged for ...?", "pourquoi 4 heures ?", a request for a corrected
    invoice: the client says the invoice is wrong without saying "wrong"."""
    words, sentence = clause.words, clause.whole
    why = hits(words, "CHALLENGE", lang)
    charged = has(sentence, "CHARGED", lang) or has(sentence, "PAY", lang) or re.search(r"\d", sentence)
    asked = clause.first or "?" in sentence  # not "ich kläre, warum sie hängt"
    if why and charged and asked:  # ("why should we pay for image rights we supplied?")
        return [_Found("dispute", clause.text, 0.75, (*hit_words(why), "(a charge questioned)"))]
    fix = hits(words, "CORRECTION", lang)
    if fix and not errand and (has(sentence, "ABOUT_INVOICE", lang) or has(sentence, "REQUEST", lang)):
        return [_Found("dispute", clause.text, 0.75, (*hit_words(fix), "(a correction asked for)"))]
    return []


def _payment(
    clause: _Clause, lang: str, pay: list[tuple[str, int]], future_day: bool, errand: bool, sent: date | None
) -> list[_Found]:
    """A claim, a promise, a refusal, or a paying word mailbot cannot place in time."""
    words, where = clause.words, pay[0][1]
    past = hits(words, "PAST_STRONG", lang)
    future = hits(words, "FUTURE_STRONG", lang)
    past_hint = hits(words, "PAST_WEAK", lang)
    future_hint = hits(words, "FUTURE_WEAK", lang)
    negated = _negated(words, where, lang)
    if past and future and _future_first(past, future):
        past = []  # "will be paid", "wird überwiesen", "biće plaćeno", "sera réglé"
    day_here = _names_future_day(clause.text, sent) or bool(future_hint)
    names = hit_words(pay)
    if has(words, "PAID_TO_ME", lang):
        return []  # "my client finally paid me": the money went to the sender
    if pattern("IF", lang).match(words):
        return []  # "if you need the payment confirmation, ...": nothing was said to be done
    sentence = clause.whole
    waits = has(sentence, "CONDITION", lang) and not _names_future_day(sentence, None)
    if waits and has(sentence, "CORRECTION", lang):  # "not before we get the corrected VAT"
        return [_Found("dispute", clause.text, 0.75, (*hit_words(pay), "(until corrected)"))]
    if negated and waits:
        if errand:
            return []  # "won't get paid until we have the PO": an errand, not a disagreement
        # "we won't pay until the contact form works": held back over the work
        return [_Found("dispute", clause.text, 0.7, (*hit_words(pay), "(held back)"))]
    if waits and not (negated or future or past):  # "needs it before they can pay": a condition
        return []
    if negated:
        if future and not (day_here or future_day):
            return [_Found("dispute", clause.text, 0.7, (*names, *hit_words(future), "(negated)"))]
        if future or day_here:
            return [_Found("promise_to_pay", clause.text, 0.7, (*names, "(not before)"))]
        later = clause.sentence[len(clause.words) :]
        # "not paid yet, sorry - will do next week" (not "..., I'll ask finance")
        if has(later, "FUTURE_STRONG", lang) and not has(later, "HANDED_ON", lang):
            return [_Found("promise_to_pay", clause.text, 0.75, (*names, "(not yet, but will)"))]
        return []  # "not paid yet": says nothing about a payment
    if past and not future:
        if has(sentence, "PARTIAL", lang):  # part of it: the owner looks (the ack would say "paid")
            return [_Found("payment_claimed", clause.text, 0.65, (*names, *hit_words(past), _PARTLY))]
        said_by_us = has(words, "FIRST_PERSON", lang) or past_hint or any(" " in w for w, _ in past)
        return [
            _Found("payment_claimed", clause.text, 0.9 if said_by_us else 0.8, (*names, *hit_words(past)))
        ]
    if future and not past:
        sure = 0.9 if (future_day or day_here) else 0.85
        if waits and not (future_day or day_here):  # "à réception de la facture papier": it waits on us
            sure = 0.65
        return [_Found("promise_to_pay", clause.text, sure, (*names, *hit_words(future)))]
    if past and future:  # "paid half, will pay the rest": the money moved
        return [_Found("payment_claimed", clause.text, 0.75, (*names, *hit_words(past)))]
    if past_hint and not future_hint:
        return [_Found("payment_claimed", clause.text, 0.7, (*names, *hit_words(past_hint)))]
    if future_hint or future_day:
        return [_Found("promise_to_pay", clause.text, 0.75, (*names, *hit_words(future_hint)))]
    return [_Found("vague", clause.text, 0.5, names)]


def _future_first(past: list[tuple[str, int]], future: list[tuple[str, int]]) -> bool:
    """Every past form stands after a future one: a payment to come, in the passive
    ("will be paid", "wird ... überwiesen", "biće isplaćena", "sera réglée")."""
    first = min(at for _, at in future)
    return all(at > first for _, at in past)


def _negated(words: str, where: int, lang: str) -> bool:
    """A negation shortly before the paying word or right after it in its clause."""
    for _word, at in hits(words, "NEGATION", lang):
        if where - 45 <= at < where or where < at <= where + 25:  # ("uplata još nije prošla")
            return True
    return False


def _negated_complaint(words: str, where: int, lang: str) -> bool:
    """ "nothing wrong", "kein Fehler", "ei virhettä": a complaint denied."""
    before = words[max(0, where - 12) : where]
    return bool(re.search(r"\b(?:no|nothing|kein\w*|ei|nema|nije|aucune?|pas d')\s*$", before))


def _asks(clause: _Clause, lang: str) -> bool:
    """The clause's sentence ends in "?", or the clause asks in words: a question word
    opening the sentence ("warum", "kada": also "why" and "when" inside a statement), or
    a request anywhere ("could you", "merci de nous indiquer", "zanima me")."""
    if "?" in clause.sentence:
        return True
    opening = pattern("QUESTION", lang).match(clause.words.lstrip(" -–:"))
    if opening and clause.first:
        return True
    return any(" " in word for word, _at in hits(clause.words, "QUESTION", lang))


def _names_future_day(text: str, sent: date | None) -> bool:
    """A calendar day or a weekday, "tomorrow", "next week": a day the payment is for."""
    day = sent or date(2000, 1, 1)
    found = dates.find_date(text, day)
    return found is not None and (sent is None or found[0] >= sent)


__all__ = ["Reading", "clauses_of", "fold", "read"]  # (clauses_of and fold: for tests and callers)
