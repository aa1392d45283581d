"""The owner's own templates (``[templates] dir``): what ``check`` finds wrong, and when edits count.

The reload rule: each pass builds its ``Mailer``, which asks :func:`current` for the
templates.  That takes the *stamp* of the owner's folder (each file's path, mtime
and size; a few stat calls).  Unchanged: the templates compiled before are used.
Changed: every template is compiled again at once (every kind, every language);
if all compile, the new ones are used from this pass on.  If one does not, the
problems are logged once for this version of the folder and the last good
templates stay in use, so a half-saved edit never stops the invoices.  (With no
good version yet, at start, the broken one is used: its mails are held and logged,
and ``mailbot check`` names the file and line.)
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import jinja2
from babel.messages.pofile import PoFileError, read_po

from mailbot.config.problems import Problem
from mailbot.outbound.render import Renderer
from mailbot.outbound.sources import Sources, Stamp

log = logging.getLogger(__name__)
_lock = threading.Lock()
_good: dict[tuple[Path, Path], Sources] = {}  # (shipped, own) -> the last version that compiled
_reported: dict[tuple[Path, Path], Stamp] = {}  # the last broken version already logged


def current(own: Path | None, shipped: Path | None = None) -> Sources:
    """The templates to render with now: the owner's folder as last edited, if it compiles."""
    candidate = Sources.of(own, shipped)
    if own is None:
        return candidate
    key = (candidate.shipped, own)
    with _lock:
        good = _good.get(key)
        if good is not None and good.stamp == candidate.stamp:
            return good
        problems = template_problems(candidate)
        if not problems:
            if good is not None:
                log.info("templates in %s changed: the new version is used from now on", own)
            # Compiled into the shared cache now, every kind and language: Jinja reads a file
            # when a template is first used, and by then the owner may be editing it again.
            _compile_problems(Renderer(candidate))
            _good[key] = candidate
            return candidate
        if _reported.get(key) != candidate.stamp:
            _reported[key] = candidate.stamp
            keep = "the last good templates stay in use" if good else "mails using it are held"
            for problem in problems:
                log.error("%s (%s)", problem, keep)
        return good or candidate


def template_problems(sources: Sources) -> list[Problem]:
    """Each file of the owner's folder that does not compile, as ``FILE:LINE: message``."""
    own = sources.own
    if own is None:
        return []
    if not own.is_dir():
        return [Problem(str(own), 0, "[templates] dir: folder not found")]
    renderer = Renderer(sources, cached=False)  # a broken version never enters the cache
    try:
        html_env, text_env = renderer.envs("en")
    except Exception as exc:  # only the shipped English words are read here
        return [Problem(str(own), 0, f"templates: {exc}")]
    problems = []
    for path in sorted(p for p in own.rglob("*") if p.is_file()):
        problems += _file_problems(path, html_env if path.suffix == ".mjml" else text_env)
    return problems or _compile_problems(renderer)


def _file_problems(path: Path, env: jinja2.Environment) -> list[Problem]:
    """The file on its own: Jinja syntax (with its own line numbers) or a ``.po`` file."""
    if path.suffix == ".po":
        return _po_problems(path)
    if path.suffix not in (".mjml", ".txt"):
        return []
    try:
        env.compile(path.read_text(encoding="utf-8"), path.name, str(path))
    except jinja2.TemplateSyntaxError as exc:
        return [Problem(str(path), exc.lineno, exc.message or "template syntax error")]
    except UnicodeDecodeError:
        return [Problem(str(path), 0, "not UTF-8 text")]
    return []


def _po_problems(path: Path) -> list[Problem]:
    try:
        with path.open("rb") as handle:
            catalog = read_po(handle, abort_invalid=True)
    except PoFileError as exc:
        return [Problem(str(path), exc.lineno + 1, str(exc).split(" on ")[0])]
    except (UnicodeDecodeError, ValueError) as exc:
        return [Problem(str(path), 0, str(exc))]
    return [
        Problem(str(path), message.lineno or 0, f"{message.id!r}: {error}")
        for message, errors in catalog.check()
        for error in errors
    ]


def _compile_problems(renderer: Renderer) -> list[Problem]:
    """Every kind in every language, compiled as the worker will (includes, MJML, translations)."""
    sources = renderer.sources
    problems: set[Problem] = set()
    for language in sorted(sources.languages):
        try:
            html_env, text_env = renderer.envs(language)
        except PoFileError as exc:
            problems.add(Problem(str(sources.po_file(language)), exc.lineno + 1, str(exc)))
            continue
        for kind in sources.kinds():
            names = ["body.mjml", "body.txt", "subject.txt"]
            names += [n for n in ("intro.txt", "heading.txt") if sources.find(f"{kind}/{n}")]
            for name in names:
                env = html_env if name.endswith(".mjml") else text_env
                where = str(sources.find(f"{kind}/{name}") or (sources.own or sources.shipped) / kind)
                try:
                    env.get_template(f"{kind}/{name}")
                except jinja2.TemplateNotFound as exc:
                    problems.add(Problem(where, 0, f"{kind}: {exc.name} not found"))
                except jinja2.TemplateSyntaxError as exc:
                    problems.add(Problem(exc.filename or where, exc.lineno, exc.message or "syntax error"))
                except Exception as exc:  # MJML or the CSS inliner refused the compiled document
                    problems.add(Problem(where, 0, f"does not compile: {exc}"))
    return sorted(problems)
