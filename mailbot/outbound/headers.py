"""Header values as compose writes them: checked for line breaks, folded at 78 once.

A subject or name that is not plain ASCII, holds something that looks like an
encoded word (``=?...?=``), or a word too long to fold is RFC 2047 encoded as a
whole, in words of at most 75 characters (``email.header.Header`` with UTF-8).  A
CR, LF or NUL in any value raises ``HeaderInjection``: it would let a client's or
owner's text add headers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from email.charset import BASE64, Charset
from email.header import Header
from email.utils import formataddr, make_msgid

FOLD = 78
_UTF8 = Charset("utf-8")
_UTF8.header_encoding = BASE64  # not "the shorter of Q and B": working that out is slow
_LONG_WORD = re.compile(r"\S{70,}")
_SPECIALS = re.compile(r'[][\\()<>@,:;".]')  # what makes formataddr quote a name
# In a name or address any control character but a tab: the config refuses them, and a
# vertical tab or form feed let through would fold the From header at the wrong place.
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f\x85\u2028\u2029]")


# Any run of white space but the no-break ones, which French typography puts before ":".
_SPACES = re.compile(r"[^\S\u00a0\u202f]+")


def one_line(text: str) -> str:
    """A subject on one line: each run of white space (line breaks included) one space, the
    no-break spaces kept ("contestation\u00a0: ..." must not wrap before its colon)."""
    return _SPACES.sub(" ", text).strip()


class HeaderInjection(ValueError):
    """A header value carried a line break."""


def new_message_id(domain: str, tag: str) -> str:
    """``<time.pid.random.tag@domain>``: unique, and readable in mail logs."""
    safe = "".join(ch if ch.isalnum() or ch in "-." else "-" for ch in tag)[:40]
    return make_msgid(idstring=safe, domain=domain)


def check_header(name: str, value: str) -> str:
    """The value, or ``HeaderInjection`` if it holds a CR, LF or NUL."""
    if "\r" in value or "\n" in value or "\0" in value:
        raise HeaderInjection(f"header {name}: line breaks are not allowed")
    return value


def _plain(text: str) -> bool:
    """Whether ``text`` can stand in a header as it is (the stdlib folds it at spaces)."""
    return text.isascii() and "=?" not in text and not _LONG_WORD.search(text)


def text_header(name: str, value: str) -> str:
    """An unstructured header value, folded: as it is when plain, else RFC 2047 encoded words."""
    check_header(name, value)
    header = Header(value, "us-ascii" if _plain(value) else _UTF8, header_name=name)
    return header.encode(linesep="\r\n", maxlinelen=FOLD)


def address_header(name: str, pairs: Sequence[tuple[str, str]]) -> str:
    """``Name <addr>, ...``; a name that is not plain, or would need quotes, is encoded.

    A quoted name is valid, but the stdlib folds long ones inside the quotes, and
    not every reader (``email.utils.getaddresses`` among them) joins them again.
    """
    header = Header(header_name=name)
    for n, (display, addr) in enumerate(pairs):
        check_header(name, display)
        check_header(name, addr)
        if _CONTROL.search(display + addr):
            raise HeaderInjection(f"header {name}: control characters are not allowed")
        if not addr.isascii() or any(ch in addr for ch in " <>,;\"'()\\"):
            raise HeaderInjection(f"{addr!r} is not a plain email address")
        comma = "," if n < len(pairs) - 1 else ""
        if display and (not _plain(display) or _SPECIALS.search(display)):
            header.append(display, _UTF8)
            header.append(f" <{addr}>{comma}", "us-ascii")
        else:
            header.append(formataddr((display, addr)) + comma, "us-ascii")
    return header.encode(linesep="\r\n", maxlinelen=FOLD)
