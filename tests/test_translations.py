"""The shipped languages (issue 15): every word translated, dates that read as sentences,
greetings by title, and mails with no English left in them.

English is the source language (the msgids); ``templates/locale/<lang>`` holds German,
Finnish, Serbian (Latin, and Cyrillic in ``sr_Cyrl``) and French.  The rendered samples are
those of ``tests/samples/make_samples.py`` (every mail kind and tone), read by
``tests/test_mail_snapshots.py`` too.
"""

from __future__ import annotations

import gettext
import re
from datetime import UTC, date, datetime

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po
from conftest import BASE_CONFIG, write_config
from jinja2.ext import babel_extract
from samples.make_samples import STORIES, Sample, build, cyrillic

from mailbot.config.settings import ConfigError, load_settings
from mailbot.ledger.read import load_ledger
from mailbot.outbound.i18n import babel_locale, base_language, fill, formatter_for
from mailbot.outbound.mails import Mailer
from mailbot.outbound.render import PAYMENT_METHODS
from mailbot.outbound.sources import Sources

TEMPLATES = Sources.of().shipped
CATALOGS = {p.parent.parent.name: p for p in sorted(TEMPLATES.glob("locale/*/LC_MESSAGES/mailbot.po"))}
NEW = ["fi", "sr", "sr-Cyrl", "fr"]  # issue 15's languages, as a client's `language` names them
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
# A greeting may greet by the whole name where the language has no Ms/Mr (Finnish "Hyvä Anna
# Virtanen,") or by title alone (French "Madame,"): the template passes both.
GREETINGS = {"Dear Ms %(surname)s,", "Dear Mr %(surname)s,", "Hello Ms %(surname)s,", "Hello Mr %(surname)s,"}
DOUBLE_STOP = re.compile(r"(?<!\.)\.\.(?!\.)")


def _catalog(lang: str) -> Catalog:
    with CATALOGS[lang].open("rb") as handle:
        return read_po(handle, locale=lang)


def _used_msgids() -> set[str]:
    """Every message the shipped templates ask for, and the payment methods' names."""
    found = set(PAYMENT_METHODS.values())
    for path in TEMPLATES.rglob("*"):
        if path.suffix in (".txt", ".mjml"):
            for _, message, _, _ in extract_from_file(
                babel_extract, str(path), keywords={"_": None, "ngettext": (1, 2)}
            ):
                found.add(message if isinstance(message, str) else message[0])
    return found


def test_the_shipped_languages_are_german_finnish_serbian_in_both_scripts_and_french():
    assert set(CATALOGS) == {"de", "fi", "sr", "sr_Cyrl", "fr"}


@pytest.mark.parametrize("lang", list(CATALOGS))
def test_every_message_the_templates_use_is_translated(lang):
    catalog = _catalog(lang)
    translated = {m.id if isinstance(m.id, str) else m.id[0]: m for m in catalog if m.id}
    missing = sorted(_used_msgids() - set(translated))
    assert not missing, f"{lang}: no translation for {missing}"
    empty = [
        mid
        for mid, m in translated.items()
        if not all(m.string if isinstance(m.string, tuple) else [m.string])
    ]
    assert not empty, f"{lang}: empty msgstr for {empty}"


@pytest.mark.parametrize("lang", list(CATALOGS))
def test_plural_forms_are_complete_for_the_languages_count_of_forms(lang):
    catalog = _catalog(lang)
    expected = {"de": 2, "fi": 2, "fr": 2, "sr": 3, "sr_Cyrl": 3}[lang]
    assert catalog.num_plurals == expected
    plurals = [m for m in catalog if m.id and m.pluralizable]
    assert plurals
    for message in plurals:
        assert len(message.string) == expected and all(message.string), message.id[0]


@pytest.mark.parametrize("lang", ["sr", "sr_Cyrl"])
def test_serbian_plural_rule_picks_one_few_and_many(lang):
    """1, 21, 101 dan; 2-4, 22-24 dana (few); 5-20, 11-14, 25 dana (many)."""
    form = gettext.c2py(_catalog(lang).plural_expr)  # the rule as gettext reads it
    assert [form(n) for n in (1, 21, 101, 2, 4, 22, 5, 11, 12, 14, 20, 25)] == [
        0,
        0,
        0,
        1,
        1,
        1,
        2,
        2,
        2,
        2,
        2,
        2,
    ]


@pytest.mark.parametrize("lang", list(CATALOGS))
def test_placeholders_are_the_same_in_the_translation(lang):
    for message in _catalog(lang):
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        wanted = {name for mid in ids for name in PLACEHOLDER.findall(mid)}
        for string in strings:
            found = set(PLACEHOLDER.findall(string))
            if ids[0] in GREETINGS:
                assert found <= wanted | {"name"}, (lang, ids[0], string)
            elif message.pluralizable:
                assert found <= wanted and found >= wanted - {"num"}, (lang, ids[0], string)
            else:
                assert found == wanted, (lang, ids[0], string)


def test_the_cyrillic_catalog_has_the_latin_ones_words_in_cyrillic():
    """sr_Cyrl is sr transliterated (so an edit of one without the other fails here): the same
    messages, no Latin letters outside names and placeholders."""
    latin, cyrillic_words = _catalog("sr"), _catalog("sr_Cyrl")
    assert {m.id if isinstance(m.id, str) else m.id[0] for m in latin} == {
        m.id if isinstance(m.id, str) else m.id[0] for m in cyrillic_words
    }
    # (a command in backquotes and mailbot's own name stay as the owner types and filters them)
    keep = re.compile(
        r"(%\(\w+\)s|`[^`]*`|\[mailbot\]|\bmailbot\b|PayPal|Apple Pay|Google Pay|SEPA|Re:|QR|HTML|\.pdf)"
    )
    latin_words = {m.id if isinstance(m.id, str) else m.id[0]: m.string for m in latin if m.id}
    for message in (m for m in cyrillic_words if m.id):
        mid = message.id if isinstance(message.id, str) else message.id[0]
        for string, source in zip(_strings(message.string), _strings(latin_words[mid]), strict=True):
            assert not re.search(r"[A-Za-zčćšžđČĆŠŽĐ]", keep.sub("", string)), string
            parts = keep.split(source)  # names and placeholders stay as they are
            assert string == "".join(p if i % 2 else cyrillic(p) for i, p in enumerate(parts)), mid


def _strings(string: str | tuple[str, ...]) -> list[str]:
    return [string] if isinstance(string, str) else list(string)


# --- Locales and dates -------------------------------------------------------------------------


def test_serbian_is_latin_by_default_and_cyrillic_when_asked():
    available = Sources.of().languages
    assert base_language("sr", available) == "sr"
    assert base_language("sr-Latn", available) == "sr"
    assert base_language("sr-Cyrl", available) == "sr_Cyrl"
    assert babel_locale("sr").script == "Latn"
    assert babel_locale("sr-RS").script == "Latn"
    assert babel_locale("sr-Cyrl").script == "Cyrl"
    day = date(2026, 12, 14)
    assert formatter_for("sr").date(day, "full") == "14. 12. 2026."
    assert formatter_for("sr-Cyrl").date(day, "full") == "14. 12. 2026."


def test_dates_read_in_a_sentence_in_each_language():
    day = date(2026, 12, 14)
    assert formatter_for("fi").date(day, "full") == "14.12.2026"  # "viimeistään 14.12.2026"
    assert formatter_for("fi").date(day, "long") == "14.12.2026"
    assert formatter_for("fr").date(day, "full") == "lundi 14 décembre 2026"  # "d'ici le lundi 14 ..."
    assert formatter_for("fr").date(day, "medium") == "14/12/2026"  # subjects: short, unambiguous
    assert formatter_for("de").date(day, "full") == "Montag, 14. Dezember 2026"


def test_french_writes_the_first_of_a_month_as_1er_in_words_and_not_in_numbers():
    first, eleventh = date(2026, 12, 1), date(2026, 12, 11)
    assert formatter_for("fr").date(first, "long") == "1er décembre 2026"
    assert formatter_for("fr").date(first, "full") == "mardi 1er décembre 2026"
    assert formatter_for("fr-CA").date(first, "long") == "1er décembre 2026"
    assert formatter_for("fr").date(eleventh, "long") == "11 décembre 2026"  # not "11er"
    assert formatter_for("fr").date(first, "medium") == "01/12/2026"
    assert formatter_for("en").date(first, "long") == "1 December 2026"


def test_a_value_ending_in_a_full_stop_gets_no_second_one():
    assert fill("Molimo uplatu do %(date)s.", {"date": "14. 12. 2026."}) == "Molimo uplatu do 14. 12. 2026."
    assert fill("Please pay by %(date)s.", {"date": "14 December 2026"}) == "Please pay by 14 December 2026."
    # mid-sentence, the value's own stop stays
    assert fill("datum %(date)s, ali", {"date": "2. 11. 2026."}) == "datum 2. 11. 2026., ali"
    assert fill("From %(name)s.", {"name": "Kaiser & Co."}) == "From Kaiser & Co."


# --- Greetings ---------------------------------------------------------------------------------


GREETING_CASES = [
    # language, tone, salutation, contact, surname, the first line
    ("en", "formal", "ms", "Jane Smith", "", "Dear Ms Smith,"),
    ("en", "formal", "", "Jane Smith", "", "Dear Jane Smith,"),
    ("en", "formal", "", "", "", "Dear Sir or Madam,"),
    ("de", "formal", "ms", "Petra Müller", "", "Sehr geehrte Frau Müller,"),
    ("de", "formal", "mr", "Jan Weber", "", "Sehr geehrter Herr Weber,"),
    ("de", "formal", "", "", "", "Sehr geehrte Damen und Herren,"),
    ("de", "friendly", "mr", "Jan Weber", "", "Guten Tag Herr Weber,"),
    ("sr", "formal", "ms", "Jelena Petrović", "", "Poštovana gospođo Petrović,"),
    ("sr", "formal", "mr", "Marko Petrović", "Petroviću", "Poštovani gospodine Petroviću,"),
    ("sr", "formal", "", "", "", "Poštovani,"),
    ("sr-Cyrl", "formal", "ms", "Јелена Петровић", "", "Поштована госпођо Петровић,"),
    ("fr", "formal", "ms", "Claire Dupont", "", "Madame,"),
    ("fr", "formal", "mr", "Paul Martin", "", "Monsieur,"),
    ("fr", "formal", "", "", "", "Madame, Monsieur,"),
    ("fr", "friendly", "mr", "Paul Martin", "", "Bonjour Monsieur Martin,"),
    ("fi", "formal", "ms", "Anna Virtanen", "", "Hyvä Anna Virtanen,"),
    ("fi", "friendly", "", "Anna Virtanen", "", "Hei Anna Virtanen,"),
    ("fi", "formal", "", "", "", "Hyvää päivää,"),
]


def _client_config(language: str, tone: str, salutation: str, contact: str, surname: str) -> str:
    lines = [f'language = "{language}"', f'tone = "{tone}"', f'contact = "{contact}"']
    lines += [f'salutation = "{salutation}"'] if salutation else []
    lines += [f'surname = "{surname}"'] if surname else []
    return BASE_CONFIG.replace('contact = "Jane Smith"', "\n".join(lines)).replace('language = "en"\n', "", 1)


@pytest.mark.parametrize(("language", "tone", "salutation", "contact", "surname", "first"), GREETING_CASES)
def test_the_mail_greets_as_the_language_and_tone_have_it(tmp_path, language, tone, salutation, contact,
                                                           surname, first):  # fmt: skip
    base = _client_config(language, tone, salutation, contact, surname)
    settings = load_settings(write_config(tmp_path, base=base))
    invoice = next(iter(load_ledger(settings).valid()))
    raw = Mailer(settings).build(
        invoice, "invoice", "<x@muster-design.example>", datetime(2026, 12, 7, 10, tzinfo=UTC)
    )
    sample = Sample(language, "invoice", "", raw, "")
    assert sample.text.split("\n", 1)[0] == first
    assert first in sample.html_words


def test_a_salutation_other_than_ms_or_mr_is_a_problem_naming_the_key(tmp_path):
    base = BASE_CONFIG.replace('contact = "Jane Smith"', 'contact = "Jane Smith"\nsalutation = "Frau"')
    with pytest.raises(ConfigError) as caught:
        load_settings(write_config(tmp_path, base=base))
    problems = [str(p) for p in caught.value.problems]
    assert any("[clients.acme] salutation: 'Frau' is not ms or mr" in p for p in problems), problems


# --- The rendered mails ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def samples(tmp_path_factory) -> dict[tuple[str, str], Sample]:
    workdir = tmp_path_factory.mktemp("samples")
    return {(lang, story.name): build(story, lang, workdir) for lang in ["en", *NEW] for story in STORIES}


def _english_sentences(lang: str) -> list[str]:
    """The English msgids the language translates differently, of three words or more."""
    catalog = _catalog(base_language(lang, Sources.of().languages))
    found = []
    for message in catalog:
        ids = [message.id] if isinstance(message.id, str) else list(message.id or ())
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        for mid in ids:
            words = PLACEHOLDER.split(mid)
            for part in words[::2]:  # the words between the placeholders
                if len(part.split()) >= 3 and part not in strings[0]:
                    found.append(part.strip())
    return found


@pytest.mark.parametrize("lang", NEW)
def test_no_english_sentence_is_left_in_any_mail(samples, lang):
    english = _english_sentences(lang)
    assert len(english) > 100  # the check has something to look for
    for story in STORIES:
        sample = samples[lang, story.name]
        for text in (sample.readable(), sample.html_words):
            left = [words for words in english if words in text]
            assert not left, (lang, story.name, left)


@pytest.mark.parametrize("lang", NEW)
def test_no_mail_has_a_double_full_stop(samples, lang):
    for story in STORIES:
        sample = samples[lang, story.name]
        for text in (sample.readable(), sample.html_words):
            assert not DOUBLE_STOP.search(text), (lang, story.name, DOUBLE_STOP.search(text))


def test_the_english_samples_would_be_caught(samples):
    """So that the check above can fail: an English mail holds the English sentences."""
    english = _english_sentences("fi")
    assert sum(words in samples["en", "invoice"].readable() for words in english) >= 3


def test_the_cyrillic_mails_have_no_serbian_latin_words(samples):
    """Only names and codes stay Latin (the business, IBAN, PayPal, EUR): every Latin word of a
    Cyrillic mail also stands in the English mail of the same story."""
    for story in STORIES:
        sample = samples["sr-Cyrl", story.name]
        words = re.sub(r"\S+@\S+|https?://\S+", "", f"{sample.subject}\n{sample.text}")  # addresses stay
        cyrillic = set(re.findall(r"[A-Za-zčćšžđČĆŠŽĐ]+", words))
        english = set(re.findall(r"[A-Za-z]+", samples["en", story.name].readable()))
        assert cyrillic - english - {"Re", "Serbia"} == set(), story.name


def test_the_formal_serbian_mail_capitalises_vi(samples):
    text = samples["sr", "reminder_firm_warm"].text
    assert "Vam" in text and not re.search(r"\b(vam|vas|vi|vaš|vašu)\b", text)


def test_french_puts_a_no_break_space_before_colons(samples):
    text = samples["fr", "invoice"].text
    assert "Montant à régler\u00a0: " in text and not re.search(r"\w: ", text.replace("https:", ""))


def test_french_catalog_never_puts_a_plain_space_before_high_punctuation():
    """French typography: a no-break space before : ; ? ! and », after « (else a line may
    start with the sign)."""
    strings = [string for message in _catalog("fr") if message.id for string in _strings(message.string)]
    assert any("\u00a0:" in string for string in strings)  # (the rule is in use)
    assert not [string for string in strings if re.search(r" [:;?!»]|« ", string)]


def test_serbian_citations_number_articles_paragraphs_and_items_as_ordinals():
    """Serbian legal style cites "člana 12. stav 4. tačka 1)": a bare "član 33 Zakona" reads as
    a translation; an accountant expects the ordinal dot (or the item's bracket)."""
    bare = re.compile(r"\b(?:član|člana|članom|stav|tačka) \d+(?![\d.)a-z])")
    for message in (m for m in _catalog("sr") if m.id):
        for string in _strings(message.string):
            assert not bare.search(string), string
