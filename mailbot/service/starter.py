"""``mailbot init``: a starter config and ledger for a new business.

They are the shipped samples, with their paths made to work from the new folder;
an owner's existing file is never replaced.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from mailbot.outbound.render import default_templates

STARTER_FILES = ("mailbot.toml", "ledger.csv")


@dataclass
class Starter:
    """What ``write_starter`` did: the files it wrote and those it left as they were."""

    written: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)


def write_starter(target: Path) -> Starter:
    """Copy the samples into ``target`` (made if missing), never over an existing file.

    The samples sit next to the shipped templates and point at ``../var/``; in the new
    folder the state and mail live in its own ``var/``."""
    source = default_templates().parent / "config"
    target.mkdir(parents=True, exist_ok=True)
    done = Starter()
    for name in STARTER_FILES:
        dest = target / name
        if dest.exists():
            done.kept.append(dest)
            continue
        text = (source / name).read_text(encoding="utf-8")
        dest.write_text(text.replace('"../var/', '"var/'), encoding="utf-8")
        done.written.append(dest)
    return done
