"""The language of a reply's new words (``inbound.language``)."""

from __future__ import annotations

import pytest

from mailbot.inbound.language import detect

SENTENCES = [
    ("We will transfer the amount on Friday, sorry for the delay.", "en"),
    ("Wir überweisen den Betrag am Freitag, sorry für die Verspätung.", "de"),
    ("Maksamme laskun perjantaina, pahoittelut viivästyksestä.", "fi"),
    ("Nous réglerons la facture vendredi, désolés pour le retard.", "fr"),
    ("Platićemo fakturu u petak, izvinite zbog kašnjenja.", "sr-Latn"),
    ("Платићемо фактуру у петак, извините због кашњења.", "sr-Cyrl"),
]


@pytest.mark.parametrize(("text", "language"), SENTENCES)
def test_a_sentence_is_told_by_its_language(text, language):
    found, confidence = detect(text)
    assert found == language and confidence > 0.5


def test_serbian_in_latin_script_is_serbian_not_croatian_or_bosnian():
    assert detect("Hvala, uplatili smo danas.")[0] == "sr-Latn"


def test_a_word_or_two_is_told_by_mailbots_own_word_lists_before_the_clients_language():
    assert detect("Merci", hint="de")[0] == "fr"
    assert detect("Danke, erhalten.")[0] == "de"
    assert detect("Hvala!")[0] == "sr-Latn"


def test_a_note_no_word_list_knows_takes_the_clients_language_or_none():
    assert detect("Ok", hint="fi") == ("fi", 0.4)
    assert detect("Ok") == ("", 0.0)  # (an unknown language is never learned from)


def test_no_letters_no_language():
    assert detect("12.12. 1.250,00 ...") == ("", 0.0)
    assert detect("", hint="de") == ("de", 0.0)
