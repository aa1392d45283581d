"""Pure: what a client's new words mean, what must never be missed first.

A request to pay into another account (invoice redirection fraud: always to a person,
whatever else the mail says) and a change of the invoice address or recipient come
first, by phrases per language (English, German, Finnish, Serbian in both scripts,
French), an IBAN that is not the owner's, and ``lexicon``'s address concepts.  Every
other reading is ``meaning``'s: concepts, tense and negation.  The words that decided
are kept as the ``phrase``, so every classification can be explained.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from mailbot.inbound import meaning
from mailbot.inbound.clauses import clauses, fold
from mailbot.inbound.concepts import concept_hits, lexicon_language
from mailbot.records.kinds import Intent

_RULES: list[tuple[Intent, list[str]]] = [
    (
        "contact_change",
        [
            # en
            r"(?:send|address|direct|email|mail)\s+(?:all\s+)?(?:future\s+|your\s+|our\s+)?"
            r"(?:invoices|statements|bills)\b[^.!?\n]{0,80}\bto\b",
            r"use this (?:one|address|email)\b[^.!?\n]{0,20}from now on",
            r"from now on[^.!?\n]{0,60}(?:invoices|send|address)",
            r"(?:update|change)\w*\s+(?:our|your|the)?\s*(?:records?\s+(?:of|for)\s+our\s+)?"
            r"bank(?:ing)?\s+(?:details|account|information)",
            r"(?:new|changed)\s+bank(?:ing)?\s+(?:details|account)",
            r"bank(?:ing)?\s+(?:details|account)\s+(?:have|has)\s+changed",
            r"(?:billing|invoice|accounts payable)\s+(?:address|email)\s+(?:has\s+)?changed",
            # de
            r"rechnungen\s+(?:bitte\s+)?(?:künftig|zukünftig|ab\s+sofort|in\s+zukunft)\b[^.!?\n]{0,40}\ban\b",
            r"(?:künftig|zukünftig|ab\s+sofort)\s+(?:bitte\s+)?an\s+\S+@",
            r"bankverbindung\s+(?:hat\s+sich\s+)?geändert|neue\s+bankverbindung|geänderte\s+bankverbindung",
            r"neue\s+(?:rechnungs)?adresse|neue\s+e-?mail-?adresse\s+für\s+rechnungen",
            # fi
            r"laskut\s+jatkossa\b[^.!?\n]{0,40}osoitteeseen",
            r"pankkiyhteystie\w*\s+(?:ovat\s+)?muuttu\w*|uusi\s+tilinumero",
            # fr
            r"envoyer\s+désormais\s+vos\s+factures|désormais[^.!?\n]{0,40}factures",
            r"nouvelles?\s+coordonnées\s+bancaires|changement\s+de\s+rib|nouveau\s+rib",
            # sr
            r"ubuduće\s+fakture|убудуће\s+фактуре|novi\s+(?:broj\s+)?(?:žiro\s+)?računa?\b|нови\s+рачун",
        ],
    ),
]

CONTACT_CHANGE = [re.compile(pattern, re.IGNORECASE) for _intent, patterns in _RULES for pattern in patterns]

# A request to pay into another account: invoice redirection fraud, whatever else the
# mail says ("paid, thanks; from now on please transfer to our new account ...").
_ELSEWHERE = [
    # en
    r"\b(?:to|into|in|on)\s+(?:our|the|this|a|my)\s+(?:new|updated|changed|different|other|another|"
    r"alternative|following|below)\s+(?:bank(?:ing)?\s+)?(?:account|iban|bank)\b",
    r"\b(?:new|updated|changed|different|alternative)\s+(?:iban|bank\s+account|account\s+(?:details|number)|"
    r"payment\s+details|remittance\s+details)",
    r"\b(?:new|updated|changed|different|alternative)\s+bank(?:ing)?\s+(?:details|account|information|info)\b",
    r"\b(?:account|iban|bank|banking|payment)\s+(?:details\s+|number\s+|information\s+)?(?:have|has|are|is)\s+"
    r"(?:now\s+)?(?:changed|changing|been\s+(?:changed|updated))",
    r"\b(?:changed|switched|moved)\s+(?:our\s+|to\s+a\s+new\s+)?bank(?:s|ing)?\b",
    r"\b(?:to|into)\s+(?:the|our|this)\s+(?:bank\s+)?account\s+(?:below|details\s+below|attached|shown\s+below)",
    r"\bold\s+(?:bank\s+)?account\b[^.!?\n]{0,40}\b(?:closed|no\s+longer|not\s+be\s+used|inactive)",
    r"\bno\s+longer\s+(?:use|pay\s+(?:in)?to)\s+(?:the|our|that|this)\s+(?:old\s+)?(?:bank\s+)?account",
    r"\b(?:use|pay\s+(?:in)?to|transfer\s+(?:it\s+)?to)\s+(?:the\s+following|this|these)\s+"
    r"(?:bank\s+)?(?:account|iban|bank\s+details)",
    # de
    r"\bneue(?:s|n|r)?\s+(?:bank|giro)?konto(?:nummer)?\b|\bneue\s+iban\b|\bneue\s+(?:bank|konto)verbindung",
    r"\bbank\s+gewechselt|\bkontowechsel|\bbankwechsel",
    r"\b(?:konto|iban|kontonummer|bankverbindung|kontoverbindung|bankdaten)\s+(?:hat|haben)\s+sich\s+geändert",
    r"\bgeänderte(?:s|n)?\s+(?:konto|iban|bankverbindung|kontoverbindung|bankdaten)",
    r"\b(?:auf|an)\s+(?:unser\w*\s+neue\w*|das\s+neue|das\s+folgende|folgendes|untenstehende\w*)\s+"
    r"(?:bank|giro)?konto\b",
    r"\baltes\s+konto\b[^.!?\n]{0,40}\b(?:geschlossen|aufgelöst|gekündigt|nicht\s+mehr)",
    r"\bnicht\s+mehr\s+auf\s+(?:das\s+)?(?:alte|bisherige)\s+konto",
    # fi
    r"\buu(?:si|den|delle|della)\s+(?:pankki)?tili(?:numero)?\w{0,6}\b|\buusi\s+iban\b",
    r"\b(?:pankki)?tili(?:numero)?\w*\s+(?:on\s+)?(?:muuttunut|vaihtunut|muuttuu|vaihtuu)",
    r"\b(?:seuraavalle|alla\s+olevalle|tälle)\s+(?:pankki)?tilille",
    r"\bvanha\s+tili\w*\s+(?:on\s+)?(?:suljettu|lopetettu)",
    # fr
    r"\bnouve(?:au|l)\s+(?:compte|rib|iban)\b",
    r"\bcoordonnées\s+bancaires\s+(?:ont\s+)?(?:changé|été\s+modifiées)|\bchangement\s+de\s+(?:compte|banque)",
    r"\b(?:sur|vers|à)\s+(?:le|ce|notre)\s+(?:nouveau\s+)?(?:compte|rib|iban)\s+(?:suivant|ci-dessous|ci-joint|joint)",
    r"\b(?:changement|nouvelle)\s+de\s+domiciliation\s+bancaire|\bnouvelle\s+domiciliation",
    r"\bancien\s+compte\b[^.!?\n]{0,40}\b(?:clôturé|fermé|plus\s+utilisé)",
    # sr (Latin, Cyrillic)
    r"\bna\s+(?:naš\s+|nov\w*\s+)?(?:novi|sledeći|sljedeći|ovaj)\s+(?:žiro\s+|tekući\s+)?račun",
    r"\bnovi\s+(?:iban|broj\s+računa|žiro\s+račun|tekući\s+račun|bankovni\s+račun)",
    r"\bprom(?:e|ij)nili\s+smo\s+(?:račun|banku|broj\s+računa|žiro\s+račun)",
    r"\bstari\s+račun\b[^.!?\n]{0,40}\b(?:zatvoren|ugašen|ne\s+koristi)",
    r"\bubuduće\s+(?:sve\s+)?(?:uplate|uplaćujte|plaćajte|uplaćivati)[^.!?\n]{0,40}račun",
    r"\bна\s+(?:наш\s+)?(?:нови|следећи|овај)\s+(?:жиро\s+|текући\s+)?рачун",
    r"\bнови\s+(?:iban|ибан|број\s+рачуна|жиро\s+рачун|текући\s+рачун|банковни\s+рачун)",
    r"\bпромени(?:ли)?\s+смо\s+(?:рачун|банку|број\s+рачуна|жиро\s+рачун)",
    r"\bстари\s+рачун\b[^.!?\n]{0,40}(?:затворен|угашен|не\s+користи)",
    r"\bубудуће\s+(?:све\s+)?(?:уплате|уплаћујте|плаћајте|уплаћивати)[^.!?\n]{0,40}рачун",
]
ELSEWHERE = [re.compile(pattern, re.IGNORECASE) for pattern in _ELSEWHERE]

# An IBAN as written: country, check digits, then groups of up to four (spaces optional).
_IBAN = re.compile(r"\b[a-z]{2}\d{2}(?:[ ]?[a-z0-9]{4}){2,7}(?:[ ]?[a-z0-9]{1,4})?\b", re.IGNORECASE)
# "paid from our new account": the payer's own account, right before the words.
_PAID_FROM = re.compile(
    r"(?:\bfrom|\bvon|\bvom|\bdepuis|\bde)\s+(?:our|my|the|a|unserem|meinem|dem|notre|mon|le)\s+$"
)
# An account the money comes *from* (the payer's own) is no request to pay elsewhere.
_FROM_ACCOUNT = re.compile(
    r"(?:\bfrom|\bvon|\bvom|\bdepuis|\bdu\s+compte|\bde\s+notre\s+compte|tililtä\w*|\bsa\s+(?:našeg\s+)?računa|"
    r"\bса\s+(?:нашег\s+)?рачуна|\bdebited|\babgebucht)[^.!?\n]{0,30}$"
)


@dataclass(frozen=True)
class Verdict:
    intent: Intent
    phrase: str  # the words that decided, lower case; "" for "other"
    confidence: float = 1.0
    words: tuple[str, ...] = ()  # the concept words that decided (``meaning``)


def classify_text(
    new_words: str,
    own_ibans: frozenset[str] = frozenset(),
    language: str = "",
    sent: date | None = None,
    elsewhere: str | None = None,
) -> Verdict:
    """A request to pay into another account, a change of address, then the meaning.
    ``elsewhere``: ``pays_elsewhere`` of these words, when the caller has looked already."""
    text = fold(new_words)
    if elsewhere is None:
        elsewhere = pays_elsewhere(text, own_ibans)
    if elsewhere:
        return Verdict("contact_change", elsewhere, 0.95, ("(another account)",))
    for pattern in CONTACT_CHANGE:
        found = pattern.search(text)
        if found:
            return Verdict("contact_change", found.group(0).strip(), 0.9, ("(new address)",))
    moved = _moved(new_words, language)
    if moved:
        return moved
    reading = meaning.read(new_words, language, sent)
    return Verdict(reading.intent, reading.phrase, reading.confidence, reading.words)


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def _moved(new_words: str, language: str) -> Verdict | None:
    """A clause that names an address or a recipient and says it is new or changed."""
    lang = lexicon_language(language) or "en"
    for clause, sentence in clauses(new_words, lang):
        address = concept_hits(clause, "ADDRESS", lang) or _EMAIL.findall(clause)
        change = concept_hits(clause, "CHANGE", lang)
        if address and change and not concept_hits(clause, "PAY", lang):
            return Verdict("contact_change", clause, 0.8, (str(address[0][0]), change[0][0]))
        future = concept_hits(clause, "FUTURE_INVOICES", lang)  # "... prochaines factures au 12 rue"
        if future and re.search(r"@|\d", clause):
            return Verdict("contact_change", clause, 0.75, (future[0][0], "(an address)"))
        recipient = concept_hits(clause, "RECIPIENT", lang)  # "made out to Doe Studio UG"
        asked = "?" in sentence or concept_hits(sentence, "REQUEST", lang)
        if recipient and asked and not concept_hits(clause, "PAY", lang):
            return Verdict("contact_change", clause, 0.8, (recipient[0][0], "(asked)"))
    return None


def pays_elsewhere(text: str, own_ibans: frozenset[str] = frozenset()) -> str:
    """The words asking for payment into another account, or "".

    Either the words say so ("our new account", "neue Bankverbindung", "uusi tili",
    "nouveau RIB", "novi račun"), or an IBAN stands in the text that is not one of the
    owner's (``own_ibans``, normalised: upper case, no spaces) nor the account the
    payer paid from.  The owner's own IBAN quoted back is no signal.
    """
    text = fold(text)
    for pattern in ELSEWHERE:
        for found in pattern.finditer(text):
            if not _PAID_FROM.search(text[: found.start()]):
                return found.group(0).strip()
    return _foreign_iban(text, own_ibans)


def normalise_iban(value: str) -> str:
    return "".join(value.split()).upper()


def _foreign_iban(text: str, own_ibans: frozenset[str]) -> str:
    named = "iban" in text
    for found in _IBAN.finditer(text):
        iban = _valid_prefix(normalise_iban(found.group(0)))
        if not iban and not named:
            continue  # a code that only looks like an IBAN, in a mail that never says "IBAN"
        candidate = iban or normalise_iban(found.group(0))
        if any(candidate.startswith(own) or own.startswith(candidate) for own in own_ibans):
            continue
        if _FROM_ACCOUNT.search(text[: found.start()]):
            continue
        return found.group(0).strip()
    return ""


def _valid_prefix(candidate: str) -> str:
    """The longest start of ``candidate`` that passes the IBAN check (ISO 13616 mod 97);
    "" when none does.  A word right after an IBAN may have been read as its last group."""
    for end in range(min(len(candidate), 34), 14, -1):
        head = candidate[:end]
        if head[:2].isalpha() and head[2:4].isdigit() and _mod97(head) == 1:
            return head
    return ""


def _mod97(iban: str) -> int:
    digits = "".join(str(int(ch, 36)) for ch in iban[4:] + iban[:4])
    return int(digits) % 97
