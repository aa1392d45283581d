"""One entry point, ``Renderer.render(kind, context, language)``: HTML, text and subject.

Each mail kind is a template folder (``templates/<kind>/``) with ``body.mjml``,
``body.txt`` and ``subject.txt``.  The MJML body is compiled to HTML *once* per
template and language, with its styles inlined, and the result is kept as a
Jinja template; each mail then only fills in values.  To survive
MJML and the CSS inliner, Jinja block tags in ``.mjml`` files are written as
HTML comments: ``<!--{% for line in lines %}-->``; inside ``<mj-title>`` use
single quotes in Jinja expressions (MJML copies the title into an attribute).

Autoescape is on for HTML: whatever a client or owner typed shows literally.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import css_inline
import jinja2
import jinja2.ext
import jinja2.lexer
import markupsafe
from mjml import mjml2html

from mailbot.outbound.compose import Rendered
from mailbot.outbound.headers import one_line
from mailbot.outbound.i18n import base_language, fill
from mailbot.outbound.sources import Sources, catalog, default_templates

__all__ = ["PAYMENT_METHODS", "Renderer", "Sources", "TemplateMissing", "compile_mjml", "default_templates"]

_INCLUDE = re.compile(r'<mj-include\s+path="([^"]+)"\s*/>')
_INLINE_STYLE = re.compile(r'<mj-style\s+inline="inline"\s*>(.*?)</mj-style>', re.DOTALL)
# The hidden div MJML writes for <mj-preview>: its white text is what SpamAssassin reads as
# text coloured like its background (HTML_FONT_LOW_CONTRAST, 0.7 points on every mail).
_PREVIEW_DIV = re.compile(r'(<body[^>]*>\s*<div style="display:none;[^"]*?)color:#ffffff;([^"]*)"')
# Payment methods the owner may list by key in `[payment] methods`; other words show as written.
PAYMENT_METHODS = {
    "bank_transfer": "transfer to our bank account",
    "sepa_debit": "SEPA direct debit",
    "card": "credit or debit card",
    "paypal": "PayPal",
    "apple_pay": "Apple Pay",
    "google_pay": "Google Pay",
    "cash": "cash",
    "cheque": "cheque",
}
# Jinja block tags in .mjml files are HTML comments, so that they survive MJML compilation.
_BLOCK_START, _BLOCK_END, _COMMENT_START, _COMMENT_END = "<!--{%", "%}-->", "<!--{#", "#}-->"


class _Environment(jinja2.Environment):
    """Jinja, with a template's ``a.b`` read as the key ``b`` when ``a`` is a plain dict.

    What a template sees is plain dicts (so ``is defined`` and ``| default`` behave as
    Jinja documents).  Jinja's ``getattr`` tries the attribute first, and for a dict
    that raises and catches an ``AttributeError`` on every ``line.unit``: a few hundred
    a mail, a large share of rendering (see "Tricks that stay" in benchmarks/README.md).
    ``Environment.getattr`` is Jinja's documented hook for this (its sandbox overrides
    it too).  The one difference: a key named like a dict method (``items``) is the key.
    """

    def getattr(self, obj: Any, attribute: str) -> Any:
        if obj.__class__ is dict and attribute in obj:
            return obj[attribute]
        return super().getattr(obj, attribute)


class TemplateMissing(LookupError):
    pass


def flatten_mjml(name: str, sources: Sources, depth: int = 0) -> str:
    """Inline ``<mj-include path="...">`` textually: MJML compiles one whole document.

    Each included file is looked up in ``sources`` on its own, so an owner's
    ``partials/footer.mjml`` serves every mail kind that includes it."""
    path = sources.find(name)
    if path is None:
        raise jinja2.TemplateNotFound(name)
    if depth > 5:
        raise ValueError(f"{path}: includes nested too deeply")
    source = path.read_text(encoding="utf-8")
    return _INCLUDE.sub(lambda m: flatten_mjml(m.group(1), sources, depth + 1), source)


def compile_mjml(source: str) -> str:
    """MJML to responsive HTML; our ``<mj-style inline="inline">`` rules inlined.

    Only those rules are inlined: MJML's own head styles (``td { mso-table-... }``)
    are meant to stay in ``<style>``, and inlining them on every cell would double
    the size of each mail.  Nothing is fetched from the network.
    """
    css = "\n".join(_INLINE_STYLE.findall(source))
    html = mjml2html(_INLINE_STYLE.sub("", source), fonts={})
    inliner = css_inline.CSSInliner(
        inline_style_tags=False, keep_style_tags=True, load_remote_stylesheets=False,
        extra_css=css or None,
    )  # fmt: skip
    return _quiet_preview(inliner.inline(html))


def _quiet_preview(html: str) -> str:
    """The preview text (the line a mail list shows under the subject) hidden without a colour.

    MJML hides it four ways: ``display:none``, zero height and width, ``opacity:0``, and white
    1 px text for programs that honour none of those. Spam filters take white text for a
    trick (SpamAssassin's ``HTML_FONT_LOW_CONTRAST``), so the colour goes and the other
    three stay, with Outlook's own ``mso-hide:all``.
    """
    return _PREVIEW_DIV.sub(r'\1\2mso-hide:all;"', html, count=1)


class _Loader(jinja2.BaseLoader):
    """Serves each template from ``sources``; ``.mjml`` ones compiled to HTML first.

    Jinja caches what this returns, so each template is compiled once per language
    and ``Sources`` (an edit of the owner's folder is a new ``Sources``).
    Text templates use Jinja's own ``{% include %}``, served through here too.
    """

    def __init__(self, sources: Sources, precompile: bool):
        self.sources = sources
        self.precompile = precompile

    def get_source(self, environment, template):
        path = self.sources.find(template)
        if path is None:
            raise jinja2.TemplateNotFound(template)
        if path.suffix == ".mjml":
            source = flatten_mjml(template, self.sources)
            if self.precompile:
                source = compile_mjml(source)
        else:
            source = path.read_text(encoding="utf-8")
        return source, str(path), lambda: True


class Renderer:
    """Renders every mail kind in every language from one ``Sources``.

    ``templates``: a folder of templates (the shipped ones by default), or a
    ``Sources`` that lays the owner's folder over them (``templates.current``).
    ``cached=False``: compile apart from the shared cache (checking a version that may
    be broken must not push the last good one out of it)."""

    def __init__(
        self, templates: Path | Sources | None = None, compile_per_mail: bool = False, cached: bool = True
    ):
        self.sources = templates if isinstance(templates, Sources) else Sources.of(shipped=templates)
        self.compile_per_mail = compile_per_mail  # only for the benchmark's comparison
        self.cached = cached

    @property
    def templates(self) -> Path:
        return self.sources.shipped

    def kinds(self) -> list[str]:
        return self.sources.kinds()

    def render(self, kind: str, context: dict[str, Any], language: str) -> Rendered:
        if self.sources.find(f"{kind}/body.mjml") is None:
            where = " or ".join(map(str, self.sources.roots()))
            raise TemplateMissing(f"no templates for {kind!r} in {where}")
        lang = base_language(language, self.sources.languages)
        html_env, text_env = self.envs(lang)
        if self.sources.find(f"{kind}/intro.txt") is not None:
            # Words that depend on tone or reason are written once, for both parts.
            intro = text_env.get_template(f"{kind}/intro.txt").render(context)
            context = {**context, "intro": [p.strip() for p in intro.split("\n\n") if p.strip()]}
        if self.sources.find(f"{kind}/heading.txt") is not None:
            # What the mail is ("Second reminder", "Final notice"): its heading and amount box.
            heading = text_env.get_template(f"{kind}/heading.txt").render(context)
            context = {**context, "heading": " ".join(heading.split())}
        if "greeting_name" in context and self.sources.find("partials/greeting.txt") is not None:
            # "Dear Ms Weber," / "Hei Anna Virtanen,": the first line of every mail to a client,
            # written once (the owner's digest greets no client).
            greeting = text_env.get_template("partials/greeting.txt").render(context)
            context = {**context, "greeting": greeting.strip()}
        html = html_env.get_template(f"{kind}/body.mjml").render(context)
        if self.compile_per_mail:
            html = compile_mjml(html)
        text = text_env.get_template(f"{kind}/body.txt").render(context)
        subject = text_env.get_template(f"{kind}/subject.txt").render(context)
        return Rendered(subject=one_line(subject), html=html, text=_tidy(text))

    def envs(self, language: str) -> tuple[jinja2.Environment, jinja2.Environment]:
        """The (HTML, text) environments of one language, compiled templates cached inside."""
        make = _environments if self.cached else _environments.__wrapped__
        return make(self.sources, language, not self.compile_per_mail)


@lru_cache(maxsize=32)
def _environments(
    sources: Sources, language: str, precompile: bool
) -> tuple[jinja2.Environment, jinja2.Environment]:
    """One pair per language and ``Sources``: Jinja caches each compiled template inside its env."""
    translations = catalog(sources, language)
    html_env = _Environment(
        loader=_Loader(sources, precompile),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n", Pretranslate],
        auto_reload=False,
        block_start_string=_BLOCK_START,
        block_end_string=_BLOCK_END,
        comment_start_string=_COMMENT_START,
        comment_end_string=_COMMENT_END,
    )
    text_env = _Environment(
        loader=_Loader(sources, precompile=False),
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n", Pretranslate],
        keep_trailing_newline=True,
        auto_reload=False,
    )

    def payment_method(key: str) -> str:
        return translations.gettext(PAYMENT_METHODS[key]) if key in PAYMENT_METHODS else key

    for env, words in ((html_env, Words(translations, markup=True)), (text_env, Words(translations))):
        env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
        env.globals.update(_=words.gettext, ngettext=words.ngettext)
        env.extend(words=words)  # for Pretranslate, before any template is compiled
        env.filters["payment_method"] = payment_method
    return html_env, text_env


class Pretranslate(jinja2.ext.Extension):
    """Translates a plain label, ``{{ _("Amount due") }}``, once when Jinja compiles the template.

    Jinja's documented token-stream hook: the six tokens of the label become one
    ``data`` token holding the translated words (what ``_()`` would return), so
    nothing of a translation is ever read as template syntax.  An invoice has
    dozens of labels; each ``_()`` left to run costs a ``Context.call`` per mail (a
    large share of rendering: see "Tricks that stay" in benchmarks/README.md).  Calls with
    values (``_("Hello %(name)s", name=...)``) run per mail, through ``Words``.
    """

    def filter_stream(self, stream: jinja2.lexer.TokenStream) -> Iterator[jinja2.lexer.Token]:
        words: Words = self.environment.words  # type: ignore[attr-defined]
        tokens = list(stream)
        i = 0
        while i < len(tokens):
            shape = [t.type for t in tokens[i : i + 6]]
            if shape == _LABEL and tokens[i + 1].value == "_":
                yield jinja2.lexer.Token(tokens[i].lineno, "data", str(words.gettext(tokens[i + 3].value)))
                i += 6
            else:
                yield tokens[i]
                i += 1


_LABEL = ["variable_begin", "name", "lparen", "string", "rparen", "variable_end"]


class Words:
    """``_()`` and ``ngettext()`` for templates, with the i18n extension's newstyle meaning.

    The same as Jinja's newstyle gettext (the message translated and marked safe in
    HTML, then ``%`` filled with the values, which are escaped), but a plain global
    with each message looked up once per language: Jinja's own goes through three
    ``Context.call`` per call (see "Tricks that stay" in benchmarks/README.md).
    ``{% trans %}`` blocks keep the extension's own functions.
    """

    def __init__(self, translations: Any, markup: bool = False):
        self.translations = translations
        self.wrap = markupsafe.Markup if markup else str
        self.known: dict[str, str] = {}

    def gettext(self, message: str, **values: Any) -> str:
        words = self.known.get(message)
        if words is None:
            words = self.known[message] = self.wrap(self.translations.gettext(message))
        return fill(words, values) if values else words % values

    def ngettext(self, singular: str, plural: str, num: int, **values: Any) -> str:
        values.setdefault("num", num)
        return fill(self.wrap(self.translations.ngettext(singular, plural, num)), values)


def _tidy(text: str) -> str:
    """No trailing spaces and at most one blank line in a row: templates stay readable."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out) + "\n"
