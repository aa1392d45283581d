"""One entry point, ``Renderer.render(kind, context, language)``: HTML, text and subject.

Each mail kind is a template folder (``templates/<kind>/``) with ``body.mjml``,
``body.txt`` and ``subject.txt``.  The MJML body is compiled to HTML *once* per
template and language, with its styles inlined, and the result is kept as a
Jinja template; each mail then only fills in values (about 0.1 ms).  To survive
MJML and the CSS inliner, Jinja block tags in ``.mjml`` files are written as
HTML comments: ``<!--{% for line in lines %}-->``; inside ``<mj-title>`` use
single quotes in Jinja expressions (MJML copies the title into an attribute).

Autoescape is on for HTML: whatever a client or owner typed shows literally.
"""

from __future__ import annotations

import json
import re
from collections.abc import MutableMapping
from functools import cache
from pathlib import Path
from typing import Any

import css_inline
import jinja2
import markupsafe
from jinja2.ext import i18n as _i18n  # noqa: F401  (registers the extension's module)
from mjml import mjml2html

from mailbot.outbound.compose import Rendered
from mailbot.outbound.i18n import base_language, load_translations

PACKAGED = Path(__file__).parent.parent / "_data" / "templates"
SOURCE = Path(__file__).parent.parent.parent / "templates"
_INCLUDE = re.compile(r'<mj-include\s+path="([^"]+)"\s*/>')
_TEXT_INCLUDE = re.compile(r'\{%-?\s*include\s+"([^"]+)"\s*-?%\}')
_INLINE_STYLE = re.compile(r'<mj-style\s+inline="inline"\s*>(.*?)</mj-style>', re.DOTALL)
# Payment methods the owner may list by key in `[payment] methods`; other words show as written.
PAYMENT_METHODS = {
    "bank_transfer": "bank transfer",
    "sepa_debit": "SEPA direct debit",
    "card": "credit or debit card",
    "paypal": "PayPal",
    "apple_pay": "Apple Pay",
    "google_pay": "Google Pay",
    "cash": "cash",
    "cheque": "cheque",
}
_HTML_SYNTAX = {
    "block_start_string": "<!--{%",
    "block_end_string": "%}-->",
    "comment_start_string": "<!--{#",
    "comment_end_string": "#}-->",
}


def default_templates() -> Path:
    """The templates shipped with mailbot (installed wheel or source checkout)."""
    return PACKAGED if PACKAGED.is_dir() else SOURCE


class TemplateMissing(LookupError):
    pass


def flatten_mjml(path: Path, root: Path, depth: int = 0) -> str:
    """Inline ``<mj-include path="...">`` textually, so one file holds the whole mail."""
    return _flatten(path, root, _INCLUDE, depth)


def _flatten(path: Path, root: Path, pattern: re.Pattern, depth: int = 0) -> str:
    """Inline includes textually: MJML needs the whole mail, and Jinja renders one
    template faster than one with includes (each include builds a new context)."""
    if depth > 5:
        raise ValueError(f"{path}: includes nested too deeply")
    source = path.read_text(encoding="utf-8")
    return pattern.sub(lambda m: _flatten(root / m.group(1), root, pattern, depth + 1), source)


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
    return inliner.inline(html)


_PLAIN_GETTEXT = re.compile(r"""\{\{\s*_\((["'])((?:(?!\1).)*)\1\)\s*\}\}""")
_GETTEXT_WITH_ARGS = re.compile(r"""\b_\((["'])((?:(?!\1).)*)\1\s*,""")


def pretranslate(source: str, translations: Any, escape: bool) -> str:
    """Replace ``{{ _("Words") }}`` with the translated words, once per language.

    An invoice holds dozens of fixed labels; translating them at load time
    instead of per mail makes rendering about twice as fast.  Calls with
    arguments (``_("Hello %(name)s", name=...)``) become ``_fill("Guten Tag
    %(name)s", name=...)``: translated now, filled in per mail.
    """

    def swap(match: re.Match) -> str:
        words = translations.gettext(match.group(2))
        return str(markupsafe.escape(words)) if escape else words

    def swap_call(match: re.Match) -> str:
        words = translations.gettext(match.group(2))
        return "_fill(" + json.dumps(words, ensure_ascii=False) + ","

    return _GETTEXT_WITH_ARGS.sub(swap_call, _PLAIN_GETTEXT.sub(swap, source))


def _fill_html(words: str, **values: Any) -> markupsafe.Markup:
    """A pre-translated ``%(name)s`` string filled with escaped values (as Jinja's own ``_``)."""
    return markupsafe.Markup(words) % values  # noqa: S704 - our translation files, not input


def _fill_text(words: str, **values: Any) -> str:
    return words % values


def bake(source: str, constants: tuple[tuple[str, str], ...], escape: bool) -> str:
    """Write values that never change per mail (``{{ brand.color }}``) into the template.

    MJML repeats the brand font on every block; filling it in once per template
    instead of thirty times per mail saves a good part of each render.
    """
    for name, value in constants:
        pattern = r"\{\{\s*" + re.escape(name) + r"\s*\}\}"
        text = str(markupsafe.escape(value)) if escape else value
        source = re.sub(pattern, lambda _m, text=text: text, source)
    return source


class _Loader(jinja2.BaseLoader):
    """Serves templates pre-translated; ``.mjml`` ones compiled to HTML first.

    Calls with arguments become ``_fill("translated words", ...)``: the lookup
    is done, only the values are filled in per mail.

    Jinja caches what this returns, so each template is compiled once per language.
    """

    def __init__(self, root: Path, translations: Any, precompile: bool, constants: tuple = ()):
        self.root = root
        self.translations = translations
        self.precompile = precompile
        self.constants = constants

    def get_source(self, environment, template):
        path = self.root / template
        if not path.is_file():
            raise jinja2.TemplateNotFound(template)
        if path.suffix == ".mjml":
            source = flatten_mjml(path, self.root)
            if self.precompile:
                source = compile_mjml(source)
        else:
            source = _flatten(path, self.root, _TEXT_INCLUDE)
        escape = environment.autoescape is True
        source = bake(pretranslate(source, self.translations, escape), self.constants, escape)
        mtime = path.stat().st_mtime
        return source, str(path), lambda: path.stat().st_mtime == mtime


class Renderer:
    """Renders every mail kind in every language; build one and keep it."""

    def __init__(
        self,
        templates: Path | None = None,
        compile_per_mail: bool = False,
        constants: dict[str, dict[str, str]] | None = None,
    ):
        """``constants``: values fixed for this config (``{"brand": {...}}``), baked in once."""
        self.templates = templates or default_templates()
        self.compile_per_mail = compile_per_mail  # only for the benchmark's comparison
        self.constants = tuple(
            sorted(
                (f"{group}.{key}", str(value))
                for group, values in (constants or {}).items()
                for key, value in values.items()
            )
        )

    def kinds(self) -> list[str]:
        return sorted(p.parent.name for p in self.templates.glob("*/body.mjml"))

    def render(self, kind: str, context: dict[str, Any], language: str) -> Rendered:
        if not (self.templates / kind / "body.mjml").is_file():
            raise TemplateMissing(f"no templates for {kind!r} in {self.templates}")
        lang = _base_language(language, self.templates)
        html_env, text_env = self._envs(lang)
        if (self.templates / kind / "intro.txt").is_file():
            # Words that depend on tone or reason are written once, for both parts.
            intro = text_env.get_template(f"{kind}/intro.txt").render(context)
            context = {**context, "intro": [p.strip() for p in intro.split("\n\n") if p.strip()]}
        html = html_env.get_template(f"{kind}/body.mjml").render(context)
        if self.compile_per_mail:
            html = compile_mjml(html)
        text = text_env.get_template(f"{kind}/body.txt").render(context)
        subject = text_env.get_template(f"{kind}/subject.txt").render(context)
        return Rendered(subject=" ".join(subject.split()), html=html, text=_tidy(text))

    def _envs(self, language: str) -> tuple[jinja2.Environment, jinja2.Environment]:
        return _environments(self.templates, language, not self.compile_per_mail, self.constants)


@cache
def _base_language(language: str, templates: Path) -> str:
    return base_language(language, templates)


class _Environment(jinja2.Environment):
    """Jinja's environment, with each template's globals one plain dict.

    Every render copies the globals into its context; Jinja's ``ChainMap`` is copied key
    by key in Python, three or four times per mail. Jinja asks not to change globals
    after a template is loaded, and ``_environments`` sets them all before."""

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        return {**self.globals, **(d or {})}


@cache
def _environments(
    templates: Path, language: str, precompile: bool, constants: tuple
) -> tuple[jinja2.Environment, jinja2.Environment]:
    """One pair per language: Jinja caches each compiled template inside its env."""
    translations = load_translations(templates, language)
    html_env = _Environment(
        loader=_Loader(templates, translations, precompile, constants),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        auto_reload=False,
        **_HTML_SYNTAX,
    )
    text_env = _Environment(
        loader=_Loader(templates, translations, precompile=False, constants=constants),
        autoescape=False,  # the plain text part and subject: never HTML
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        keep_trailing_newline=True,
        auto_reload=False,
    )

    def payment_method(key: str) -> str:
        return translations.gettext(PAYMENT_METHODS[key]) if key in PAYMENT_METHODS else key

    for env in (html_env, text_env):
        env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
        env.filters["payment_method"] = payment_method
    html_env.globals["_fill"] = _fill_html
    text_env.globals["_fill"] = _fill_text
    return html_env, text_env


def _tidy(text: str) -> str:
    """No trailing spaces and at most one blank line in a row: templates stay readable."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out) + "\n"
