"""Pure: what a client's new words mean, by explicit rules that record their reason.

Rules are tried in order of what must never be missed: a changed bank account
or invoice address (fraud risk, always to a person), a dispute, a payment
claim, a promise with a date, a question, thanks.  Each rule is a regular
expression over the lower-cased new words with white space folded; the
matched words are kept as the ``phrase`` that decided, so every
classification can be explained.  Phrases are listed per language: English,
German, Finnish, Serbian (Latin and Cyrillic), French.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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
    (
        "dispute",
        [
            # en
            r"amount\s+is\s+(?:wrong|incorrect)|wrong\s+amount|incorrect\s+amount",
            r"(?:never|did\s+not|didn'?t)\s+order(?:ed)?|charged\s+(?:me|us)\s+twice|double[- ]charged",
            r"reverse\s+charge\s+applies|overcharged|not\s+what\s+we\s+agreed|we\s+dispute|\bdisagree\b",
            r"invoice\s+is\s+(?:wrong|incorrect)",
            # de
            r"betrag\s+stimmt\s+nicht|stimmt\s+nicht|nicht\s+bestellt|falsche[rn]?\s+(?:betrag|rechnung)",
            r"doppelt\s+(?:berechnet|abgerechnet)|widersprech\w*|reklamier\w*",
            # fi
            r"emme\s+tilanneet|(?:summa|hinta)\s+on\s+väärä|väärä\s+summa|virheellinen\s+lasku",
            # fr
            r"montant\s+(?:incorrect|erroné|faux)|pas\s+commandé|contest\w*|erreur\s+sur\s+la\s+facture",
            # sr
            r"iznos\s+nije\s+tačan|износ\s+није\s+тачан|nismo\s+naručili|нисмо\s+наручили",
            r"pogrešan\s+iznos|погрешан\s+износ",
        ],
    ),
    (
        "payment_claimed",
        [
            # en
            r"(?:paid|transferred|wired|settled|remitted)\s+(?:it\s+|this\s+|the\s+invoice\s+)?"
            r"(?:yesterday|today|this\s+morning|last\s+week|on\s+\w+)",
            r"(?:has|have|had|was|were|is|it's|been|we've|i've|just|already)\s+(?:been\s+)?"
            r"(?:paid|transferred|wired|settled)",
            r"(?:just\s+)?sent\s+(?:you\s+)?the\s+(?:money|payment)",
            r"payment\s+(?:has\s+been|was|is)\s+(?:made|sent|done|executed|on\s+its\s+way)",
            r"remittance\s+advice|proof\s+of\s+payment|payment\s+confirmation",
            r"confirms?\s+it\s+was\s+paid",
            # de
            r"(?:ist|wurde|haben|habe|hat|schon|bereits|heute|gestern)\s+(?:\w+\s+){0,3}"
            r"(?:bezahlt|überwiesen|beglichen)",
            r"(?:zahlung|überweisung)\s+ist\s+(?:raus|unterwegs|erfolgt)",
            r"zahlungsavis|überweisungsbeleg",
            # fi
            r"\bmaksettu\b|\bmaksoimme\b|\bmaksoin\b|on\s+suoritettu",
            # fr
            r"\bpayée?s?\b|virement\s+(?:a\s+été\s+)?effectué|\bréglée?\b|avons\s+(?:payé|réglé)",
            # sr
            r"uplaćeno|уплаћено|platili\s+smo|платили\s+смо|plaćeno|плаћено|izvršili\s+(?:smo\s+)?uplatu",
        ],
    ),
    (
        "promise_to_pay",
        [
            # en
            r"(?:we|i)(?:'ll|\s+will|\s+shall|\s+are\s+going\s+to|\s+plan\s+to|ll)\s+"
            r"(?:\w+\s+)?(?:pay|settle|transfer|send\s+(?:the\s+)?(?:money|payment))",
            r"payment\s+will\s+(?:go\s+out|be\s+made|be\s+sent)|will\s+be\s+paid",
            r"pay\s+it\s+(?:on|by|next)",
            r"(?:will|'ll)\s+do\s+(?:it\s+|so\s+)?(?:next|on|by|tomorrow|this|early|before)",
            # de
            r"wir\s+(?:zahlen|überweisen|begleichen)|ich\s+(?:zahle|überweise)",
            r"(?:überweisung|zahlung)\s+(?:geht|erfolgt|kommt)",
            r"werden\s+(?:\w+\s+){0,3}(?:zahlen|überweisen|begleichen)",
            # fi
            r"\bmaksamme\b|\bmaksan\b|\bmaksetaan\b|suoritamme",
            # fr
            r"(?:nous|on)\s+(?:paierons|réglerons|allons\s+(?:payer|régler)|règle)|je\s+(?:paierai|réglerai)",
            r"règlement\s+(?:sera|interviendra)",
            # sr
            r"platićemo|платићемо|uplatićemo|уплатићемо|platiću|платићу",
        ],
    ),
    (
        "question",
        [
            r"\?",
            r"could you|can you|would you|please resend|please send (?:us|me) (?:the|a)",
            r"können sie|könnten sie|bitte (?:nochmal|erneut) (?:senden|schicken)",
            r"voisitteko|voitteko|lähettäkää",
            r"pourriez-vous|pouvez-vous|merci de (?:nous )?renvoyer",
            r"da li|možete li|да ли|можете ли",
        ],
    ),
    (
        "thanks",
        [
            r"\bthanks?\b|thank you|\breceived\b|got it",
            r"\bdanke\b|vielen dank|\berhalten\b",
            r"\bkiitos\b|\bsaatu\b|\bsaimme\b",
            r"\bmerci\b|bien reçu",
            r"\bhvala\b|primljeno|хвала|примљено",
        ],
    ),
]

# A question or a thank-you is about the invoice only when the words say so;
# "are you coming to the Christmas drinks?" is not a question for the owner's books.
_ABOUT_INVOICE = re.compile(
    r"invoice|\bbill|pdf|\bpo\b|purchase order|order number|\bpay|vat\b|amount|iban|bank|"
    r"receipt|rechnung|bestell|zahl|skonto|überweis|lasku|maksu|tilaus|factur|commande|"
    r"paiement|payer|virement|faktur|račun|фактур|рачун|iznos|износ|uplat|уплат|plać|плаћ"
)
_RECEIVED = re.compile(r"\breceived\b|got it|\berhalten\b|\bsaatu\b|\bsaimme\b|bien reçu|primljeno|примљено")
SHORT = 160  # characters: a bare "thanks" is a thank-you only in a short note

# A payment claim is not one when a negation stands just before it.
_NEGATION = re.compile(
    r"(?:\bnot\b|n't|\bnever\b|\bno\b|\bnicht\b|\bnoch\s+nicht\b|\bkein\w*|\bei\b|\bemme\b|"
    r"\bpas\b|\bnije\b|\bnismo\b|\bније\b|\bнисмо\b|\bunpaid\b)[^.!?\n]{0,25}$"
)

COMPILED = [
    (intent, [re.compile(pattern, re.IGNORECASE) for pattern in patterns]) for intent, patterns in _RULES
]


@dataclass(frozen=True)
class Verdict:
    intent: Intent
    phrase: str  # the words that decided, lower case; "" for "other"


def fold(text: str) -> str:
    """Lower case, curly apostrophes straightened, white space folded (format=flowed)."""
    return " ".join(text.replace("\u2019", "'").lower().split())


def classify_text(new_words: str) -> Verdict:
    """The first rule that matches the new words decides."""
    text = fold(new_words)
    for intent, patterns in COMPILED:
        if not _applies(intent, text):
            continue
        for pattern in patterns:
            for match in pattern.finditer(text):
                if intent == "payment_claimed" and _NEGATION.search(text[: match.start()]):
                    continue
                if intent == "payment_claimed" and _negated_inside(match.group(0)):
                    continue
                return Verdict(intent, match.group(0).strip())
    return Verdict("other", "")


def _applies(intent: Intent, text: str) -> bool:
    if intent == "question":
        return bool(_ABOUT_INVOICE.search(text))
    if intent == "thanks":
        return len(text) <= SHORT or bool(_RECEIVED.search(text))
    return True


def _negated_inside(words: str) -> bool:
    return bool(re.search(r"\bnot\b|n't\b|\bnicht\b", words))
