"""Where each template file comes from: the owner's ``[templates] dir`` first, then the shipped one.

A file in the owner's folder replaces the shipped file at the same relative path
(``invoice/body.mjml``, ``partials/footer.txt``,
``locale/de/LC_MESSAGES/mailbot.po``); every other file is the shipped one.  A
``Sources`` value also carries the *stamp* of the owner's folder (each file's
path, modification time and size), so that compiled templates can be cached per
stamp and an edit is seen as a new ``Sources``.
"""

from __future__ import annotations

import gettext
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from mailbot.outbound.i18n import DEFAULT_LANGUAGE, load_translations

PACKAGED = Path(__file__).parent.parent / "_data" / "templates"
SOURCE = Path(__file__).parent.parent.parent / "templates"
PO_FILE = "locale/{language}/LC_MESSAGES/mailbot.po"

Stamp = tuple[tuple[str, int, int], ...]


def default_templates() -> Path:
    """The templates shipped with mailbot (installed wheel or source checkout)."""
    return PACKAGED if PACKAGED.is_dir() else SOURCE


def stamp_of(folder: Path | None) -> Stamp:
    """Every file under ``folder`` with its mtime and size: cheap to take once per pass."""
    if folder is None or not folder.is_dir():
        return ()
    found = []
    for path in folder.rglob("*"):
        try:
            if path.is_file():
                info = path.stat()
                found.append((path.relative_to(folder).as_posix(), info.st_mtime_ns, info.st_size))
        except OSError:
            continue  # removed while we looked: the next pass sees the folder as it is then
    return tuple(sorted(found))


@dataclass(frozen=True)
class Sources:
    """The shipped templates, optionally overlaid by the owner's folder (as it was at ``stamp``)."""

    shipped: Path
    own: Path | None = None
    stamp: Stamp = ()

    @classmethod
    def of(cls, own: Path | None = None, shipped: Path | None = None) -> Sources:
        return cls(shipped or default_templates(), own, stamp_of(own))

    def find(self, name: str) -> Path | None:
        """The file that serves ``name``: the owner's if there is one, else the shipped one."""
        if ".." in Path(name).parts or Path(name).is_absolute():
            return None  # only the owner's folder and the shipped one
        for root in self.roots():
            path = root / name
            if path.is_file():
                return path
        return None

    def roots(self) -> tuple[Path, ...]:
        return (self.own, self.shipped) if self.own is not None else (self.shipped,)

    def kinds(self) -> list[str]:
        """Each mail kind is a folder with a ``body.mjml``; the owner may add kinds."""
        return sorted({p.parent.name for root in self.roots() for p in root.glob("*/body.mjml")})

    @cached_property
    def languages(self) -> frozenset[str]:
        """Languages with a translation in either folder, and English (the source language)."""
        pattern = PO_FILE.format(language="*")
        found = {p.parent.parent.name for root in self.roots() for p in root.glob(pattern)}
        return frozenset(found | {DEFAULT_LANGUAGE})

    def po_file(self, language: str) -> Path | None:
        return self.find(PO_FILE.format(language=language))

    def shipped_po_file(self, language: str) -> Path | None:
        """The shipped translation: it fills in what the owner's file of the language lacks."""
        path = self.shipped / PO_FILE.format(language=language)
        return path if path.is_file() else None


@lru_cache(maxsize=32)
def catalog(sources: Sources, language: str) -> gettext.NullTranslations:
    """The words of ``language``: the owner's file, the shipped one filling what it lacks.

    An owner's file written before a message existed ("Dear Ms %(surname)s,") would send
    that sentence in English: the shipped words of the language fill the gap.  Read once
    per language and version of the owner's folder, for the clients' mails and the owner's."""
    found = load_translations(sources.po_file(language), language)
    shipped = sources.shipped_po_file(language)
    if shipped is not None and shipped != sources.po_file(language):
        found.add_fallback(load_translations(shipped, language))
    return found
