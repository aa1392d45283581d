"""The owner's own words: ``[templates] dir`` overlays the shipped templates and translations."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from conftest import BASE_CONFIG, ROOT, write_config
from pdf_text import pdf_text

from mailbot.cli.main import main
from mailbot.config.settings import load_settings
from mailbot.ledger.read import load_ledger
from mailbot.outbound import templates
from mailbot.outbound.mails import Mailer
from mailbot.outbound.render import Renderer, Sources, default_templates

NOW = datetime(2026, 11, 10, 10, 0, tzinfo=UTC)
SHIPPED = default_templates()
WITH_DIR = BASE_CONFIG + '\n[templates]\ndir = "words"\n'


def _own(config: Path, files: dict[str, str]) -> Path:
    own = config.parent / "words"
    for name, text in files.items():
        (own / name).parent.mkdir(parents=True, exist_ok=True)
        (own / name).write_text(text, encoding="utf-8")
    return own


def _mail(config: Path, number: str = "2026-001", kind: str = "invoice"):
    settings = load_settings(config)
    invoice = load_ledger(settings).invoices[number]
    raw = Mailer(settings).build(invoice, kind, "<t@muster-design.example>", NOW)
    msg = message_from_bytes(raw, policy=policy.default)
    return msg, msg.get_body(("plain",)).get_content(), msg.get_body(("html",)).get_content()


def test_an_owner_template_replaces_the_shipped_one_and_the_rest_falls_back(tmp_path):
    config = write_config(tmp_path / "cfg", base=WITH_DIR)  # dir is relative to the config file
    _own(config, {"invoice/subject.txt": "Our bill {{ invoice.number }} ({{ total }})\n"})
    msg, text, html = _mail(config)
    assert msg["Subject"] == "Our bill 2026-001 (€3,998.40)"
    assert "Amount due" in text and "Amount due" in html  # body.txt and body.mjml: shipped


def test_an_owner_partial_serves_every_kind_in_text_and_html(tmp_path):
    config = write_config(tmp_path, base=WITH_DIR)
    footer = (SHIPPED / "partials/footer.mjml").read_text().replace("<strong>", "<strong>Studio: ")
    _own(config, {"partials/footer.txt": "-- \nStudio {{ business.name }}\n", "partials/footer.mjml": footer})
    for kind in ("invoice", "reminder", "ack", "receipt"):
        _msg, text, html = _mail(config, kind=kind)
        assert text.rstrip().endswith("Studio Muster Design"), kind
        assert "Studio: Muster Design" in html, kind


def test_an_owner_translation_replaces_the_shipped_words(tmp_path):
    config = write_config(tmp_path, base=WITH_DIR)
    po = (SHIPPED / "locale/de/LC_MESSAGES/mailbot.po").read_text()
    assert 'msgstr "Rechnungsnummer"' in po
    _own(
        config,
        {"locale/de/LC_MESSAGES/mailbot.po": po.replace('msgstr "Rechnungsnummer"', 'msgstr "Beleg-Nr."')},
    )
    _msg, text, html = _mail(config, "2026-004")
    assert ">Beleg-Nr.<" in html and ">Rechnungsnummer<" not in html
    assert "Beleg-Nr.: 2026-004" in text


def test_a_message_missing_from_the_owners_translation_keeps_the_shipped_words(tmp_path):
    """An owner's German file from before the greeting by title: the rest stays German."""
    config = write_config(
        tmp_path,
        base=WITH_DIR.replace('contact = "Frau Weber"', 'contact = "Petra Weber"\nsalutation = "ms"'),
    )
    _own(config, {"locale/de/LC_MESSAGES/mailbot.po": 'msgid "Invoice number"\nmsgstr "Beleg-Nr."\n'})
    _msg, text, _html = _mail(config, "2026-004")
    assert "Beleg-Nr.: 2026-004" in text
    assert text.startswith("Guten Tag Frau Weber,") and "Rechnungsdatum" in text and "Hello" not in text


def test_the_pdf_keeps_the_shipped_words_the_owners_translation_lacks(tmp_path):
    config = write_config(tmp_path, base=WITH_DIR)
    _own(config, {"locale/de/LC_MESSAGES/mailbot.po": 'msgid "Invoice number"\nmsgstr "Beleg-Nr."\n'})
    msg, _text, _html = _mail(config, "2026-004")
    words = pdf_text(msg)
    assert "Beleg-Nr." in words and "Rechnungsdatum" in words and "Invoice date" not in words


def test_a_template_may_use_default_and_is_defined(tmp_path):
    """Context values are plain dicts: Jinja's ``is defined`` and ``|default`` work on them."""
    config = write_config(tmp_path, base=WITH_DIR)
    _own(config, {"invoice/subject.txt": (
        '{{ invoice.nickname | default("no nickname") }} / {{ nothing | default("y") }} / '
        "{% if invoice.number is defined %}has number{% endif %}"
        "{% if business.motto is defined %} motto{% else %} no motto{% endif %}\n"
    )})  # fmt: skip
    msg, _text, _html = _mail(config)
    assert msg["Subject"] == "no nickname / y / has number no motto"


def test_check_names_a_missing_dir_at_its_config_line(tmp_path, capsys):
    config = write_config(tmp_path, base=WITH_DIR)
    assert main(["--config", str(config), "check"]) == 1
    line = WITH_DIR.splitlines().index('dir = "words"') + 1
    assert f"{config}:{line}: [templates] dir: {tmp_path / 'words'} not found" in capsys.readouterr().out


@pytest.mark.parametrize(("name", "text", "line", "words"), [
    ("invoice/body.txt", "Hello\n\n{% if %}x{% endif %}\n", 3, "Expected an expression"),
    ("partials/footer.mjml", "<mj-section>\n<!--{% for x in %}--><!--{% endfor %}-->\n</mj-section>\n", 2, ""),
    ("reminder/subject.txt", "{{ total | no_such_filter }}\n", 1, "no_such_filter"),
    ("reminder/heading.txt", "{% if final %}Last call\n", 1, "endif"),
    ("locale/de/LC_MESSAGES/mailbot.po", 'msgid "Total"\nmsgstr "Summe"\nbogus\n', 3, "misformatted"),
    ("locale/de/LC_MESSAGES/mailbot.po", 'msgid "Hello %(name)s,"\nmsgstr "Hallo %(nmae)s,"\n', 1, "nmae"),
])  # fmt: skip
def test_check_names_the_file_and_line_of_a_template_that_does_not_compile(tmp_path, capsys, name, text,
                                                                            line, words):  # fmt: skip
    config = write_config(tmp_path, base=WITH_DIR)
    own = _own(config, {name: text})
    assert main(["--config", str(config), "check"]) == 1
    out = capsys.readouterr().out
    assert f"{own / name}:{line}: " in out and words in out


def test_check_is_clean_with_a_good_templates_dir(tmp_path, capsys):
    config = write_config(tmp_path, base=WITH_DIR)
    _own(config, {"invoice/subject.txt": "Bill {{ invoice.number }}\n"})
    assert main(["--config", str(config), "check"]) == 0, capsys.readouterr().out


def test_a_broken_edit_keeps_the_last_good_templates_and_is_logged_once(tmp_path, caplog):
    own = tmp_path / "words"
    (own / "invoice").mkdir(parents=True)
    subject = own / "invoice" / "subject.txt"
    subject.write_text("First {{ invoice.number }}\n")
    context = {"invoice": {"number": "7"}}
    first = templates.current(own)
    assert Renderer(first).sources.find("invoice/subject.txt") == subject
    assert _subject(first, context) == "First 7"
    _touch(subject, "Broken {% if %}\n")
    with caplog.at_level(logging.ERROR, logger="mailbot.outbound.templates"):
        assert templates.current(own) is first and templates.current(own) is first
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and f"{subject}:1: " in errors[0] and "last good" in errors[0]
    _touch(subject, "Second {{ invoice.number }}\n")
    assert _subject(templates.current(own), context) == "Second 7"


def test_many_broken_edits_never_push_the_last_good_templates_out(tmp_path):
    """Each broken save is checked apart from the compiled-template cache: after forty of
    them the last good words still render, in a language not used since it was accepted."""
    own = tmp_path / "words"
    (own / "invoice").mkdir(parents=True)
    subject = own / "invoice" / "subject.txt"
    subject.write_text("Good {{ invoice.number }}\n")
    good = templates.current(own)
    for n in range(40):
        _touch(subject, f"Broken {n} {{% if %}}\n")
        assert templates.current(own) is good
    _html, text_env = Renderer(good).envs("de")
    assert (
        text_env.get_template("invoice/subject.txt").render({"invoice": {"number": "7"}}).strip() == "Good 7"
    )


def _subject(sources: Sources, context: dict) -> str:
    _html, text_env = Renderer(sources).envs("en")
    return text_env.get_template("invoice/subject.txt").render(context).strip()


def _touch(path: Path, text: str) -> None:
    """Write and make sure the mtime moves (coarse file system clocks)."""
    before = path.stat().st_mtime_ns
    path.write_text(text)
    if path.stat().st_mtime_ns == before:
        os.utime(path, ns=(before + 1_000_000, before + 1_000_000))


def test_a_running_service_uses_an_edited_template_for_the_next_mail(tmp_path):
    """A real ``mailbot run`` on the Maildir default: an edit counts from the next pass."""
    today = date.today().isoformat()
    row = "{n},acme,{d},,Work,1,,100.00,19,\n"
    header = "invoice,client,issue_date,due_date,description,quantity,unit,unit_price,tax_rate,discount\n"
    config = write_config(tmp_path, base=WITH_DIR, ledger=header + row.format(n="2026-101", d=today))
    own = _own(config, {"invoice/subject.txt": "Old words {{ invoice.number }}\n"})
    outbox = tmp_path / "var" / "mail" / "outbox" / "new"
    log = (tmp_path / "service.log").open("wb")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "mailbot", "--config", str(config), "run", "--interval", "1"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env,
    )  # fmt: skip
    try:
        _wait_for(lambda: _subjects(outbox) == ["Old words 2026-101"], 20)
        _touch(own / "invoice" / "subject.txt", "New words {{ invoice.number }}\n")
        (tmp_path / "ledger.csv").write_text(
            header + row.format(n="2026-101", d=today) + row.format(n="2026-102", d=today)
        )
        _wait_for(lambda: len(_subjects(outbox)) == 2, 20)
        assert sorted(_subjects(outbox)) == ["New words 2026-102", "Old words 2026-101"]
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0, (tmp_path / "service.log").read_text()


def _subjects(outbox: Path) -> list[str]:
    if not outbox.is_dir():
        return []
    return [message_from_bytes(p.read_bytes(), policy=policy.default)["Subject"] for p in outbox.iterdir()]


def _wait_for(predicate, seconds: float) -> None:
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"not within {seconds} s")


def test_default_and_is_defined_work_on_the_context_values(tmp_path):
    """The same on the context as built for every mail (no attribute-dict subclass in the way)."""
    import shutil

    from mailbot.outbound.context import invoice_context

    shutil.copytree(SHIPPED, tmp_path / "t")
    (tmp_path / "t/invoice/subject.txt").write_text(
        '{{ invoice.nickname | default("none") }}{% if client.motto is defined %} motto{% endif %}\n'
    )
    settings = load_settings(write_config(tmp_path / "cfg"))
    invoice = load_ledger(settings).invoices["2026-001"]
    context = invoice_context(settings, invoice, settings.clients["acme"], date(2026, 11, 10))
    assert Renderer(tmp_path / "t").render("invoice", {**context, "lang": "en"}, "en").subject == "none"


def test_an_owner_heading_names_the_reminder_in_text_and_html(tmp_path):
    config = write_config(tmp_path, base=WITH_DIR)
    _own(
        config,
        {
            "reminder/heading.txt": "{% if final %}Last word{% else %}A note from {{ business.name }}{% endif %}\n"
        },
    )
    _msg, text, html = _mail(config, kind="reminder")
    assert text.replace("\r\n", "\n").startswith("A note from Muster Design\n=========================\n")
    assert html.count("A note from Muster Design") >= 2  # the heading and the amount box
