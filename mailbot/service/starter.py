"""``mailbot init``: a starter config and ledger for a new business.

They are the shipped samples, with their paths made to work from the new folder;
an owner's existing file is never replaced.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from mailbot.outbound.render import default_templates

STARTER_FILES = ("mailbot.toml", "ledger.csv")
DIGEST, OFF, ON = "\n[digest]\n", "\nenabled = false", "\nenabled = true "


@dataclass
class Starter:
    """What ``write_starter`` did: the files it wrote and those it left as they were."""

    written: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)


def write_starter(target: Path) -> Starter:
    """Copy the samples into ``target`` (made if missing), never over an existing file.

    The samples sit next to the shipped templates and point at ``../var/``; in the new
    folder the state and mail live in its own ``var/``.  The daily digest, off in the
    shipped sample, is on in the starter: a new owner wants to hear what mailbot did."""
    source = default_templates().parent / "config"
    target.mkdir(parents=True, exist_ok=True)
    done = Starter()
    for name in STARTER_FILES:
        dest = target / name
        if dest.exists():
            done.kept.append(dest)
            continue
        text = (source / name).read_text(encoding="utf-8").replace('"../var/', '"var/')
        dest.write_text(digest_on(text), encoding="utf-8")
        done.written.append(dest)
    return done


def digest_on(config: str) -> str:
    """The sample config with its daily digest switched on (the shipped sample runs quietly;
    a new owner wants to hear what mailbot did)."""
    start = config.find(DIGEST)
    at = config.find(OFF, start) if start >= 0 else -1
    return config if at < 0 else config[:at] + ON + config[at + len(OFF) :]
