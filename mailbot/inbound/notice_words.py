"""Pure data: the words payment notifications use, English and German, as patterns.

Kept apart from ``notices`` so the reading rules stay short.  Each pattern is matched
against lower-case text.  The labels match at the start of a line ("Transaction ID",
"Verwendungszweck:"); the kinds anywhere in the subject or the first lines of the body.
"""

from __future__ import annotations

import re


def _any(*phrases: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in phrases))


def _label(*names: str) -> re.Pattern[str]:
    """A line that starts with one of ``names``, then ":" or a gap, then (maybe) the value."""
    return re.compile(
        rf"^\s*(?:{'|'.join(names)})\s*(?:\([^)]{{0,40}}\))?\s*(?::|\s{{2,}}|$)\s*(?P<value>.*)$"
    )


# What kind of mail: checked in this order, the first that matches decides.
NOT_PAYMENT = _any(
    r"\bnewsletter\b",
    r"\bunsubscribe\b.*|abbestellen|abmelden",
    r"\blog ?in\b|\bsign[- ]in\b|\banmeldung\b|\beingeloggt\b",
    r"\bpassword\b|\bpasswort\b|security code|sicherheitscode|verification code|bestätigungscode",
    r"new device|neues gerät|unusual activity|ungewöhnliche aktivität",
)
REFUND = _any(
    r"\brefund",
    r"rückzahlung|rückerstattung|\berstattung|erstattet",
    r"charge ?back|rückbuchung|zurückgebucht|rücklastschrift|\bdisput|\bkonflikt\b|\bstreitfall",
    r"\breversal\b|\breversed\b|storniert|stornierung",
)
PAYOUT = _any(
    r"\bpayouts?\b|\bauszahlung",
    r"\bwithdraw|\babhebung|\babbuchung",
    r"to your bank account|auf ihr bankkonto|transfer to your bank|an ihre bank",
    r"on (?:its|their) way to your bank|(?:unterwegs|auf dem weg) (?:zu|auf) ihr(?:em)? (?:bank)?konto",
)
OUTGOING = _any(
    r"\byou(?:'ve| have)? (?:sent|paid)\b|\byour payment to\b|receipt for your payment|\byou(?:'ve| have)? authori[sz]ed",
    r"sie haben .{0,60}(?:gesendet|bezahlt|überwiesen)|ihre zahlung an\b|ihre überweisung an\b|\blastschrift\b|\bbelastung\b",
    r"\brequest(?:ed|s)? (?:a payment|money|payment)|\brequested\b|zahlungsaufforderung|geldanforderung|hat .{0,40} angefordert",
    r"\bnew invoice\b|\bneue rechnung\b|\bpayment due\b|\bzahlung fällig\b",
    r"\bsent you (?:an?|the|your) (?:new )?invoice|\binvoice from\b|\byou(?:'ve| have)? (?:received|got) an? (?:new )?invoice",
    r"\bthank(?:s| you) for your payment\b|\b(?:vielen )?dank für ihre zahlung\b|\byour receipt\b|\bihre quittung\b",
    r"\b(?:to|must|should|will) be paid\b|\bplease pay (?:the|this|your|by|within|now|[€$£]|\d)",
    r"\b(?:hat|haben|hast) (?:ihnen |dir |euch )?(?:eine|die) (?:neue )?rechnung|\b(?:zu|bitte) (?:be)?zahlen\b",
)
PENDING = _any(
    r"\bon hold\b|\bheld\b|\bholding\b|zurückgehalten|einbehalten|angehalten",
    r"\bpending\b|\bausstehend|vorgemerkt|\bvormerkung",
    r"under review|requires? (?:a )?review|review (?:this |the )?payment|in prüfung|wird geprüft|überprüfung",
    r"\b(?:wird|werden|ist|sind) [^.\n]{0,30}(?:über)?prüft\b|\büberprüf|\bprüfung\b|\bnot (?:yet )?cleared\b",
    r"\breviewing\b|need to review|\bbefore we can (?:add|credit|release)|\bprüfen (?:die|diese) zahlung",
    r"on (?:its|the|their) way|unterwegs|auf dem weg|being processed|is processing|\bprocessing\b|wird bearbeitet|in bearbeitung",
    r"\bexpected\b|\berwartet\b|not yet (?:been )?(?:credited|received|available)|noch nicht gutgeschrieben",
    r"(?:noch )?nicht (?:eingegangen|erhalten|angekommen)|\bno payment\b|\bkeine (?:zahlung|gutschrift)",
    r"(?:have not|haven't|has not|hasn't) (?:yet )?(?:been )?(?:received|arrived|credited)",
)
PAYMENT = _any(
    r"\byou(?:'ve| have)? received\b|\byou(?:'ve| have)? got money|\bsent you\b|\bpaid you\b",
    r"\byou(?:'ve| have)? been paid\b|\bpaid (?:your |the )?invoice\b|\binvoice\b[^.\n]{0,30}\b(?:has been |was |is )?paid\b(?! (?:by|before|until|within) \d)",
    r"payment (?:received|succeeded|successful|completed)|received (?:a |your )?payment|successful payment",
    r"\bpayment of\b|\bincoming payment|\bmoney (?:received|in)\b|\bcredited\b|\bcredit (?:advice|notification)",
    r"zahlung (?:erhalten|eingegangen)|geld erhalten|hat (?:ihnen|dir|euch)\b|(?:haben|hast|habt) (?:[^.\n]|\.\d){0,80}erhalten",
    r"(?:zahlung|geld|betrag|gutschrift|überweisung)\b(?:[^.?\n]|\.\d){0,80}\beingegangen\b(?!\s*\?)",
    r"saapunut maksu|maksu (?:on )?saapunut|\bmaksu vastaanotettu",
    r"\b(?:has|have) arrived in your\b|\bist (?:auf ihrem konto |bei ihnen )?(?:angekommen|eingetroffen)\b",
    r"\byou(?:'ve| have)? got [€$£]|\byou(?:'ve| have)? got \d|\b(?:money|funds) added\b",
    r"zahlungseingang|\beingang\b|\bgutschrift|gutgeschrieben|geldeingang|überweisung erhalten",
    r"\b(?:was|has been|have been) paid\b|wurde (?:vollständig )?bezahlt|ist bezahlt|wurde beglichen",
)

# Mentions that say nothing of what this mail reports: the service's next payout of the
# money (the sentence with "mit der nächsten Auszahlung"), how the payer paid ("SEPA-Lastschrift"), a partial
# refund a payment mail mentions.  Cut from the text the kind is read from.
ASIDE = _any(
    r"[^.\n]*(?:next|nächsten?|upcoming|kommenden?|scheduled|regular|regulären?) (?:payouts?|auszahlung(?:en)?)[^.\n]*",
    r"auszahlungs(?:plan|betrag|rhythmus|zeitplan)|payout (?:schedule|amount)",
    r"^\s*(?:payment method|zahlungsmethode|zahlungsart|methode|method|karte|card)\b.*$",
)
# Refunds a payment mail may mention besides the payment (only when its subject says payment).
PARTIAL_REFUND = _any(
    r"partial(?:ly)? refund|teil(?:rück)?erstattung|teilweise (?:rück)?erstattet|teilrückzahlung"
)

# Lines whose amounts are never the payment (a fee, a balance, a rate, what is left).
NOT_THE_AMOUNT = _any(
    r"\bfees?\b|gebühr|\bentgelt|\bprovision\b|\bcommission\b",
    r"\bbalance\b|kontostand|\bsaldo\b|guthaben|\bavailable\b|verfügbar",
    r"\brate\b|\bkurs\b|wechselkurs|exchange|convert|umgerechnet|umrechnung|\b1 [a-z]{3} =",
    r"\bnet\b|\bnetto|\bnettobetrag\b",
    r"\bdue\b|\bfällig|offener betrag|\boutstanding\b|\bremaining\b|\brest(?:betrag)?\b",
    r"\btax\b|\bvat\b|\bmwst\b|\bust\b|mehrwertsteuer|umsatzsteuer|\bsubtotal\b|zwischensumme|\bshipping\b|versand",
    r"\blimit\b|\bminimum\b|\bup to\b|\bbis zu\b",
    r"original (?:payment|amount|transaction)|ursprünglich|urspr\. betrag",
)
# Lines whose amount is the payment, best first.
AMOUNT_LABELS = [
    _any(
        r"\bgross\b|\bbrutto|instructed amount|amount sent|sent amount|überwiesener betrag|auftragsbetrag",
        r"amount received|received amount|erhaltener betrag|eingangsbetrag|gutschriftsbetrag|betrag der gutschrift",
        r"\bsent you\b|\bpaid you\b|\byou(?:'ve| have)? received\b|\bhas arrived in your\b|\bhat (?:ihnen|dir|euch)\b|\b(?:haben|hast|habt) .{0,40}erhalten",
        r"\bpayment of\b|\bzahlung (?:über|von|in höhe von)\b|amount paid|bezahlter betrag|\bgutschrift\b",
        r"refund(?:ed)? amount|amount refunded|\brefund of\b|erstattungsbetrag|rückzahlungsbetrag|erstatteter betrag",
    ),
    _any(
        r"^\s*(?:amount|betrag|total|summe|gesamt|payment|zahlung|umsatz|summa|määrä|belopp)\b",
        r"\bbetrag\s*:|\b(?:gutgeschrieben|eingegangen|credited|received)\s*:\s*$",
    ),
]

DATE = _label(
    r"transaction date|transaktionsdatum|payment date|zahlungsdatum|date paid|date received|eingangsdatum",
    r"buchungstag|buchungsdatum|booking date|booked on|wertstellung|valuta|value date|gutschriftsdatum",
    r"paid on|bezahlt am|kirjauspäivä|maksupäivä",
    r"date|datum",
)
KEY = _label(
    r"transaction id|transaktions-?id|transaktionscode|transaction code|transaktionsnummer|transaction number",
    r"payment id|zahlungs-?id|charge id|transfer id|transfer number|transfer #|überweisungs-?id",
    r"refund id|payout id|buchungsreferenz|referenznummer der bank|bank reference|archive id|archiving code",
    r"arkistointitunnus|überweisungsnummer|überweisungs-?nr\.?|id",
)
PAYER = _label(
    r"customer name|customer|kunde|payer|zahler|zahlende[rs]?|auftraggeber(?:in)?|name des auftraggebers",
    r"zahlungspflichtige[rs]?(?: / auftraggeber)?|payment from|zahlung von",
    r"absender(?:in)?|sender|from|von|buyer|käufer(?:in)?|paid by|bezahlt von|name|kontoinhaber(?:in)?",
    r"maksaja|betalare",
)
PAYER_EMAIL = _label(
    r"(?:customer|payer|buyer|buyer's|sender's|sender) e-?mail(?: address)?|e-mail des (?:käufers|zahlers|absenders)",
    r"e-mail(?:-adresse)?|email(?: address)?",
)
TEXT = _label(
    r"(?:note|message) (?:from|to) [^:\n]{1,60}|(?:nachricht|mitteilung) (?:von|an) [^:\n]{1,60}|note|nachricht|mitteilung|message|memo",
    r"hinweis für [^:\n]{1,40}|viesti|meddelande|invoice title|rechnungstitel",
    r"item (?:name|number|title)|artikel(?:name|nummer|bezeichnung)?",
    r"instructions? (?:to|for) (?:the )?(?:merchant|seller)|anweisungen? (?:an|für) (?:den )?verkäufer",
    r"payment reference|zahlungsreferenz|reference|referenz|verwendungszweck|zweck|purpose",
    r"description|beschreibung|invoice (?:number|no\.?|#)|rechnungs-?(?:nummer|nr\.?)|kundenreferenz",
)

# A label's value that is a table's column heads ("Unit price  Qty  Amount"), not a text.
COLUMN_HEADS = re.compile(r"\b(?:unit price|stückpreis|einzelpreis|qty|quantity|anzahl|menge)\b", re.I)

# Where a quoted or forwarded copy begins: nothing after it is the notification.
QUOTE_START = re.compile(
    r"^\s*(?:-{2,}\s*(?:original message|ursprüngliche nachricht|forwarded message|weitergeleitete nachricht)"
    r"|on .{5,80} wrote:|am .{5,80} schrieb .{0,80}:)",
    re.I,
)

IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[0-9A-Z*•x]{4}){2,7}(?: ?[0-9A-Z*•x]{1,3})?")
# Words before an IBAN that say whose account it is.
PAYER_ACCOUNT = _any(
    r"auftraggeber|zahler|payer|absender|sender|\bfrom\b|\bvon\b|\bdes kunden\b|gegenkonto|counterparty"
)
OWN_ACCOUNT = _any(
    r"ihr(?:em|es)? konto|your account|to account|auf konto|\bkonto\b|empfänger|beneficiary|credited to",
    r"gutgeschrieben auf|kontonummer|\baccount\b|ihr girokonto|ihrem girokonto|ihre iban",
)

STRIPE_ID = re.compile(r"\b(?:pi|ch|py|re|po|txn|in)_[A-Za-z0-9]{8,40}\b")
EMAIL = re.compile(r"[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}")
