"""The invoice as a PDF/A-3b with its EN 16931 XML inside (ZUGFeRD 2.x / Factur-X EN 16931).

Two libraries, both BSD-licensed: **WeasyPrint** lays out ``templates/pdf/invoice.html``
(Jinja, the same translations as the mails) as PDF/A-3b, and **factur-x** embeds the CII
XML as ``factur-x.xml`` with ``/AFRelationship /Alternative`` (the XML is the invoice's
other form, and prevails), the ``/AF`` array and the XMP metadata with the Factur-X
extension schema. WeasyPrint could attach the file itself, but not write the Factur-X
XMP that readers look for; factur-x is the reference implementation of both.

Nothing is fetched while rendering: the logo comes as a ``data:`` URL and every other
URL is refused, so a template or an owner's value can never make the worker reach out.
"""

from __future__ import annotations

import base64
from functools import cache, lru_cache
from typing import Any

import jinja2

from mailbot.outbound.i18n import base_language
from mailbot.outbound.sources import Sources, catalog

TEMPLATE = "pdf/invoice.html"
PAGE_MARK, PAGES_MARK = "\x01", "\x02"


def _fetcher() -> Any:
    """WeasyPrint's URL fetcher, allowed ``data:`` URLs only (the logo): nothing from outside."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols={"data"}, timeout=1)


@lru_cache(maxsize=16)
def _environment(sources: Sources, language: str) -> tuple[jinja2.Environment, Any]:
    """One Jinja environment per language and ``Sources`` (compiled template cached inside)."""
    lang = base_language(language, sources.languages)
    translations = catalog(sources, lang)  # (the shipped words fill the owner's file's gaps)
    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(lambda name: _source(sources, name)),
        autoescape=True, undefined=jinja2.StrictUndefined, auto_reload=False,
        extensions=["jinja2.ext.i18n"],
    )  # fmt: skip
    env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
    return env, translations


def _source(sources: Sources, name: str) -> str | None:
    path = sources.find(name)
    return path.read_text(encoding="utf-8") if path is not None else None


def gettext(sources: Sources, language: str, message: str) -> str:
    """A message in the client's language (e.g. the PDF's file name)."""
    return str(_environment(sources, language)[1].gettext(message))


def page_label_css(sources: Sources, language: str) -> str:
    """ "Page 1 of 2" as a CSS ``content`` value: the translated words around the counters."""
    words = gettext(sources, language, "Page %(page)s of %(pages)s") % {
        "page": PAGE_MARK,
        "pages": PAGES_MARK,
    }
    parts: list[str] = []
    for chunk in _split_marks(words):
        if chunk == PAGE_MARK:
            parts.append("counter(page)")
        elif chunk == PAGES_MARK:
            parts.append("counter(pages)")
        elif chunk:
            parts.append(
                '"' + "".join(c if c.isalnum() or c == " " else f"\\{ord(c):x} " for c in chunk) + '"'
            )
    return " ".join(parts)


def _split_marks(text: str) -> list[str]:
    out, current = [], ""
    for char in text:
        if char in (PAGE_MARK, PAGES_MARK):
            out += [current, char]
            current = ""
        else:
            current += char
    return [*out, current]


def image_url(data: bytes, subtype: str) -> str:
    """An image as a ``data:`` URL: the only kind the fetcher loads (the logo, the QR code)."""
    return f"data:image/{subtype};base64,{base64.b64encode(data).decode('ascii')}"


def render_html(sources: Sources, context: dict[str, Any], language: str) -> str:
    env, _ = _environment(sources, language)
    page_label = page_label_css(sources, language)
    return env.get_template(TEMPLATE).render({**context, "page_label": page_label})


@cache
def _fonts() -> Any:
    """One font configuration per process: made anew per PDF it costs about a fifth of the
    layout (fontconfig set up again). Mails are built one at a time, never in threads."""
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


@cache
def missing() -> str:
    """Why no PDF can be made on this machine ("" when it can): WeasyPrint loads Pango and
    HarfBuzz, system libraries a fresh machine may lack.  Imported here, not at the top, so
    that every other command (and mails without a PDF) works without them."""
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as exc:
        first = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
        return (
            f"WeasyPrint cannot load its libraries ({first}); on Debian: apt-get install"
            " libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core"
        )
    return ""


def html_to_pdf(html: str) -> bytes:
    """PDF/A-3b bytes of the HTML (fonts embedded, sRGB output intent)."""
    from weasyprint import HTML

    document = HTML(string=html, url_fetcher=_fetcher())
    return document.write_pdf(pdf_variant="pdf/a-3b", font_config=_fonts())


def with_einvoice(pdf: bytes, xml: bytes, language: str, metadata: dict[str, str] | None = None) -> bytes:
    """The PDF with ``factur-x.xml`` embedded as the EN 16931 e-invoice (checked by the XSD).
    ``metadata``: the document properties (title, subject, author, keywords); without them
    factur-x writes English ones from the XML ("Seller: Invoice 2026-101")."""
    from facturx import generate_from_binary

    lang = language.replace("_", "-")
    return generate_from_binary(
        pdf, xml, flavor="factur-x", level="en16931", check_xsd=True, afrelationship="alternative",
        lang=lang, pdf_metadata=dict(metadata) if metadata else None,
    )  # fmt: skip


def metadata(sources: Sources, context: dict[str, Any], language: str) -> dict[str, str]:
    """The PDF's document properties in the client's language, as the HTML's ``<title>`` and
    ``description`` give them to WeasyPrint: a viewer's title bar and a document manager show
    "Lasku 2026-101", not English, beside the ``/Lang`` of the client's language."""
    number, seller = str(context["invoice"]["number"]), str(context["business"]["name"])
    return {
        "title": gettext(sources, language, "Invoice %(number)s") % {"number": number},
        "subject": gettext(sources, language, "Invoice %(number)s from %(seller)s")
        % {"number": number, "seller": seller},
        "author": seller,
        "keywords": "Factur-X, ZUGFeRD, EN 16931",
    }


def invoice_pdf(sources: Sources, context: dict[str, Any], language: str, xml: bytes | None) -> bytes:
    """The invoice's PDF; with the e-invoice inside when ``xml`` is given."""
    pdf = html_to_pdf(render_html(sources, context, language))
    if xml is None:
        return pdf
    return with_einvoice(pdf, xml, language, metadata(sources, context, language))
