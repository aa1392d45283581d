"""What a reply's new words mean: concepts, tense and negation, per language (``meaning``).

Each line is a sentence a client could write; the development corpus holds whole mails.
"""

from __future__ import annotations

from datetime import date

import pytest

from mailbot.inbound.intents import classify_text
from mailbot.inbound.meaning import clauses_of, fold, read

SENT = date(2026, 12, 4)  # a Friday

CASES = [
    # en: tense decides between a claim and a promise
    ("en", "We transferred the money yesterday.", "payment_claimed"),
    ("en", "I paid invoice 2026-001 this morning.", "payment_claimed"),
    ("en", "Payment was made on 2 December, please check.", "payment_claimed"),
    ("en", "Thanks for the invoice! It will be paid on the 18th.", "promise_to_pay"),
    ("en", "By the 15th we will settle the invoice.", "promise_to_pay"),
    ("en", "I've scheduled the transfer for Monday.", "promise_to_pay"),
    ("en", "We paid half today and will pay the rest on Friday.", "payment_claimed"),
    ("en", "Not paid yet, sorry - will do next week.", "promise_to_pay"),
    ("en", "Not paid yet, I am checking with finance.", "other"),
    ("en", "We will not pay this, the work was never delivered.", "dispute"),
    ("en", "We won't pay this invoice.", "dispute"),
    ("en", "Unfortunately this won't get paid before we get the corrected VAT.", "dispute"),
    ("en", "You charged me twice for the hosting.", "dispute"),
    ("en", "The quote said 10 hours, you billed 12 hours instead of 10.", "dispute"),
    ("en", "Could you explain the second line item?", "question"),
    ("en", "What is your PO number requirement?", "question"),
    ("en", "Thanks, got it.", "thanks"),
    ("en", "I forwarded this to our accounts team.", "other"),
    ("en", "Are you coming to the Christmas drinks?", "other"),
    ("en", "Could you add our PO number? Accounts needs it before they can pay.", "question"),
    ("en", "We won't be paying until the contact form on the site works.", "dispute"),
    ("en", "It won't get paid until we have the PO number.", "other"),
    ("en", "goes out friday, promise :) my client finally paid me so all good now", "promise_to_pay"),
    ("en", "Invoice 2026-001 has been approved for payment on 04/12/2026.", "promise_to_pay"),
    ("en", "Just did it through the PayPal link on the invoice.", "payment_claimed"),
    ("en", "We've sent €700 of the 1,356.60 this morning, the remainder in January.", "payment_claimed"),
    ("en", "Please reissue with the correct hours, the invoice lists 12 instead of 8.", "dispute"),
    # de
    ("de", "Bis zum 15. begleichen wir die Rechnung.", "promise_to_pay"),
    ("de", "Die Überweisung geht morgen raus.", "promise_to_pay"),
    ("de", "Der Betrag wird am 17.12. angewiesen.", "promise_to_pay"),
    ("de", "Wir haben die Rechnung gestern überwiesen.", "payment_claimed"),
    ("de", "Die Rechnung ist bereits beglichen.", "payment_claimed"),
    ("de", "Die Rechnung ist noch nicht bezahlt, wir überweisen am Freitag.", "promise_to_pay"),
    ("de", "Wir zahlen erst, wenn der Fehler behoben ist.", "dispute"),
    ("de", "Wir haben heute 500 € angewiesen, der Rest kommt, wenn unser Kunde zahlt.", "payment_claimed"),
    ("de", "Die Stundenanzahl stimmt nicht, vereinbart waren 8 Stunden.", "dispute"),
    ("de", "Können Sie uns die Rechnung nochmal als PDF schicken?", "question"),
    ("de", "Vielen Dank, Rechnung ist angekommen.", "thanks"),
    ("de", "Geht Freitag raus.", "promise_to_pay"),
    ("de", "Wieso sollen wir Bildrechte bezahlen, wenn die Fotos von uns kamen?", "dispute"),
    ("de", "Nein, bezahlt ist die noch nicht, ich kläre gerade, warum sie hängt, und melde mich.", "other"),
    ("de", "Solange die Druckdaten nicht in CMYK vorliegen, zahl ich keinen Cent.", "dispute"),
    # fi
    ("fi", "Maksamme laskun perjantaina.", "promise_to_pay"),
    ("fi", "Lasku maksetaan 15.12. mennessä.", "promise_to_pay"),
    ("fi", "Maksoimme laskun eilen.", "payment_claimed"),
    ("fi", "Lasku on maksettu tänään.", "payment_claimed"),
    ("fi", "Emme ole vielä maksaneet, maksamme ensi viikolla.", "promise_to_pay"),
    ("fi", "Sanamäärä on väärä, eikö?", "dispute"),
    ("fi", "Voisitteko lähettää laskun verkkolaskuna?", "question"),
    ("fi", "Kiitos, lasku saatu.", "thanks"),
    ("fi", "Lähtee perjantaina.", "promise_to_pay"),
    ("fi", "Tilisiirto tehdään ensi viikon alussa.", "promise_to_pay"),
    # sr Latin and Cyrillic
    ("sr-Latn", "Platićemo do petka.", "promise_to_pay"),
    ("sr-Latn", "Do 15. ćemo izmiriti fakturu.", "promise_to_pay"),
    ("sr-Latn", "Iznos je uplaćen danas.", "payment_claimed"),
    ("sr-Latn", "Uplatili smo juče, u prilogu je potvrda.", "payment_claimed"),
    ("sr-Latn", "Iznos nije tačan, dogovorili smo 500 evra.", "dispute"),
    ("sr-Latn", "Nećemo platiti ovu fakturu.", "dispute"),
    ("sr-Latn", "Hvala, primljeno.", "thanks"),
    ("sr-Cyrl", "Платићемо до петка.", "promise_to_pay"),
    ("sr-Cyrl", "Износ је уплаћен данас.", "payment_claimed"),
    ("sr-Cyrl", "Износ није тачан.", "dispute"),
    ("sr-Cyrl", "Да ли можете да пошаљете фактуру поново?", "question"),
    ("sr-Latn", "Ide u petak, izvinite na kašnjenju.", "promise_to_pay"),
    ("sr-Latn", "SWIFT nalog je poslat juče, referenca 2026-006.", "payment_claimed"),
    (
        "sr-Latn",
        "Kod nas se plaćanja rade dva puta nedeljno, faktura je na spisku za četvrtak.",
        "promise_to_pay",
    ),
    ("sr-Cyrl", "Биће измирено до 15-ог, имамо мало застоја са наплатом.", "promise_to_pay"),
    # fr
    ("fr", "Nous réglerons la facture le 15 décembre.", "promise_to_pay"),
    ("fr", "La facture sera réglée vendredi.", "promise_to_pay"),
    ("fr", "Le virement a été effectué hier.", "payment_claimed"),
    ("fr", "Nous avons payé la facture ce matin.", "payment_claimed"),
    ("fr", "Nous ne réglerons pas cette facture tant que l'erreur n'est pas corrigée.", "dispute"),
    ("fr", "Le montant est incorrect, le devis indiquait 800 euros.", "dispute"),
    ("fr", "Pourriez-vous nous renvoyer la facture en PDF ?", "question"),
    ("fr", "Merci, bien reçu.", "thanks"),
    ("fr", "Ça part vendredi.", "promise_to_pay"),
    ("fr", "C'est fait par carte via votre lien.", "payment_claimed"),
    ("fr", "Merci de nous indiquer le numéro de bon de commande à reporter sur la facture.", "question"),
    ("fr", "Comment arrivez-vous à 18 heures alors que le devis en prévoyait 12 ?", "dispute"),
]


@pytest.mark.parametrize(("language", "words", "intent"), CASES, ids=[c[1][:40] for c in CASES])
def test_reply_words_mean_what_a_bookkeeper_reads(language, words, intent):
    verdict = classify_text(words, frozenset(), language, SENT)
    assert verdict.intent == intent, verdict
    if intent != "other":
        assert verdict.phrase and verdict.phrase in fold(words)
        assert verdict.words, "every reading names the words that decided it"


def test_a_mail_about_the_invoice_that_says_nothing_mailbot_can_read_is_not_sure():
    unread = read("The invoice reminds me of the project we did together in spring.", "en", SENT)
    chat = read("See you at the Christmas party!", "en", SENT)
    assert (unread.intent, unread.confidence < 0.7) == ("other", True)
    assert (chat.intent, chat.confidence >= 0.7) == ("other", True)


def test_a_plain_claim_is_sure_and_a_bare_paying_word_is_not():
    assert read("We transferred the money yesterday.", "en", SENT).confidence >= 0.85
    vague = read("Regarding the payment.", "en", SENT)
    assert (vague.intent, vague.confidence < 0.7) == ("other", True)


def test_a_hint_of_disagreement_alone_is_a_dispute_mailbot_is_not_sure_of():
    reading = read("As quoted it was 10 hours.", "en", SENT)
    assert reading.intent == "dispute" and reading.confidence < 0.7


def test_words_found_only_in_another_language_are_less_sure():
    english = read("We paid yesterday.", "en", SENT)
    read_as_finnish = read("We paid yesterday.", "fi", SENT)
    assert read_as_finnish.intent == "payment_claimed"
    assert read_as_finnish.confidence < english.confidence


def test_a_clause_is_a_piece_of_the_folded_words():
    text = "Thanks,\nwe paid half today, and will pay\nthe rest on Friday."
    assert clauses_of(text) == ["thanks", "we paid half today", "will pay the rest on friday"]
    assert all(clause in fold(text) for clause in clauses_of(text))


def test_cyrillic_is_read_with_the_latin_lexicon_and_keeps_its_own_phrase():
    verdict = classify_text("Износ је уплаћен данас.", frozenset(), "sr-Cyrl", SENT)
    assert verdict.phrase == "износ је уплаћен данас"


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", "Could the invoice be made out to Doe Studio UG, Berlin, instead of me personally?"),
        ("de", "Bitte stellen Sie die Rechnung auf die Kaiser Holding GmbH um."),
        ("fi", "Laskussa on vanha osoite, uusi on Työpajankatu 10 A, Helsinki."),
        ("sr-Latn", "Od 1. januara fakture šaljite isključivo na adresu fakture@petrovic.example."),
    ],
)
def test_a_new_address_or_recipient_for_invoices_is_a_contact_change(language, words):
    assert classify_text(words, frozenset(), language, SENT).intent == "contact_change"


def test_a_pdf_addressed_to_someone_is_no_new_recipient():
    words = "Could you send a PDF copy of invoice 2026-002 addressed to them, with a statement?"
    assert classify_text(words, frozenset(), "en", SENT).intent == "question"
