"""Pure: the MIME bytes of a mail (headers, threading, parts) from rendered content.

The standard library writes every mail: the compat32 ``email.mime`` classes,
``email.header.Header`` for headers and ``BytesGenerator`` with CRLF line ends.
They measured faster than ``EmailMessage`` with ``policy.SMTP``, and the bodies
are encoded by ``base64``/``quopri`` before they are handed over (the ``email``
package encodes them a line at a time in Python); the figures are in
benchmarks/README.md ("Tricks that stay").

Structure: ``multipart/alternative`` (text, then HTML), wrapped in
``multipart/related`` when an image travels inline by Content-ID (mail clients
block ``data:`` images and often remote ones); a forward adds the client's
original in ``multipart/mixed``.

**Every mail is 7-bit clean** (choice): the text part is quoted-printable UTF-8
(readable in a raw view), the HTML part and images base64, every header that is
not plain ASCII is RFC 2047 encoded, and no line is longer than 998 octets
(headers fold at 78).  So no server extension is needed: no ``BODY=8BITMIME``,
no ``SMTPUTF8``, and the same bytes go to SMTP and to the Maildir.  A client's
original mail that carries raw 8-bit bytes is re-encoded by the stdlib
(``cte_type="7bit"``: same text, base64 or quoted-printable), and one that
cannot be made 7-bit clean that way travels as a base64 ``original.eml``.

Headers are checked and folded in ``headers.py``.
"""

from __future__ import annotations

import base64
import email
import email.policy
import io
import logging
import quopri
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.encoders import encode_base64
from email.generator import BytesGenerator
from email.message import Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.utils import format_datetime

from mailbot.outbound.headers import (
    FOLD,
    HeaderInjection,
    address_header,
    check_header,
    new_message_id,
    text_header,
)

__all__ = ["HeaderInjection", "check_header", "new_message_id"]  # (callers import them from here too)

log = logging.getLogger(__name__)


class _Prefolded(email.policy.Compat32):
    """compat32, except that a header is written as compose folded it.

    ``_text`` and ``_addresses`` fold every header once, with ``Header.encode`` at 78
    (compat32 would also fold a Message-ID, leaving it alone on the next line, which
    some readers do not undo).  The stdlib's own ``fold_binary`` would build and encode
    a ``Header`` again for every header of every part: a third of the cost of a mail
    (see "Tricks that stay" in benchmarks/README.md).  ``fold_binary`` is the policy's
    documented hook for this.  Every value is ASCII by then; one that is not fails
    here, loudly, instead of going out as 8-bit.
    """

    def fold_binary(self, name: str, value: str) -> bytes:
        return f"{name}: {value}{self.linesep}".encode("ascii")


POLICY = _Prefolded(linesep="\r\n", max_line_length=None)
_B64_LINES = re.compile(".{1,76}")
MAX_LINE = 998  # RFC 5322 2.1.1, without the CRLF


@dataclass(frozen=True)
class Rendered:
    """A mail's words: what a template (or the forward's summary) produced."""

    subject: str
    html: str
    text: str


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
class FileAttachment:
    """A file the mail carries (an invoice's PDF, its XRechnung XML)."""

    filename: str
    data: bytes
    maintype: str  # application
    subtype: str  # pdf, xml


@dataclass(frozen=True)
class Extras:
    auto_submitted: str = ""  # "auto-generated" / "auto-replied": only with no human behind
    images: Sequence[InlineImage] = ()
    headers: Sequence[tuple[str, str]] = ()
    attachment: bytes | None = None  # a whole mail, attached as it arrived (forwards)
    files: Sequence[FileAttachment] = ()


def compose(
    rendered: Rendered,
    envelope: Envelope,
    threading: Threading,
    when: datetime,
    extras: Extras | None = None,
) -> bytes:
    """The whole message as bytes, 7-bit clean, ready for SMTP (CRLF line ends)."""
    return write(message(rendered, envelope, threading, when, extras))


def write(msg: Message) -> bytes:
    """A message as the stdlib writes it, CRLF line ends (``_Generator``: the same, faster)."""
    out = io.BytesIO()
    _Generator(out, mangle_from_=False, policy=POLICY).flatten(msg)
    return out.getvalue()


def message(
    rendered: Rendered,
    envelope: Envelope,
    threading: Threading,
    when: datetime,
    extras: Extras | None = None,
) -> Message:
    """The message as the stdlib's objects, before it is written (``compose`` writes it)."""
    extras = extras or Extras()
    body = _body(rendered, extras.images)
    if extras.attachment is not None:
        body = _multipart("mixed", [body, _attached_mail(extras.attachment)])
    if extras.files:
        body = _multipart("mixed", [body, *map(_attached_file, extras.files)])
    to = [(envelope.to_name if i == 0 else "", addr) for i, addr in enumerate(envelope.to)]
    headers: list[tuple[str, str]] = [
        ("From", address_header("From", [(envelope.from_name, envelope.from_addr)])),
        ("To", address_header("To", to)),
    ]
    if envelope.cc:
        headers.append(("Cc", address_header("Cc", [("", a) for a in envelope.cc])))
    if envelope.reply_to:
        headers.append(("Reply-To", address_header("Reply-To", [(envelope.from_name, envelope.reply_to)])))
    headers += [
        ("Subject", text_header("Subject", rendered.subject)),
        ("Date", format_datetime(when)),
        ("Message-ID", check_header("Message-ID", threading.message_id)),
    ]
    if threading.in_reply_to:
        headers.append(("In-Reply-To", check_header("In-Reply-To", threading.in_reply_to)))
    if threading.references:
        refs = "\r\n ".join(check_header("References", r) for r in threading.references)
        headers.append(("References", refs))
    if extras.auto_submitted:
        headers.append(("Auto-Submitted", check_header("Auto-Submitted", extras.auto_submitted)))
    for name, value in extras.headers:
        headers.append((check_header("header name", name), text_header(name, value)))
    if "MIME-Version" not in body:  # a text-only mail is a single part
        body["MIME-Version"] = "1.0"
    for name, value in headers:
        body[name] = value
    return body


class _Generator(BytesGenerator):
    """``BytesGenerator`` writing each body in one call instead of two per line.

    The same bytes: the stdlib splits at every line end and writes the line and
    ``linesep``; this replaces each LF by ``linesep`` at once.  The per-line calls
    (about 1,000 a typical invoice) cost a quarter of the mails a second (see
    "Tricks that stay" in benchmarks/README.md).  It overrides a
    private method, so a test writes every kind of mail both ways and requires the
    same bytes: a Python that changes the method fails that test, not a client's mail.
    """

    def _write_lines(self, lines: str) -> None:  # (private in the stdlib: see above)
        if "\r" in lines:  # not in what compose makes; the stdlib's way, line by line
            super()._write_lines(lines)  # type: ignore[misc]
        elif lines:
            self.write(lines.replace("\n", POLICY.linesep))


def _part(maintype: str, subtype: str, **params: str) -> MIMENonMultipart:
    part = MIMENonMultipart(maintype, subtype, policy=POLICY, **params)
    del part["MIME-Version"]  # once, on the whole mail
    return part


def _encoded(maintype: str, subtype: str, data: bytes, cte: str, **params: str) -> MIMENonMultipart:
    """A part whose body is encoded here, in C, in one call (``email`` would loop in Python)."""
    part = _part(maintype, subtype, **params)
    if cte == "base64":  # base64.encodebytes loops in Python per 57 bytes
        lines = _B64_LINES.findall(base64.b64encode(data).decode("ascii"))
        part.set_payload("\n".join(lines) + "\n")
    else:
        part.set_payload(quopri.encodestring(data).decode("ascii"))
    part["Content-Transfer-Encoding"] = cte
    return part


def _multipart(subtype: str, parts: Sequence[Message], **params: str) -> MIMEMultipart:
    """Our own random boundary: the generator would otherwise compile a regex to check its own."""
    boundary = "=_mb_" + secrets.token_hex(12)  # "=_" is in no base64 or quoted-printable body
    whole = MIMEMultipart(subtype, boundary, parts, policy=POLICY, **params)
    content_type = whole["Content-Type"]
    if len(content_type) > FOLD - len("Content-Type: "):  # folded at its parameters
        whole.replace_header("Content-Type", content_type.replace("; ", ";\r\n "))
    for part in parts:
        del part["MIME-Version"]
    return whole


def _body(rendered: Rendered, images: Sequence[InlineImage]) -> Message:
    text = rendered.text.replace("\r\n", "\n").encode("utf-8")
    plain = _encoded("text", "plain", text, "quoted-printable", charset="utf-8")
    if not rendered.html:
        return plain
    html = _encoded("text", "html", rendered.html.encode("utf-8"), "base64", charset="utf-8")
    alternative = _multipart("alternative", [plain, html])
    if not images:
        return alternative
    inline = []
    for img in images:
        part = MIMEBase("image", img.subtype, policy=POLICY)
        part.set_payload(img.data)
        encode_base64(part)
        part["Content-ID"] = f"<{check_header('Content-ID', img.cid)}>"
        part.add_header("Content-Disposition", "inline", filename=f"{img.cid.split('@')[0]}.{img.subtype}")
        inline.append(part)
    return _multipart("related", [alternative, *inline], type="multipart/alternative")


def _attached_file(file: FileAttachment) -> Message:
    """A file as a base64 attachment; a name that is not ASCII goes as RFC 2231 in the
    Content-Disposition (``Račun-1.pdf``), and as its ASCII letters in the older ``name``."""
    plain = file.filename.encode("ascii", "replace").decode("ascii").replace("?", "_")
    part = _encoded(file.maintype, file.subtype, file.data, "base64", name=plain)
    name: str | tuple[str, str, str] = (
        file.filename if file.filename.isascii() else ("utf-8", "", file.filename)
    )
    part.add_header("Content-Disposition", "attachment", filename=name)
    return part


def _attached_mail(raw: bytes) -> Message:
    """The client's mail as ``message/rfc822``, 7-bit clean; as ``original.eml`` if it cannot be.

    A 7-bit mail with lines within SMTP's limit travels untouched.  One with raw
    8-bit bytes is parsed and written again by the stdlib with ``cte_type="7bit"``
    (bodies base64 or quoted-printable, 8-bit headers as encoded words): the same
    text, fit for any server.  RFC 2046 forbids base64 for message/rfc822, so a
    mail that is still not clean (a 2 MB line, bytes in a part without a charset)
    goes as a base64 file instead.
    """
    raw = raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    if not _clean(raw) and _tame(raw):
        try:
            parsed = email.message_from_bytes(raw, policy=email.policy.default)
            out = io.BytesIO()
            BytesGenerator(out, policy=email.policy.default.clone(cte_type="7bit")).flatten(parsed)
            raw = out.getvalue()
        except Exception as exc:  # a hostile mail may break the stdlib; the file is the way out
            log.info("original kept as a file: the stdlib could not re-encode it (%s)", exc)
    if _clean(raw):
        part = _part("message", "rfc822")
        part.set_payload(raw.replace(b"\n", b"\r\n").decode("ascii"))
        part["Content-Transfer-Encoding"] = "7bit"
        part.add_header("Content-Disposition", "inline", filename="original.eml")
        return part
    part = _encoded("application", "octet-stream", raw, "base64", name="original.eml")
    part.add_header("Content-Disposition", "attachment", filename="original.eml")
    return part


REENCODE_MAX = 512 * 1024  # bytes of a mail the stdlib may parse and write again
REENCODE_WORDS = 200  # RFC 2047 encoded words in all its headers, parts' headers included


def _tame(raw: bytes) -> bool:
    """Whether re-encoding costs about as much as the mail is long.  The stdlib's header
    parser costs more than linear time and memory in encoded words (in a part's header
    too: 256 KiB of them took 1.9 GB), so a big or word-heavy mail goes as a file."""
    return len(raw) <= REENCODE_MAX and raw.count(b"=?") <= REENCODE_WORDS


def _clean(raw: bytes) -> bool:
    """7-bit, no NUL, no line over 998 octets (``raw`` has LF line ends)."""
    return raw.isascii() and b"\0" not in raw and max(map(len, raw.split(b"\n")), default=0) <= MAX_LINE
