"""Templates: every word translated, MJML compiled once gives the same mail, nothing left unrendered."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from email import message_from_bytes
from email import policy as email_policy
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from conftest import write_config
from jinja2.ext import babel_extract

from mailbot.config.settings import load_settings
from mailbot.ledger.read import load_ledger
from mailbot.outbound.context import invoice_context
from mailbot.outbound.mails import Mailer
from mailbot.outbound.render import Renderer, default_templates

TEMPLATES = default_templates()
MJML_SYNTAX = {
    "block_start_string": "<!--{%", "block_end_string": "%}-->",
    "comment_start_string": "<!--{#", "comment_end_string": "#}-->",
}  # fmt: skip


NOW = datetime(2026, 11, 10, 10, 0, tzinfo=UTC)


def _msgids() -> set[str]:
    found = set()
    for path in TEMPLATES.rglob("*"):
        if path.suffix not in (".mjml", ".txt"):
            continue
        options = {"extensions": "jinja2.ext.i18n"}
        if path.suffix == ".mjml":
            options.update(MJML_SYNTAX)
        with path.open("rb") as handle:
            for _line, _func, message, _comments in babel_extract(
                handle, ["_", "gettext", "ngettext"], [], options
            ):
                found.add(message if isinstance(message, str) else message[0])
    return found


@pytest.mark.parametrize("language", ["de"])
def test_every_template_word_has_a_translation(language):
    po = TEMPLATES / "locale" / language / "LC_MESSAGES" / "mailbot.po"
    with po.open("rb") as handle:
        catalog = read_po(handle)
    translated = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id and m.string}
    from mailbot.outbound.render import PAYMENT_METHODS

    missing = (_msgids() | set(PAYMENT_METHODS.values())) - translated
    assert len(_msgids()) > 30
    assert not missing, f"untranslated in {po}: {sorted(missing)}"


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.chunks: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        self.skip += tag in ("style", "title", "head")

    def handle_endtag(self, tag):
        self.skip -= tag in ("style", "title", "head")

    def handle_data(self, data):
        if not self.skip and data.strip():
            self.chunks.append(" ".join(data.split()))


def _visible(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    return parser.chunks


@pytest.fixture
def context_for(tmp_path):
    settings = load_settings(write_config(tmp_path))
    ledger = load_ledger(settings)

    def build(number: str):
        invoice = ledger.invoices[number]
        client = settings.clients[invoice.client_id]
        context = invoice_context(settings, invoice, client, date(2026, 11, 10))
        return {**context, "lang": client.language}, client.language

    return build


@pytest.mark.parametrize("number", ["2026-001", "2026-004"])
def test_mjml_compiled_once_shows_the_same_as_compiled_per_mail(context_for, number):
    context, language = context_for(number)
    once = Renderer().render("invoice", context, language)
    per_mail = Renderer(compile_per_mail=True).render("invoice", context, language)
    assert _visible(once.html) == _visible(per_mail.html)
    assert once.text == per_mail.text and once.subject == per_mail.subject


@pytest.mark.parametrize("number", ["2026-001", "2026-004"])
def test_rendered_mail_has_no_template_or_mjml_left(context_for, number):
    context, language = context_for(number)
    rendered = Renderer().render("invoice", context, language)
    for part in (rendered.html, rendered.text, rendered.subject):
        assert not re.search(r"\{\{|\{%|%\}|<mj-", part)
    assert '<meta name="viewport"' in rendered.html  # responsive
    assert "@media only screen" in rendered.html
    assert 'style="' in rendered.html  # styles inlined for clients that drop <style>


def test_german_mail_uses_german_words_and_formats(context_for):
    context, language = context_for("2026-004")
    rendered = Renderer().render("invoice", context, language)
    words = " ".join(_visible(rendered.html))
    assert "Rechnungsnummer" in words and "Zahlungsreferenz" in words  # an RF reference (the default)
    assert "1.053,23 €" in words  # (white space folded, the no-break space included)
    assert "innerhalb von 21 Tagen, also bis Montag, 30. November 2026" in words
    assert "Invoice" not in words


def test_payment_method_keys_are_translated_and_free_words_kept(context_for):
    context, language = context_for("2026-004")
    context["payment"]["methods"] = ["bank_transfer", "sepa_debit", "Bitcoin"]
    text = Renderer().render("invoice", context, language).text
    assert "Wir akzeptieren: Überweisung, SEPA-Lastschrift, Bitcoin" in text


def test_due_date_in_plain_words(context_for):
    context, language = context_for("2026-001")
    text = Renderer().render("invoice", context, language).text
    assert "Please pay within 14 days, by Monday, 16 November 2026." in text
    assert "net 14" not in text.lower()


def test_template_folder_per_kind_and_missing_kind_is_clear():
    from mailbot.outbound.render import TemplateMissing

    assert "invoice" in Renderer().kinds()
    with pytest.raises(TemplateMissing):
        Renderer().render("nonexistent", {}, "en")


def test_a_kind_the_owner_adds_while_the_service_runs_is_found(tmp_path, context_for):
    import shutil

    from mailbot.outbound.render import TemplateMissing

    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    renderer, (context, language) = Renderer(templates=templates), context_for("2026-001")
    with pytest.raises(TemplateMissing):
        renderer.render("thank_you", context, language)
    shutil.copytree(templates / "invoice", templates / "thank_you")
    assert "2026-001" in renderer.render("thank_you", context, language).subject


def test_installed_package_ships_templates_and_config():
    """The wheel maps templates/ and config/ into mailbot/_data (pyproject force-include)."""
    text = (Path(__file__).parent.parent / "pyproject.toml").read_text()
    assert '"templates" = "mailbot/_data/templates"' in text
    assert (TEMPLATES / "invoice" / "body.mjml").is_file()


def test_early_payment_discount_states_exact_amount_and_day(tmp_path):
    from conftest import BASE_CONFIG

    base = BASE_CONFIG.replace(
        "enabled = false", "enabled = false\n[chase.early_discount]\npercent = 2\ndays = 10"
    )
    settings = load_settings(write_config(tmp_path, base=base))
    invoice = load_ledger(settings).invoices["2026-004"]
    client = settings.clients["kaiser"]
    context = invoice_context(settings, invoice, client, date(2026, 11, 9))
    text = Renderer().render("invoice", {**context, "lang": "de"}, "de").text
    # 1053.23 x 2 % = 21.0646 -> 21.06; 1053.23 - 21.06 = 1032.17; 9 Nov + 10 days = 19 Nov
    assert (
        "Wenn Sie bis Donnerstag, 19. November 2026 zahlen, dürfen Sie 2\u00a0% Skonto (21,06\u00a0€) abziehen"
        in text
    )
    assert "nur 1.032,17\u00a0€" in text


@pytest.mark.parametrize(
    ("number", "contact", "greeting", "closing"),
    [
        ("2026-001", 'contact = "Jane Smith"', "Dear Jane Smith,", "Yours sincerely,"),
        ("2026-001", "", "Dear Sir or Madam,", "Yours sincerely,"),
        ("2026-004", 'contact = "Frau Weber"', "Guten Tag Frau Weber,", "Mit freundlichen Grüßen"),
        ("2026-004", "", "Sehr geehrte Damen und Herren,", "Mit freundlichen Grüßen"),
    ],
)
def test_formal_client_is_greeted_and_signed_off_formally(tmp_path, number, contact, greeting, closing):
    """`[clients.x] tone = "formal"`: "Dear …" and "Yours sincerely", in text and HTML, every kind."""
    config = write_config(tmp_path).read_text(encoding="utf-8")
    for name in ('contact = "Jane Smith"', 'contact = "Frau Weber"'):
        config = config.replace(name, f'{contact if name == contact else ""}\ntone = "formal"')
    settings = load_settings(write_config(tmp_path, base=config))
    invoice = load_ledger(settings).invoices[number]
    mailer = Mailer(settings)
    for kind in ("invoice", "reminder", "ack", "receipt"):
        message = message_from_bytes(mailer.build(invoice, kind, "<t@x>", NOW), policy=email_policy.default)
        text = message.get_body(("plain",)).get_content()
        words = " ".join(_visible(message.get_body(("html",)).get_content()))
        for part in (text, words):
            assert greeting in part and closing in part, kind
            assert "Hello" not in part and "Kind regards" not in part and "Herzliche" not in part


def test_a_friendly_client_keeps_hello_and_kind_regards(context_for):
    context, language = context_for("2026-001")
    text = Renderer().render("invoice", context, language).text
    assert "Hello Jane Smith," in text and "Kind regards," in text and "Dear" not in text


def test_a_dict_in_the_context_reads_by_key_and_missing_keys_stay_undefined():
    """The renderer's quick dict lookup keeps Jinja's meaning: keys read as attributes,
    a missing key is undefined (so ``default`` and ``is defined`` work), objects as ever."""
    import jinja2

    from mailbot.outbound.render import _Environment

    env = _Environment(undefined=jinja2.StrictUndefined)
    template = env.from_string(
        "{{ line.unit }}|{{ line.gone | default('none') }}|{{ line.gone is defined }}|{{ when.year }}"
    )
    assert template.render(line={"unit": "h"}, when=date(2026, 12, 6)) == "h|none|False|2026"
    with pytest.raises(jinja2.UndefinedError):
        env.from_string("{{ line.gone }}").render(line={})
