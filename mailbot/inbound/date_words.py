"""Pure data: the words that name days in en, de, fi, fr and Serbian (both scripts).

Only vocabulary lives here; ``dates`` turns it into patterns.  Serbian is written
once in Latin script: the Cyrillic forms and the forms typed without diacritics
("platicemo", "cetvrtak") are derived, so the three spellings cannot drift apart.
"""

from __future__ import annotations

# fmt: off
# (word lists, a few words a line)

_CYRILLIC = {
    "lj": "љ", "nj": "њ", "dž": "џ", "a": "а", "b": "б", "c": "ц", "č": "ч", "ć": "ћ", "d": "д", "đ": "ђ",
    "e": "е", "f": "ф", "g": "г", "h": "х", "i": "и", "j": "ј", "k": "к", "l": "л", "m": "м", "n": "н",
    "o": "о", "p": "п", "r": "р", "s": "с", "š": "ш", "t": "т", "u": "у", "v": "в", "z": "з", "ž": "ж",
}
_ASCII = str.maketrans({"č": "c", "ć": "c", "š": "s", "ž": "z", "đ": "dj"})


def cyrillic(latin: str) -> str:
    """Serbian Latin to Cyrillic, digraphs (lj, nj, dž) first."""
    out, i = [], 0
    while i < len(latin):
        pair = latin[i : i + 2].lower()
        if pair in ("lj", "nj", "dž"):
            out.append(_CYRILLIC[pair])
            i += 2
            continue
        out.append(_CYRILLIC.get(latin[i].lower(), latin[i]))
        i += 1
    return "".join(out)


def serbian(*latin: str) -> list[str]:
    """Every spelling of Serbian words: Latin, Latin without diacritics, Cyrillic."""
    return sorted({form for word in latin for form in (word, word.translate(_ASCII), cyrillic(word))})


def finnish(stem: str, endings: str = "|na|hin|ksi|sta|n|sin") -> list[str]:
    return [stem + ending for ending in endings.split("|")]


# Weekday forms, Monday first.  Finnish by case endings (perjantaina, perjantaihin);
# Serbian "nedelja" is also "week", so Sunday is only "u nedelju" (see dates).
WEEKDAYS: list[list[str]] = [
    [
        "monday", "montag", "montags", "lundi", *finnish("maanantai"),
        *serbian("ponedeljak", "ponedeljka", "ponedeljku", "ponedeljkom"),
    ],
    [
        "tuesday", "dienstag", "dienstags", "mardi", *finnish("tiistai"),
        *serbian("utorak", "utorka", "utorku", "utorkom"),
    ],
    [
        "wednesday", "mittwoch", "mittwochs", "mercredi", *finnish("keskiviikko"), "keskiviikkoisin",
        *serbian("sreda", "srede", "sredu", "sredom"),
    ],
    [
        "thursday", "donnerstag", "donnerstags", "jeudi", *finnish("torstai"),
        *serbian("četvrtak", "četvrtka", "četvrtku", "četvrtkom"),
    ],
    [
        "friday", "freitag", "freitags", "vendredi", *finnish("perjantai"),
        *serbian("petak", "petka", "petku", "petkom"),
    ],
    [
        "saturday", "samstag", "samstags", "samedi", *finnish("lauantai"),
        *serbian("subota", "subote", "subotu", "subotom"),
    ],
    ["sunday", "sonntag", "sonntags", "dimanche", *finnish("sunnuntai"), *serbian("u nedelju", "u nedjelju")],
]
# Before a weekday: the one in next calendar week / the one already past.
NEXT = [
    "next", "nächsten", "nächster", "nächste", "kommenden", "kommender", "ensi", "tulevana", "seuraavana",
    *serbian(
        "sledećeg", "sledeće", "sledeći", "narednog", "naredne", "naredni", "idućeg", "iduće", "sljedećeg",
        "sljedeće",
    ),
]
LAST = ["last", "letzten", "letzter", "vergangenen", "viime", *serbian("prošlog", "prošle", "prošli")]
THIS = [
    "this", "this coming", "diesen", "dieser", "tämän viikon",
    *serbian("ovog", "ove", "ovaj", "prvi sledeći", "prvog sledećeg", "prvi naredni", "prvog narednog"),
]

# Offsets in days from the mail's own date.
RELATIVE_DAYS = {
    0: ["today", "heute", "tänään", "aujourd'hui", "aujourd’hui", *serbian("danas", "još danas")],
    1: ["tomorrow", "morgen", "huomenna", "demain", *serbian("sutra")],
    2: [
        "the day after tomorrow", "day after tomorrow", "übermorgen", "ylihuomenna", "après-demain",
        "apres-demain", *serbian("prekosutra"),
    ],
}

NEXT_WEEK = [
    "next week", "in der nächsten woche", "nächste woche", "nächster woche", "der nächsten woche",
    "kommende woche", "ensi viikolla", "ensi viikon alussa", "ensi viikon alkupuolella", "early next week",
    "beginning of next week", "start of next week", "début de semaine prochaine",
    "au début de la semaine prochaine",
    "ensi viikon aikana", "seuraavalla viikolla", "la semaine prochaine", "semaine prochaine",
    *serbian(
        "sledeće nedelje", "sledeće sedmice", "naredne nedelje", "iduće nedelje", "sljedeće sedmice",
        "sljedeći tjedan", "sledeće nedelje",
    ),
]
END_OF_WEEK = [
    "end of this week", "end of the week", "end of week", "ende der woche", "ende dieser woche",
    "ende diese woche", "tämän viikon loppuun mennessä", "viikon loppuun mennessä", "tämän viikon lopussa",
    "viikon lopussa", "viikon loppuun", "la fin de la semaine", "fin de semaine", "la fin de cette semaine",
    *serbian(
        "do kraja nedelje", "do kraja ove nedelje", "krajem nedelje", "krajem ove nedelje",
        "do kraja sedmice", "krajem sedmice", "do kraja nedjelje",
    ),
]
END_OF_NEXT_WEEK = [
    "end of next week", "ende nächster woche", "ende der nächsten woche", "ende kommender woche",
    "ensi viikon loppuun mennessä", "ensi viikon lopussa", "ensi viikon loppuun",
    "la fin de la semaine prochaine", "fin de la semaine prochaine", "fin de semaine prochaine",
    "en fin de semaine prochaine",
    *serbian(
        "do kraja sledeće nedelje", "krajem sledeće nedelje", "krajem naredne nedelje",
        "do kraja naredne nedelje",
    ),
]
END_OF_MONTH = [
    "end of the month", "end of this month", "end of month", "month end", "month-end", "monatsende",
    "ende des monats", "ende dieses monats", "ende monat", "kuun loppuun mennessä", "kuun loppuun",
    "kuun lopussa", "kuukauden loppuun", "kuukauden lopussa", "fin du mois", "fin de mois",
    "la fin du mois", "fin de ce mois",
    # in December the month's end is the year's
    "end of the year", "end of this year", "year end", "year-end", "jahresende", "ende des jahres",
    "vuoden loppuun mennessä", "vuoden loppuun", "vuoden lopussa", "fin de l'année", "fin d'année",
    *serbian(
        "do kraja meseca", "krajem meseca", "do kraja ovog meseca", "krajem ovog meseca",
        "do kraja mjeseca", "krajem mjeseca",
    ),
]
END_OF_NEXT_MONTH = [
    "end of next month", "ende nächsten monats", "ende des nächsten monats", "ensi kuun lopussa",
    "ensi kuun loppuun", "fin du mois prochain",
    *serbian("krajem sledećeg meseca", "do kraja sledećeg meseca", "krajem narednog meseca"),
]
# "Ende Dezember", "end of December", "joulukuun lopussa", "krajem decembra", "fin décembre".
END_OF_BEFORE = [
    "end of", "ende", "bis ende", "by the end of", "fin", "à la fin de", "fin de",
    *serbian("krajem", "do kraja"),
]
END_OF_AFTER = ["lopussa", "loppuun", "loppuun mennessä"]

# Spans of time: "in two weeks", "binnen 14 Tagen", "za dve nedelje", "dans deux semaines".
WITHIN = [
    "in", "within", "in the next", "innerhalb", "innerhalb von", "innerhalb der nächsten", "binnen",
    "in den nächsten", "dans", "sous", "d'ici", *serbian("za", "u roku od", "u narednih", "u sledećih"),
]
FINNISH_WITHIN = ["kuluttua", "sisällä", "kuluessa", "päästä", "aikana"]  # after the span
NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "ten": 10, "fourteen": 14, "fifteen": 15, "twenty": 20, "thirty": 30, "ein": 1, "eine": 1, "einer": 1,
    "einem": 1, "zwei": 2, "drei": 3, "vier": 4, "fünf": 5, "sechs": 6, "sieben": 7, "acht": 8, "zehn": 10,
    "vierzehn": 14, "zwanzig": 20, "dreißig": 30, "yhden": 1, "kahden": 2, "kolmen": 3, "neljän": 4,
    "viiden": 5, "kuuden": 6, "seitsemän": 7, "kahdeksan": 8, "kymmenen": 10, "neljäntoista": 14, "un": 1,
    "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "sept": 7, "huit": 8, "dix": 10, "quinze": 15,
    "trente": 30,
    **{
        form: n
        for n, words in (
            (1, ("jedan", "jednu", "jedne", "jednog")), (2, ("dva", "dve", "dvije")), (3, ("tri",)),
            (4, ("četiri",)), (5, ("pet",)), (7, ("sedam",)), (10, ("deset",)), (14, ("četrnaest",)),
            (15, ("petnaest",)), (30, ("trideset",)),
        )
        for form in serbian(*words)
    },
}
UNITS = {
    1: ["days", "day", "tage", "tagen", "tag", "päivän", "päivää", "jours", "jour", *serbian("dana", "dan")],
    7: [
        "weeks", "week", "wochen", "woche", "viikon", "viikkoa", "semaines", "semaine",
        *serbian("nedelje", "nedelja", "nedelju", "sedmice", "sedmica", "sedmicu", "tjedna", "tjedan"),
    ],
    14: ["fortnight"],
}
# Whole phrases for a span: "sous huitaine" (French counts a week as eight days, inclusive).
SPANS = {
    7: [
        "sous huitaine", "sous 8 jours", "dans huit jours", "dans 8 jours", "viikon kuluttua",
        "viikon sisällä", "viikon kuluessa",
        *serbian("za nedelju dana", "u roku od nedelju dana", "za sedam dana"),
    ],
    14: ["sous quinzaine", "dans quinze jours", "dans 15 jours"],
}

# Month names in every case; each maps to its month by the longest matching prefix.
MONTHS: dict[int, list[str]] = {
    1: [
        "january", "jan", "januar", "jänner", "janvier", "janv", *finnish("tammikuu", "|ta|n|ssa|hun|lle"),
        *serbian("januar", "januara", "januaru"),
    ],
    2: [
        "february", "feb", "februar", "février", "fevrier", "févr", "fév",
        *finnish("helmikuu", "|ta|n|ssa|hun|lle"), *serbian("februar", "februara", "februaru"),
    ],
    3: [
        "march", "mar", "märz", "mär", "mrz", "mars", *finnish("maaliskuu", "|ta|n|ssa|hun|lle"),
        *serbian("mart", "marta", "martu"),
    ],
    4: [
        "april", "apr", "avril", "avr", *finnish("huhtikuu", "|ta|n|ssa|hun|lle"),
        *serbian("april", "aprila", "aprilu"),
    ],
    5: ["may", "mai", *finnish("toukokuu", "|ta|n|ssa|hun|lle"), *serbian("maj", "maja", "maju")],
    6: [
        "june", "jun", "juni", "juin", *finnish("kesäkuu", "|ta|n|ssa|hun|lle"),
        *serbian("jun", "juna", "junu"),
    ],
    7: [
        "july", "jul", "juli", "juillet", "juil", *finnish("heinäkuu", "|ta|n|ssa|hun|lle"),
        *serbian("jul", "jula", "julu"),
    ],
    8: [
        "august", "aug", "août", "aout", *finnish("elokuu", "|ta|n|ssa|hun|lle"),
        *serbian("avgust", "avgusta", "avgustu"),
    ],
    9: [
        "september", "sep", "sept", "septembre", *finnish("syyskuu", "|ta|n|ssa|hun|lle"),
        *serbian("septembar", "septembra", "septembru"),
    ],
    10: [
        "october", "oct", "oktober", "okt", "octobre", *finnish("lokakuu", "|ta|n|ssa|hun|lle"),
        *serbian("oktobar", "oktobra", "oktobru"),
    ],
    11: [
        "november", "nov", "novembre", *finnish("marraskuu", "|ta|n|ssa|hun|lle"),
        *serbian("novembar", "novembra", "novembru"),
    ],
    12: [
        "december", "dec", "dezember", "dez", "décembre", "decembre", "déc",
        *finnish("joulukuu", "|ta|n|ssa|hun|lle"), *serbian("decembar", "decembra", "decembru"),
    ],
}

# Days of the month in words, as they stand before or after a month name.
_EN = [
    "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
    "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth",
    "eighteenth", "nineteenth", "twentieth",
]
_FR = [
    "premier", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix", "onze", "douze",
    "treize", "quatorze", "quinze", "seize", "dix-sept", "dix-huit", "dix-neuf", "vingt",
]
_DE = [
    "ersten", "zweiten", "dritten", "vierten", "fünften", "sechsten", "siebten", "achten", "neunten",
    "zehnten", "elften", "zwölften", "dreizehnten", "vierzehnten", "fünfzehnten", "sechzehnten",
    "siebzehnten", "achtzehnten", "neunzehnten", "zwanzigsten",
]
_SR = [
    "prvog", "drugog", "trećeg", "četvrtog", "petog", "šestog", "sedmog", "osmog", "devetog", "desetog",
    "jedanaestog", "dvanaestog", "trinaestog", "četrnaestog", "petnaestog", "šesnaestog", "sedamnaestog",
    "osamnaestog", "devetnaestog", "dvadesetog",
]
_UNITS_EN = _EN[:9]
DAY_WORDS: dict[str, int] = {
    **{w: n for n, w in enumerate(_EN, 1)}, **{f"twenty-{w}": 20 + n for n, w in enumerate(_UNITS_EN, 1)},
    "thirtieth": 30, "thirty-first": 31, **{w: n for n, w in enumerate(_FR, 1)}, "1er": 1,
    **{f"vingt-{w}": 20 + n for n, w in enumerate(_FR[1:9], 2)}, "vingt et un": 21, "trente": 30,
    "trente et un": 31, **{w: n for n, w in enumerate(_DE, 1)},
    **{
        f"{u}undzwanzigsten": 20 + n
        for n, u in enumerate(["ein", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun"], 1)
    },
    "dreißigsten": 30, "einunddreißigsten": 31,
    **{form: n for n, w in enumerate(_SR, 1) for form in serbian(w)},
    **{form: 20 + n for n, w in enumerate(_SR[:9], 1) for form in serbian(f"dvadeset {w}")},
    **dict.fromkeys(serbian("tridesetog"), 30), **dict.fromkeys(serbian("trideset prvog"), 31),
}

# Words that tie a date to paying (stems, matched at a word start).
PAY_STEMS = [
    "pay", "paid", "settl", "transfer", "remit", "wire", "zahl", "bezahl", "überweis", "begleich",
    "ausgleich", "anweis", "maks", "suorit", "tilit", "siirr", "pai", "règl", "regl", "vir", "sold",
    "acquitt", *serbian("plat", "plać", "uplat", "izmir", "isplat", "prebac", "uplać"),
]

# Phrases that name no single day: a promise tied to them has no date ("early January"
# is a week or two; "before Christmas" any day before the 24th; a payment run without its day).
VAGUE = [
    "early", "beginning of", "start of", "mid", "mid-", "middle of", "anfang", "mitte", "alussa",
    "alkupuolella", "puolivälissä", "début", "mi-", "milieu", "courant",
    *serbian("početkom", "sredinom", "polovinom"),
]
VAGUE_PHRASES = [
    "before christmas", "vor weihnachten", "ennen joulua", "avant noël", "avant noel",
    *serbian("pre božića", "prije božića"), "after the holidays", "nach den feiertagen", "pyhien jälkeen",
    "après les fêtes", *serbian("posle praznika"), "this week", "diese woche", "dieser woche",
    "tällä viikolla", "cette semaine", *serbian("ove nedelje", "ove sedmice"), "next month",
    "nächsten monat", "kommenden monat", "ensi kuussa", "le mois prochain",
    *serbian("sledećeg meseca", "narednog meseca"), "payment run", "zahllauf", "zahlungslauf", "maksuajo",
    "campagne de paiement", *serbian("ciklus plaćanja", "ciklusu plaćanja"), "soon", "asap", "bald", "pian",
    "bientôt", *serbian("uskoro"),
]
# Before a date that is about something else: an invoice's own date, or an absence.
REFERENCE = [
    "invoice of", "invoice dated", "invoice from", "bill of", "reminder of", "email of", "mail of",
    "letter of", "dated", "vom", "datiert", "päivätty", "päivätyn", "päiväämä", "facture du", "courrier du",
    "mail du", "relance du", "message du", "datée du", "daté du",
    *serbian("od", "iz", "datiran", "datirane"),
]
AWAY = [
    "away", "travelling", "traveling", "on a business trip", "unterwegs", "auf reisen", "dienstreise",
    "reissulla", "matkalla", "en déplacement", "out of office", "out of the office", "on holiday",
    "on vacation", "on leave", "abwesend", "urlaub", "nicht im büro", "lomalla", "poissa", "matkoilla",
    "absent", "absente", "en congé", "en vacances",
    *serbian("odsutan", "odsutna", "na odmoru", "na godišnjem", "na putu", "na službenom putu"),
]
# fmt: on
