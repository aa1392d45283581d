"""Every mail as a client sees it in a browser (issue 15 part 5): Debian's headless Chromium
lays each one out on a true 320, 375 and 800 px viewport, light and dark.

Each mail kind and tone of ``tests/samples`` in every language, the owner's daily digest,
and an invoice with hostile lines (a 60-character description, a 200-character word, a
seven-digit amount) must fit the viewport (nothing passes its right edge, nothing shrinks
the page), keep every text at WCAG AA contrast (4.5:1, 3:1 for large text) against what
is behind it, and give every image an alt text. ``preview --out x.html`` must show the
logo in a browser. One Chromium for the module, one tab reused for every mail.
"""

from __future__ import annotations

import base64
import io
import os
import re
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from chromium import Browser, Page
from conftest import BASE_LEDGER, write_config
from looks import describe, images, layout, poor_contrast
from PIL import Image
from samples.make_samples import CLIENTS, NOW, STORIES, Inv, Line, Story, build, d

from mailbot.cli.main import main
from mailbot.config.settings import load_settings
from mailbot.decide.daily import build_daily
from mailbot.decide.forecast import Planned
from mailbot.ledger.read import load_ledger
from mailbot.outbound.daily import render_daily
from mailbot.outbound.preview import inline_images
from mailbot.outbound.render import Renderer
from mailbot.records.rows import Event, iso

ROOT = Path(__file__).resolve().parent.parent
WIDTHS = (320, 375, 800)
LOGO = ROOT / "config" / "logo.png"
HOSTILE = Story(
    "hostile",
    "An invoice with lines no layout expects",
    (Inv(90, d(12, 7), None, (
        Line("Konzeption, Gestaltung und Reinzeichnung der Geschäftsausstattung",
             "Konzeption, Gestaltung und Reinzeichnung der Geschäftsausstattung", "1", "100.00"),
        Line("X" * 200, "Donaudampfschifffahrtsgesellschaftskapitän" * 5 + "Y" * 10, "1", "10.00", "7"),
        Line("Annual retainer", "Jahrespauschale Markenführung", "1", "1234567.89", unit_en="year",
             unit_de="Jahr"),
    )),),
    invoice_mail=90,
)  # fmt: skip


@pytest.fixture(scope="module")
def page() -> Iterator[Page]:
    browser = Browser()
    try:
        yield browser.page()
    finally:
        browser.close()


@pytest.fixture(scope="module")
def mails(tmp_path_factory) -> dict[str, str]:
    """Every mail's HTML, its ``cid:`` images (the logo, the QR code) inlined as a browser needs."""
    workdir = tmp_path_factory.mktemp("looks")
    os.environ["MAILBOT_BUSINESS__LOGO"] = str(LOGO)  # the shipped example's logo, in every mail
    try:
        out = {}
        for lang in CLIENTS:
            for story in STORIES + ((HOSTILE,) if lang in ("en", "de") else ()):
                sample = build(story, lang, workdir)
                out[f"{lang}/{story.name}"] = inline_images(sample.html, sample.msg)
            out[f"{lang}/daily"] = _daily(workdir / f"daily-{lang}", lang)
        return out
    finally:
        del os.environ["MAILBOT_BUSINESS__LOGO"]


def _daily(folder: Path, lang: str) -> str:
    """The owner's digest in ``lang``: mails sent, a dispute to settle, a payment, the week ahead."""
    config = write_config(folder, f'\n[digest]\nenabled = true\nlanguage = "{lang}"\n', ledger=BASE_LEDGER)
    settings = load_settings(config)
    at = iso(NOW - timedelta(hours=2))
    events = [
        Event("2026-001", at, "sent", kind="invoice", step=0, message_id="<a@x>"),
        Event("2026-004", at, "sent", kind="reminder", step=1, message_id="<b@x>"),
        Event("2026-001", at, "reply", intent="dispute", trusted=True,  # type: ignore[arg-type]
              detail='{"sender": "ap@acme.example", "subject": "Re: Invoice 2026-001"}'),
        Event("2026-004", at, "payment", detail='{"amount": "1053.23", "on": "2026-12-04"}'),
    ]  # fmt: skip
    plan = [
        Planned(NOW, date(2026, 12, 9), "acme", "reminder", "", ("2026-001",), Decimal("3998.40"), "EUR", "")
    ]
    names = {"acme": "Acme Ltd", "kaiser": "Kaiser & Söhne GmbH"}
    digest = build_daily(
        events, load_ledger(settings), {}, plan, NOW, NOW.date(), NOW - timedelta(days=1), names
    )
    return render_daily(Renderer(), digest, settings).html


def _names() -> list[str]:
    names = [f"{lang}/{story.name}" for lang in CLIENTS for story in STORIES]
    return names + [f"{lang}/daily" for lang in CLIENTS] + ["en/hostile", "de/hostile"]


@pytest.mark.parametrize("name", _names())
def test_the_mail_fits_phone_and_desktop_widths_light_and_dark(page, mails, name):
    problems = {}
    for width in WIDTHS:
        for dark in (False, True):
            page.emulate(width, dark)
            page.show(mails[name])
            found = layout(page, width)
            if found.scroll_width > width or found.inner_width != width or found.late:
                problems[f"{width} px{' dark' if dark else ''}"] = {
                    "page width": found.scroll_width, "laid out at": found.inner_width, "past the edge": found.late,
                }  # fmt: skip
    assert not problems, f"{name} overflows:\n{describe(problems)}"


# The mail light, in its own dark mode, and as apps that recolour it for dark mode show it.
LOOKS = {"light": (False, "none"), "dark": (True, "none"), "inverted (Gmail iOS)": (False, "full"),
         "partly inverted (Outlook, Gmail Android)": (False, "partial")}  # fmt: skip


@pytest.mark.parametrize("name", _names())
def test_every_text_of_the_mail_reads_at_aa_contrast_light_dark_and_inverted(page, mails, name):
    problems = {}
    for look, (dark, inversion) in LOOKS.items():
        page.emulate(375, dark)
        page.show(mails[name])
        checked, poor = poor_contrast(page, inversion)
        assert checked > 10, f"{name}: only {checked} texts found"
        if poor:
            problems[look] = poor
    assert not problems, f"{name} has text below WCAG AA:\n{describe(problems)}"


@pytest.mark.parametrize("name", _names())
def test_every_image_has_an_alt_text_and_shows(page, mails, name):
    page.emulate(375)
    page.show(mails[name])
    shown = images(page)
    assert all((image["alt"] or "").strip() for image in shown), describe(shown)
    assert all(image["width"] > 0 for image in shown), describe(shown)
    if not name.endswith("/daily"):  # the client's mails carry the business's logo, named as they read it
        assert shown and shown[0]["alt"] == (
            "Мустер Дизајн" if name.startswith("sr-Cyrl/") else "Muster Design"
        )


def test_dark_mode_is_offered_and_changes_the_page(page, mails):
    """Mail apps that honour ``prefers-color-scheme`` get dark colours, not an inverted guess."""
    html = mails["de/invoice"]
    assert '<meta name="color-scheme" content="light dark"' in html
    background = "getComputedStyle(document.querySelector('.card')).backgroundColor"
    page.emulate(375, dark=False)
    page.show(html)
    light = page.evaluate(background)
    page.emulate(375, dark=True)
    page.show(html)
    assert (light, page.evaluate(background)) == ("rgb(255, 255, 255)", "rgb(22, 27, 34)")


def test_the_logo_sits_on_a_light_plate_that_dark_mode_and_forced_inversion_keep(page, mails):
    """The shipped logo is dark lettering on transparency: on a dark page it needs its plate,
    white in the mail's own dark mode and white in its pixels (mail apps that invert a mail's
    colours leave images alone)."""
    plate = "getComputedStyle(document.querySelector('.logo table')).backgroundColor"
    page.emulate(375, dark=True)
    page.show(mails["de/invoice"])
    assert page.evaluate(plate) == "rgb(255, 255, 255)"
    assert Image.open(LOGO).has_transparency_data
    sent = re.search(
        r'<img alt="Muster Design"[^>]* src="data:image/png;base64,([^"]+)"', mails["de/invoice"]
    )
    assert sent, "no logo in the mail"
    logo = Image.open(io.BytesIO(base64.b64decode(sent.group(1))))
    assert logo.mode == "RGB" and logo.getpixel((0, 0)) == (255, 255, 255)


def test_every_line_shows_quantity_unit_price_vat_rate_and_amount_on_a_phone(page, mails):
    page.emulate(320)
    page.show(mails["de/hostile"])
    shown = page.evaluate(
        "[...document.querySelectorAll('.items td.meta')].map(e => e.innerText.replace(/\u00a0/g, ' '))"
    )
    assert shown == ["1 × 100,00 € · USt. 19 %", "1 × 10,00 € · USt. 7 %",
                     "1 Jahr × 1.234.567,89 € · USt. 19 %"]  # fmt: skip


def test_preview_out_html_shows_the_logo_in_a_browser(page, tmp_path):
    config = write_config(tmp_path)
    config.write_text(
        config.read_text().replace('tax_id = "DE123456789"', f'tax_id = "DE123456789"\nlogo = "{LOGO}"', 1)
    )
    out = tmp_path / "preview.html"
    assert main(["--config", str(config), "preview", "2026-004", "--out", str(out)]) == 0
    assert "cid:" not in out.read_text(encoding="utf-8")
    page.emulate(375)
    page.open(out)
    shown = images(page)
    assert shown[0]["alt"] == "Muster Design" and shown[0]["width"] >= 480, describe(shown)  # on its plate


def test_screenshots_of_the_german_invoice_on_a_phone(page, mails, tmp_path):
    """Screenshots to look at (``MAILBOT_SCREENSHOTS=dir``): the invoice at 375 px, light and dark."""
    folder = Path(os.environ.get("MAILBOT_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    for dark in (False, True):
        page.emulate(375, dark)
        page.show(mails["de/invoice"])
        shot = folder / f"invoice-de-375-{'dark' if dark else 'light'}.png"
        page.screenshot(shot)
        assert shot.read_bytes().startswith(b"\x89PNG") and shot.stat().st_size > 20_000


def test_a_light_brand_colour_keeps_buttons_amounts_and_headings_readable(page, tmp_path, monkeypatch):
    """A yellow brand: white button text and yellow amounts would read at under 2:1."""
    monkeypatch.setenv("MAILBOT_BRAND__COLOR", "#f2c200")
    monkeypatch.setenv("MAILBOT_BRAND__ACCENT", "#fff8dc")
    for story in (STORIES[0], STORIES[6]):  # the invoice, the final notice (a heading in the brand colour)
        sample = build(story, "de", tmp_path)
        assert "#f2c200" in sample.html
        for dark, inversion in LOOKS.values():
            page.emulate(375, dark)
            page.show(sample.html)
            checked, poor = poor_contrast(page, inversion)
            assert checked > 10 and not poor, describe(poor)
