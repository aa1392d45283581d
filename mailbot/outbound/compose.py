"""Pure: the MIME bytes of a mail (headers, threading, parts) from rendered content.

Structure: ``multipart/alternative`` (text, then HTML), wrapped in
``multipart/related`` when an image travels inline by Content-ID (mail clients
block ``data:`` images and often remote ones).  The text part is
quoted-printable UTF-8 (readable in a raw view); the HTML part is base64
(three times faster to encode than quoted-printable, which was a third of the
cost of a mail).  Lines end in CRLF; names are RFC 2047 encoded where not ASCII.

Why not ``EmailMessage``?  It cost about 3.5 ms per invoice mail, more than
everything else together; the few lines here write the same, standard MIME
in a fraction of that, and the tests parse every result with the stdlib parser.
A CR or LF in any header value is refused: it would let a client's or
owner's text add headers.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime, make_msgid


@dataclass(frozen=True)
class Rendered:
    """A mail's words: what a template (or the forward's summary) produced."""

    subject: str
    html: str
    text: str


CRLF = b"\r\n"


class HeaderInjection(ValueError):
    """A header value carried a line break."""


@dataclass(frozen=True)
class Envelope:
    """Who a mail is from and to."""

    from_name: str
    from_addr: str
    to: Sequence[str]
    cc: Sequence[str] = ()
    reply_to: str = ""
    to_name: str = ""

    @property
    def recipients(self) -> list[str]:
        return [*self.to, *self.cc]


@dataclass(frozen=True)
class Threading:
    message_id: str
    in_reply_to: str = ""
    references: Sequence[str] = ()


@dataclass(frozen=True)
class InlineImage:
    cid: str  # without angle brackets
    data: bytes
    subtype: str  # png, jpeg, gif


@dataclass(frozen=True)
class Extras:
    auto_submitted: str = ""  # "auto-generated" / "auto-replied": only with no human behind
    images: Sequence[InlineImage] = ()
    headers: Sequence[tuple[str, str]] = ()
    attachment: bytes | None = None  # a whole mail, attached as it arrived (forwards)


def new_message_id(domain: str, tag: str) -> str:
    """``<time.pid.random.tag@domain>``: unique, and readable in mail logs."""
    safe = "".join(ch if ch.isalnum() or ch in "-." else "-" for ch in tag)[:40]
    return make_msgid(idstring=safe, domain=domain)


def check_header(name: str, value: str) -> str:
    if "\r" in value or "\n" in value or "\0" in value:
        raise HeaderInjection(f"header {name}: line breaks are not allowed")
    return value


def _encode_words(text: str, name: str) -> str:
    """RFC 2047 for non-ASCII text, folded; plain text otherwise."""
    check_header(name, text)
    if text.isascii():
        return _fold(text, len(name) + 2)
    return encoded_words(text)


def encoded_words(text: str) -> str:
    """``=?utf-8?b?...?=`` words of at most 75 characters, never splitting a character.

    ``email.header.Header`` does the same in about 0.15 ms; this takes 0.01 ms.
    """
    words, chunk = [], b""
    for char in text:
        encoded = char.encode("utf-8")
        if len(chunk) + len(encoded) > 45:  # 45 bytes -> 60 base64 characters
            words.append(chunk)
            chunk = b""
        chunk += encoded
    words.append(chunk)
    return "\r\n ".join(f"=?utf-8?b?{base64.b64encode(w).decode('ascii')}?=" for w in words)


def _fold(text: str, used: int, limit: int = 78) -> str:
    """Fold long ASCII header text at spaces (RFC 5322 2.2.3)."""
    if used + len(text) <= limit:
        return text
    lines, line = [], ""
    for word in text.split(" "):
        if line and used + len(line) + 1 + len(word) > limit:
            lines.append(line)
            line, used = word, 1
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return "\r\n ".join(lines)


def _phrase(display: str) -> str:
    """A display name: quoted when it holds specials, encoded when not ASCII."""
    if not display:
        return ""
    if not display.isascii():
        return encoded_words(display)
    if any(ch in display for ch in '()<>[]:;@\\,."'):
        return '"' + display.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return display


def _address(display: str, addr: str) -> str:
    check_header("address", display)
    check_header("address", addr)
    if not addr.isascii() or any(ch in addr for ch in " <>,;\"'"):
        raise HeaderInjection(f"{addr!r} is not a plain email address")
    phrase = _phrase(display)
    return f"{phrase} <{addr}>" if phrase else addr


def _qp(text: str) -> bytes:
    """Quoted-printable UTF-8 with CRLF line ends (binascii does the hard part in C)."""
    body = text.replace("\r\n", "\n").encode("utf-8")
    return binascii.b2a_qp(body, istext=True).replace(b"\n", CRLF)


def _b64(data: bytes) -> bytes:
    """Base64 in 76-character lines (``base64.encodebytes`` loops in Python per 57 bytes)."""
    encoded = binascii.b2a_base64(data, newline=False)
    return CRLF.join([encoded[i : i + 76] for i in range(0, len(encoded), 76)])


def _part(content_type: str, encoding: str, body: bytes, extra: str = "") -> bytes:
    head = f"Content-Type: {content_type}\r\nContent-Transfer-Encoding: {encoding}\r\n{extra}"
    return head.encode("ascii") + CRLF + body


def _multipart(subtype: str, parts: Sequence[bytes], extra: str = "") -> bytes:
    boundary = "=_mb_" + secrets.token_hex(12)
    out = [f'Content-Type: multipart/{subtype}; boundary="{boundary}"\r\n{extra}\r\n'.encode()]
    delimiter = f"\r\n--{boundary}\r\n".encode()
    for part in parts:
        out += [delimiter, part]
    out.append(f"\r\n--{boundary}--\r\n".encode())
    return b"".join(out)


def compose(
    rendered: Rendered,
    envelope: Envelope,
    threading: Threading,
    when: datetime,
    extras: Extras | None = None,
) -> bytes:
    """The whole message as bytes, ready for SMTP (CRLF line ends)."""
    extras = extras or Extras()
    headers = [
        ("From", _address(envelope.from_name, envelope.from_addr)),
        ("To", ", ".join(_address(envelope.to_name if i == 0 else "", a)
                         for i, a in enumerate(envelope.to))),
    ]  # fmt: skip
    if envelope.cc:
        headers.append(("Cc", ", ".join(_address("", a) for a in envelope.cc)))
    if envelope.reply_to:
        headers.append(("Reply-To", _address(envelope.from_name, envelope.reply_to)))
    headers += [
        ("Subject", _encode_words(rendered.subject, "Subject")),
        ("Date", format_datetime(when)),
        ("Message-ID", check_header("Message-ID", threading.message_id)),
    ]
    if threading.in_reply_to:
        headers.append(("In-Reply-To", check_header("In-Reply-To", threading.in_reply_to)))
    if threading.references:
        refs = " ".join(check_header("References", r) for r in threading.references)
        headers.append(("References", _fold(refs, len("References: "))))
    if extras.auto_submitted:
        headers.append(("Auto-Submitted", check_header("Auto-Submitted", extras.auto_submitted)))
    for name, value in extras.headers:
        headers.append((check_header("header name", name), _encode_words(value, name)))
    headers.append(("MIME-Version", "1.0"))
    head = "".join(f"{name}: {value}\r\n" for name, value in headers).encode("ascii")
    body = _body(rendered, extras.images)
    if extras.attachment is not None:
        body = _multipart("mixed", [body, _attached_mail(extras.attachment)])
    return head + body


def _attached_mail(raw: bytes) -> bytes:
    """``message/rfc822`` when the mail can travel as it is; else base64 ``original.eml``.

    RFC 2046 forbids base64 for message/rfc822, and SMTP forbids lines over 998
    bytes: a hostile mail with a 2 MB line is wrapped as a file instead.
    """
    raw = raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    if max((len(line) for line in raw.split(b"\n")), default=0) <= 990:
        return _part("message/rfc822", "8bit", raw.replace(b"\n", CRLF),
                     'Content-Disposition: inline; filename="original.eml"\r\n')  # fmt: skip
    return _part('application/octet-stream; name="original.eml"', "base64", _b64(raw),
                 'Content-Disposition: attachment; filename="original.eml"\r\n')  # fmt: skip


def _body(rendered: Rendered, images: Sequence[InlineImage]) -> bytes:
    text = _part('text/plain; charset="utf-8"', "quoted-printable", _qp(rendered.text))
    if not rendered.html:
        return text
    html = _part('text/html; charset="utf-8"', "base64", _b64(rendered.html.encode("utf-8")))
    if not images:
        return _multipart("alternative", [text, html])
    alternative = _multipart("alternative", [text, html])
    inline = [
        _part(
            f"image/{img.subtype}", "base64", _b64(img.data),
            f"Content-ID: <{check_header('Content-ID', img.cid)}>\r\n"
            f'Content-Disposition: inline; filename="{img.cid.split("@")[0]}.{img.subtype}"\r\n',
        )
        for img in images
    ]  # fmt: skip
    return _multipart('related; type="multipart/alternative"', [alternative, *inline])
