"""Before the state file is opened: is it a usable file, and is it the one mailbot ran on?

A lost state file is the one failure that makes mailbot do harm: with no record of
what went out, every invoice of the ledger looks new and would be mailed again.  So
once the file holds records, a marker is written beside it (``mailbot.db.marker``);
from then on a missing or empty state file is an error that says what to do, never a
silent fresh start.  Every problem is one line, ``PATH: message`` (``StateError``).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

MARKER_SUFFIX = ".marker"
SQLITE_HEADER = b"SQLite format 3\x00"
RESTORE = "restore it from a backup"
FULL_BELOW = 1024 * 1024  # free bytes under which a failed write is blamed on a full disk
AFRESH = "or run `mailbot state new` to start afresh (the first run then mails only recent invoices)"
MARKER_TEXT = """\
mailbot has kept its records in {name} (beside this file).
If {name} is missing or empty, mailbot refuses to run: without it every invoice of
the ledger would be mailed again. Restore {name} from a backup, or run
`mailbot state new` to start afresh. Do not delete this marker to get past the error.
"""


class StateError(Exception):
    """The state file cannot be used; the message is ``PATH: what happened; what to do``."""


SIDE_FILES = ("-wal", "-shm", ".lock")
# (os.access sees all three, also for root: a mode only stops other users)
READ_ONLY_WHY = "its owner and mode, an immutable flag (lsattr), or a read-only mount"


def marker_of(path: Path) -> Path:
    return path.with_name(path.name + MARKER_SUFFIX)


def damaged(path: Path | str, why: object) -> str:
    """The message for a file that is not a sound SQLite database."""
    return (
        f"{path}: the state database is damaged ({why}): stop mailbot and {RESTORE}; "
        "`mailbot state check` says more"
    )


def explain(path: Path | str, exc: sqlite3.Error) -> str:
    """A damaged file, or one SQLite could not use (locked, read-only, a disk error)."""
    if isinstance(exc, sqlite3.OperationalError):
        return f"{path}: cannot use the state file: {exc}{_full_disk(Path(path))}"
    return damaged(path, exc)


def _full_disk(path: Path) -> str:
    """Why a write failed when the disk is full: SQLite says "disk I/O error" when it cannot
    even make its journal, which sends the owner looking for a broken disk.  Nothing was
    half-written (each record is one transaction); freeing space is enough."""
    try:
        free = shutil.disk_usage(path.parent).free
    except OSError:
        return ""
    if free >= FULL_BELOW:
        return ""
    return (
        f" (the disk holding it is full: {free // 1024} KB free; nothing was half-written:"
        " free space and run again)"
    )


def lost(path: Path, what: str) -> str:
    """The message for a state that mailbot ran on but that is gone or emptied."""
    return (
        f"{path}: the state file {what}, but mailbot has run here before ({marker_of(path).name}"
        f" says so); starting from nothing would mail every invoice again: {RESTORE}, {AFRESH}"
    )


def check_place(path: Path, make: bool = True) -> None:
    """A file path whose folder exists (or can be made) and can be written: SQLite keeps
    its journal (``-wal``, ``-shm``) and mailbot its lock beside the file.  ``make``: make
    the folder (else only judge the nearest folder that exists, as ``check`` does)."""
    if path.is_dir():
        raise StateError(f"{path}: is a directory; [state] path must name a file, such as var/mailbot.db")
    for side in SIDE_FILES:  # (SQLite's journal and mailbot's lock: files it must be able to make)
        beside = path.with_name(path.name + side)
        if beside.is_dir():
            raise StateError(f"{beside}: is a directory where the state's {side[1:]} file belongs: remove it")
    folder = path.parent
    try:
        if make:
            folder.mkdir(parents=True, exist_ok=True)
        else:
            folder = next(p for p in (folder, *folder.parents) if p.exists())
            if not folder.is_dir():
                raise NotADirectoryError(20, "Not a directory")
    except OSError as exc:
        raise StateError(f"{path}: cannot make its folder {path.parent}: {exc.strerror or exc}") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise StateError(
            f"{path}: its folder {folder} is not writable (the state's journal and lock live there;"
            f" {READ_ONLY_WHY}): nothing was sent"
        )
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        raise StateError(
            f"{path}: the state file is not readable and writable by this user ({READ_ONLY_WHY});"
            " mailbot records each mail there before sending it, so nothing was sent"
        )


def check_not_lost(path: Path) -> None:
    """A missing or empty file where the marker says mailbot kept records is an error."""
    if not marker_of(path).exists():
        return
    if not path.exists():
        raise StateError(lost(path, "is missing"))
    if path.stat().st_size == 0:
        raise StateError(lost(path, "is empty"))


def check_header(path: Path) -> None:
    """A file that does not start as an SQLite database is damaged (or not ours): refused
    before SQLite is asked to open it."""
    if not path.exists() or path.stat().st_size == 0:
        return
    with path.open("rb") as handle:
        head = handle.read(len(SQLITE_HEADER))
    if head != SQLITE_HEADER:
        raise StateError(damaged(path, "not an SQLite database"))


def check_before_open(path: Path) -> None:
    check_place(path)
    check_not_lost(path)
    check_header(path)


def write_marker(path: Path) -> None:
    """Mark that the state at ``path`` holds records (once; the text explains itself)."""
    marker = marker_of(path)
    if not marker.exists():
        marker.write_text(MARKER_TEXT.format(name=path.name), encoding="utf-8")


def remove_marker(path: Path) -> None:
    marker_of(path).unlink(missing_ok=True)
