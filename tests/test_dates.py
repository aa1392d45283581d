"""The day a reply names, in every phrasing of en, de, fi, fr and Serbian (both scripts).

Mails dated Fri 4 Dec 2026 (``FRI``) and Wed 16 Dec 2026 (``WED``).  Each row is a
client's new words and the promised day (None: no single day, or only a trap).
"""

from __future__ import annotations

import time
from datetime import date

import pytest

from mailbot.inbound.dates import date_hits, find_date, promised_date, return_day

FRI, WED = date(2026, 12, 4), date(2026, 12, 16)


def d(month: int, day: int, year: int = 2026) -> date:
    return date(year, month, day)


PROMISES = [
    # weekdays as habits, the first coming one, the start of next week (issue 13's second development set)
    ("fi", "Maksut ajetaan torstaisin, joten se lähtee silloin.", FRI, d(12, 10)),
    ("sr-Latn", "Plaćanja idu sredom, faktura ide u prvom krugu.", FRI, d(12, 9)),
    ("sr-Latn", "Vaša faktura je na spisku za prvi sledeći četvrtak.", FRI, d(12, 10)),
    ("fi", "Tilisiirto tehdään ensi viikon alussa.", FRI, d(12, 7)),
    # numbers in local order
    ("de", "Wir zahlen am 15.12.", FRI, d(12, 15)),
    ("de", "Die Überweisung erfolgt am 15.12.2026.", FRI, d(12, 15)),
    ("de", "Wir begleichen die Rechnung am 15. 12.", FRI, d(12, 15)),
    ("de", "Wir zahlen am 10.12 per Überweisung.", FRI, d(12, 10)),
    ("de", "Wir zahlen am 8.1.", FRI, d(1, 8, 2027)),
    ("en", "We will pay on 15/12.", FRI, d(12, 15)),
    ("en", "We will pay it on 12/15.", FRI, d(12, 15)),
    ("en", "We'll pay on 5/12.", FRI, d(12, 5)),
    ("en", "Payment will be made on 2026-12-15.", FRI, d(12, 15)),
    ("fi", "Maksamme laskun 15.12.", FRI, d(12, 15)),
    ("sr-Latn", "Platićemo 15.12.2026.", FRI, d(12, 15)),
    ("fr", "Nous réglerons la facture le 15/12/2026.", FRI, d(12, 15)),
    # ordinals
    ("en", "By the 15th we will settle the invoice.", FRI, d(12, 15)),
    ("en", "Payment on the 3rd.", FRI, d(1, 3, 2027)),
    ("de", "Wir zahlen bis zum 15.", FRI, d(12, 15)),
    ("de", "Wir überweisen am 15., versprochen.", FRI, d(12, 15)),
    ("fi", "Maksamme 15. päivä.", FRI, d(12, 15)),
    ("fi", "Maksamme kuun 15. päivään mennessä.", FRI, d(12, 15)),
    ("sr-Latn", "Uplatićemo do 15-og.", FRI, d(12, 15)),
    ("sr-Cyrl", "Уплатићемо до 15-ог.", FRI, d(12, 15)),
    ("sr-Latn", "Platićemo do 15.", FRI, d(12, 15)),
    ("fr", "Nous paierons le 15.", FRI, d(12, 15)),
    ("fr", "Nous réglerons le 1er.", FRI, d(1, 1, 2027)),
    # month names, every case
    ("de", "Wir zahlen am 15. Dezember.", FRI, d(12, 15)),
    ("de", "Zahlung am 15. Dez.", FRI, d(12, 15)),
    ("de", "Wir überweisen am 10. Januar.", FRI, d(1, 10, 2027)),
    ("fi", "Maksamme 15. joulukuuta.", FRI, d(12, 15)),
    ("fi", "Maksu suoritetaan joulukuun 15. päivänä.", FRI, d(12, 15)),
    ("sr-Latn", "Platićemo 15. decembra.", FRI, d(12, 15)),
    ("sr-Latn", "Uplata će biti 15. decembar.", FRI, d(12, 15)),
    ("sr-Cyrl", "Платићемо 15. децембра.", FRI, d(12, 15)),
    ("sr-Cyrl", "Уплата ће бити извршена 15. децембар 2026.", FRI, d(12, 15)),
    ("fr", "Nous réglerons le 15 décembre.", FRI, d(12, 15)),
    ("fr", "Paiement prévu le 15 déc.", FRI, d(12, 15)),
    ("en", "We'll pay on December 15.", FRI, d(12, 15)),
    ("en", "We'll pay on 15 December 2026.", FRI, d(12, 15)),
    ("en", "Payment will go out on Dec. 15th.", FRI, d(12, 15)),
    # days in words
    ("fr", "Nous réglerons le quinze décembre.", FRI, d(12, 15)),
    ("en", "We'll settle it on the fifteenth.", FRI, d(12, 15)),
    ("en", "We'll pay on the fifteenth of December.", FRI, d(12, 15)),
    ("de", "Wir zahlen am fünfzehnten Dezember.", FRI, d(12, 15)),
    ("sr-Latn", "Platićemo petnaestog decembra.", FRI, d(12, 15)),
    ("fr", "Nous payerons le premier janvier.", FRI, d(1, 1, 2027)),
    # weekdays, inflected
    ("fi", "Maksamme perjantaina.", FRI, d(12, 11)),
    ("fi", "Maksamme perjantaihin mennessä.", FRI, d(12, 11)),
    ("fi", "Maksamme ensi tiistaina.", FRI, d(12, 8)),
    ("fi", "Maksamme ensi tiistaina.", WED, d(12, 22)),
    ("sr-Latn", "Platićemo u petak.", FRI, d(12, 11)),
    ("sr-Latn", "Platićemo do petka.", FRI, d(12, 11)),
    ("sr-Latn", "Uplatićemo u utorak.", FRI, d(12, 8)),
    ("sr-Latn", "Platićemo sledećeg ponedeljka.", FRI, d(12, 7)),
    ("sr-Latn", "Platicemo u cetvrtak.", FRI, d(12, 10)),
    ("sr-Cyrl", "Платићемо у петак.", FRI, d(12, 11)),
    ("sr-Cyrl", "Уплатићемо до петка.", FRI, d(12, 11)),
    ("de", "Wir zahlen am Freitag.", FRI, d(12, 11)),
    ("de", "Wir überweisen bis Freitag.", FRI, d(12, 11)),
    ("de", "Wir zahlen nächsten Dienstag.", WED, d(12, 22)),
    ("fr", "Nous paierons vendredi.", FRI, d(12, 11)),
    ("fr", "Nous réglerons vendredi prochain.", WED, d(12, 25)),
    ("fr", "Nous paierons d'ici vendredi.", FRI, d(12, 11)),
    ("en", "We'll pay on Thursday.", FRI, d(12, 10)),
    ("en", "We'll pay next Friday.", WED, d(12, 25)),
    # today, tomorrow, the day after
    ("en", "We will pay today.", FRI, d(12, 4)),
    ("de", "Wir zahlen morgen.", FRI, d(12, 5)),
    ("fi", "Maksamme ylihuomenna.", FRI, d(12, 6)),
    ("sr-Latn", "Platićemo sutra.", FRI, d(12, 5)),
    ("sr-Cyrl", "Уплатићемо данас.", FRI, d(12, 4)),
    ("fr", "Nous paierons après-demain.", FRI, d(12, 6)),
    ("en", "We'll pay the day after tomorrow.", FRI, d(12, 6)),
    ("de", "Guten Morgen, wir zahlen nächste Woche.", FRI, d(12, 7)),
    # next week, end of week, end of next week, end of month
    ("en", "We'll pay next week.", WED, d(12, 21)),
    ("de", "Zahlung kommende Woche.", FRI, d(12, 7)),
    ("fi", "Maksamme ensi viikolla.", FRI, d(12, 7)),
    ("sr-Latn", "Uplatićemo sledeće nedelje.", FRI, d(12, 7)),
    ("fr", "Nous paierons la semaine prochaine.", WED, d(12, 21)),
    ("en", "We'll pay by the end of this week.", WED, d(12, 18)),
    ("de", "Wir zahlen bis Ende der Woche.", WED, d(12, 18)),
    ("fi", "Maksamme tämän viikon loppuun mennessä.", WED, d(12, 18)),
    ("sr-Latn", "Platićemo do kraja nedelje.", WED, d(12, 18)),
    ("sr-Cyrl", "Платићемо до краја недеље.", WED, d(12, 18)),
    ("fr", "Nous réglerons d'ici la fin de la semaine.", WED, d(12, 18)),
    ("en", "We'll pay by the end of next week.", WED, d(12, 25)),
    ("de", "Wir zahlen Ende nächster Woche.", WED, d(12, 25)),
    ("fi", "Maksamme ensi viikon loppuun mennessä.", WED, d(12, 25)),
    ("en", "We will pay at the end of the month.", FRI, d(12, 31)),
    ("de", "Zahlung zum Monatsende.", FRI, d(12, 31)),
    ("fi", "Maksamme kuun loppuun mennessä.", FRI, d(12, 31)),
    ("sr-Latn", "Platićemo do kraja meseca.", FRI, d(12, 31)),
    ("sr-Cyrl", "Платићемо крајем месеца.", FRI, d(12, 31)),
    ("fr", "Nous paierons d'ici la fin du mois.", FRI, d(12, 31)),
    ("de", "Wir zahlen Ende Januar.", FRI, d(1, 31, 2027)),
    ("fr", "Le règlement interviendra en fin de semaine prochaine.", WED, d(12, 25)),
    ("en", "We'll get this paid on Friday 11th December.", FRI, d(12, 11)),
    ("de", "Zahlung erfolgt am Montag, den 14.12.", FRI, d(12, 14)),
    ("sr-Latn", "Uplatu ćemo izvršiti u ponedeljak 14.12.", FRI, d(12, 14)),
    ("de", "Wir zahlen nächste Woche Mittwoch.", FRI, d(12, 9)),
    ("de", "Die Überweisung erfolgt Anfang nächster Woche.", FRI, d(12, 7)),
    ("en", "We will pay by the end of the year.", FRI, d(12, 31)),
    ("fi", "Maksamme vuoden loppuun mennessä.", FRI, d(12, 31)),
    ("en", "We'll pay within a fortnight.", FRI, d(12, 18)),
    # spans of time
    ("en", "We will pay in 10 days.", FRI, d(12, 14)),
    ("en", "We will pay within a week.", FRI, d(12, 11)),
    ("en", "We will pay in two weeks.", FRI, d(12, 18)),
    ("de", "Wir zahlen binnen 14 Tagen.", FRI, d(12, 18)),
    ("fi", "Maksamme kahden viikon kuluttua.", FRI, d(12, 18)),
    ("sr-Latn", "Platićemo za dve nedelje.", FRI, d(12, 18)),
    ("sr-Cyrl", "Платићемо за две недеље.", FRI, d(12, 18)),
    ("fr", "Nous paierons dans deux semaines.", FRI, d(12, 18)),
    ("fr", "Règlement sous huitaine.", FRI, d(12, 11)),
    ("sr-Latn", "Uplata u roku od 7 dana.", FRI, d(12, 11)),
    # payment runs
    ("en", "It will go out with our next payment run on Thursday.", FRI, d(12, 10)),
    ("de", "Die Zahlung erfolgt im Zahllauf am Donnerstag.", FRI, d(12, 10)),
    ("fi", "Lasku maksetaan maksuajossa torstaina.", FRI, d(12, 10)),
    ("en", "It will go out in our next payment run.", FRI, None),
    # no single day
    ("en", "We'll pay in early January.", FRI, None),
    ("de", "Wir zahlen Anfang Januar.", FRI, None),
    ("fi", "Maksamme laskun tammikuun alussa.", FRI, None),
    ("en", "We'll pay before Christmas.", FRI, None),
    ("fr", "Nous paierons avant Noël.", FRI, None),
    # Serbian Cyrillic, more forms
    ("sr-Cyrl", "Уплатићемо у уторак.", FRI, d(12, 8)),
    ("sr-Cyrl", "Платићемо следећег понедељка.", FRI, d(12, 7)),
    ("sr-Cyrl", "Платићемо прекосутра.", FRI, d(12, 6)),
    ("sr-Cyrl", "Рачун ћемо измирити до краја месеца.", FRI, d(12, 31)),
    ("sr-Cyrl", "Платићемо следеће недеље.", FRI, d(12, 7)),
    ("sr-Cyrl", "Уплата у року од 10 дана.", FRI, d(12, 14)),
    ("sr-Cyrl", "Платићемо 1.250,00 динара до петка.", FRI, d(12, 11)),
    ("sr-Cyrl", "Платићемо 20. децембра 2026.", FRI, d(12, 20)),
    # traps: times, amounts, invoice numbers, phones, percentages, postcodes, past days
    ("de", "Wir zahlen heute um 14.30 Uhr.", FRI, d(12, 4)),
    ("fi", "Soitan klo 14.30, maksamme huomenna.", FRI, d(12, 5)),
    ("en", "Call me at 10:12; we'll pay tomorrow.", FRI, d(12, 5)),
    ("de", "Wir überweisen 1.250,00 EUR am 18.12.", FRI, d(12, 18)),
    ("en", "Invoice 2026-004 will be paid on the 18th.", FRI, d(12, 18)),
    ("en", "Invoice 2026-004 will be paid soon.", FRI, None),
    ("fr", "Appelez-moi au 06.12.45.67.89, nous paierons vendredi.", FRI, d(12, 11)),
    ("de", "Wir zahlen abzüglich 2 % Skonto am 10.12.", FRI, d(12, 10)),
    ("de", "Kaiser & Söhne, Hauptstr. 5, 10115 Berlin. Wir zahlen am 18.12.", FRI, d(12, 18)),
    ("sr-Latn", "Platićemo 50% do petka.", FRI, d(12, 11)),
    ("en", "We will pay 1/2 now and the rest on the 18th.", FRI, d(12, 18)),
    ("en", "We paid on 2.12.", FRI, None),
    ("en", "We transferred it last Friday.", FRI, None),
    ("en", "Your invoice of 23.11. will be paid.", WED, None),
    # two dates: the one tied to paying
    ("en", "I'm away until the 14th, we'll pay on the 18th.", FRI, d(12, 18)),
    ("en", "Sorry, I'm travelling until the 14th, but I will pay the invoice on the 16th.", FRI, d(12, 16)),
    ("de", "Ihre Rechnung vom 23.11. begleichen wir am 18.12.", WED, d(12, 18)),
    ("fi", "Laskunne 23.11. maksetaan perjantaina.", WED, d(12, 18)),
    ("fr", "Suite à votre relance du 7 décembre, nous paierons le 18 décembre.", FRI, d(12, 18)),
    ("de", "Ich bin bis zum 14.12. im Urlaub. Danach überweisen wir am 17.12.", FRI, d(12, 17)),
    ("sr-Latn", "Sastanak je u ponedeljak, a račun ćemo platiti u petak.", FRI, d(12, 11)),
]


@pytest.mark.parametrize(("language", "words", "sent", "expected"), PROMISES)
def test_promised_day_is_read_in_every_phrasing(language, words, sent, expected):
    found = promised_date(words, sent, language)
    assert (found[0] if found else None) == expected, found


@pytest.mark.parametrize(("language", "words", "sent", "expected"), PROMISES)
def test_promised_day_is_read_without_knowing_the_language(language, words, sent, expected):
    found = promised_date(words, sent)
    assert (found[0] if found else None) == expected, found


def test_the_table_covers_six_languages_and_eighty_phrasings():
    assert len(PROMISES) >= 80
    assert {row[0] for row in PROMISES} == {"en", "de", "fi", "fr", "sr-Latn", "sr-Cyrl"}


def test_promised_date_gives_the_words_that_named_the_day():
    assert promised_date("Wir zahlen am 15. Dezember, versprochen.", FRI, "de") == (d(12, 15), "15. Dezember")


def test_a_slashed_date_is_day_first_outside_english():
    assert promised_date("Nous paierons le 5/12.", FRI, "fr") == (d(12, 5), "5/12")
    assert promised_date("We'll pay on 12/5.", FRI, "en") == (d(12, 5), "12/5")


def test_find_date_keeps_working_for_its_callers():
    assert find_date("We'll pay on Friday.", FRI) == (d(12, 11), "on Friday")


def test_a_weekday_beside_a_calendar_date_gives_way_to_it():
    assert promised_date("We'll pay on Friday, 12.12.", FRI, "en") == (d(12, 12), "12.12.")


def test_a_greeting_is_not_tomorrow():
    assert promised_date("Guten Morgen Frau Weber, wir zahlen am Freitag.", FRI, "de") == (
        d(12, 11),
        "am Freitag",
    )


RETURNS = [
    (
        "I am out of the office until Wednesday, 25 November 2026 with no access to email.",
        date(2026, 11, 23),
        d(11, 26),
    ),
    ("I am out of the office until 14 December.", WED, d(12, 15)),
    ("I will be back on 14 December.", WED, d(12, 14)),
    ("Ich bin ab 14.12. wieder im Büro.", FRI, d(12, 14)),
    (
        "Ich bin bis einschließlich 11.12.2026 im Urlaub. Ab Montag, dem 14.12.2026 bin ich wieder da.",
        FRI,
        d(12, 14),
    ),
    ("Palaan toimistolle 14.12.", FRI, d(12, 14)),
    ("Olen lomalla 14.12. asti.", FRI, d(12, 15)),
    ("Vraćam se 14. decembra.", FRI, d(12, 14)),
    ("Враћам се 14. децембра.", FRI, d(12, 14)),
    ("Na odmoru sam od 1.12. do 14.12.", FRI, d(12, 15)),
    ("Je serai de retour le 14 décembre.", FRI, d(12, 14)),
    ("Je suis absent du 1er au 14 décembre.", FRI, d(12, 15)),
    ("I am away from 1 to 14 December.", FRI, d(12, 15)),
    ("Ich bin vom 1. bis 14. Dezember im Urlaub.", FRI, d(12, 15)),
    ("I'm out of the office until Friday.", WED, d(12, 19)),
    ("I'm back on Monday.", WED, d(12, 21)),
    ("This mailbox is monitored Monday to Thursday.", WED, None),
    ("I am out of the office with limited access to email.", WED, None),
]


@pytest.mark.parametrize(("words", "sent", "expected"), RETURNS)
def test_an_out_of_office_return_day(words, sent, expected):
    assert return_day(words, sent) == expected


def test_date_hits_skip_times_and_amounts():
    words = "Termin um 10.12 Uhr, Betrag 12.10 EUR, am 18.12. zahlen wir."
    assert date_hits(words, FRI) == [(d(12, 18), words.index("18.12."))]


@pytest.mark.parametrize("words", ["1 " * 20000, "+1 2" * 5000, "01 23 " * 5000, "we pay on 15.12., " * 1000])
def test_a_hostile_reply_is_read_in_bounded_time(words):
    started = time.perf_counter()
    promised_date(words, FRI)
    return_day(words, FRI)
    assert time.perf_counter() - started < 2  # "1 " * 20000 took 78 s with unbounded amount patterns
