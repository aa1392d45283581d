"""Pure: raw bytes of an incoming mail to the plain facts mailbot reasons about.

Nothing that arrives may raise out of here: broken MIME is read as far as it
goes, unknown or lying charsets fall back to a lenient decode, HTML-only mail
is turned into text by ``inscriptis``, and only the first ``MAX_TEXT`` characters
are analysed (a 20 MB attachment or a 2 MB line must not stall the worker).

Hostile mail is bounded before any expensive step (``limits``): the email package's
cost grows faster than its input for some shapes (encoded words in one header, millions
of short lines, thousands of parts), so a message over a limit is never parsed whole.
Its headers are picked out by a linear scan, each value capped, and it is read as
``oversized`` (``Mail.oversized`` says why): its sender and subject, no body.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime

from inscriptis import get_annotated_text
from inscriptis.css_profiles import CSS_PROFILES
from inscriptis.model.config import ParserConfig

MAX_RAW = 10 * 1024 * 1024  # a message larger than this is oversized; readers take MAX_RAW + 1
MAX_TEXT = 64 * 1024  # analyse at most this much text
MAX_HEADER_BYTES = 64 * 1024  # the header section of a message
MAX_HEADER_LINES = 1_000  # lines of the header section (folded lines count)
MAX_LINES = 250_000  # lines of the whole message (the parser keeps one object per line)
MAX_BOUNDARIES = 1_000  # lines starting "--": MIME boundaries, so at most about this many parts
MAX_DEPTH = 20  # nested multiparts
MAX_PARTS = 500  # leaf parts
MAX_ENCODED_WORDS = 100  # RFC 2047 words in one header value
MAX_DECODED = 16 * 1024  # characters of one header value given to the RFC 2047 decoder
MAX_VALUE = 8 * 1024  # bytes kept of one header value of an oversized message
_MSGID = re.compile(r"<[!-;=?-~]{1,250}>")  # printable ASCII: it is written back into our headers


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str


@dataclass
class Mail:
    """What an incoming message says, decoded; every field has a safe default."""

    message_id: str = ""
    sender: str = ""  # the From address, lower case
    sender_name: str = ""
    senders: list[str] = field(default_factory=list)  # every address of every From header
    reply_to: str = ""
    reply_tos: list[str] = field(default_factory=list)  # every Reply-To address
    to: list[str] = field(default_factory=list)
    subject: str = ""
    date: datetime | None = None
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    text: str = ""  # the whole plain text (HTML converted), capped
    headers: dict[str, list[str]] = field(default_factory=dict)  # lower-case name -> values
    content_type: str = "text/plain"
    report_type: str = ""  # "delivery-status" for an RFC 3464 bounce
    attachments: list[Attachment] = field(default_factory=list)
    message: Message | None = None  # the parsed tree, for bounce details
    defects: list[str] = field(default_factory=list)
    oversized: str = ""  # the limit a hostile or huge message broke; "" when read whole

    def header(self, name: str) -> str:
        values = self.headers.get(name.lower())
        return values[0] if values else ""


def parse(raw: bytes) -> Mail:
    """Never raises: a message that cannot be read at all becomes an empty ``Mail``; one
    over a limit becomes an ``oversized`` one with its headers only."""
    broken = limits(raw)
    if broken:
        return parse_headers_only(raw, broken)
    mail = Mail()
    try:
        msg = message_from_bytes(raw, policy=policy.compat32)
    except Exception as exc:  # the email package is lenient, but be sure
        mail.defects.append(f"unparseable: {exc}")
        return mail
    mail.message = msg
    _read(msg, mail, (_headers, _addresses, _threading, _body))
    return mail


def _read(msg: Message, mail: Mail, steps: tuple[Callable[[Message, Mail], None], ...]) -> None:
    for step in steps:
        try:
            step(msg, mail)
        except Exception as exc:  # one broken part must not hide the others
            mail.defects.append(f"{step.__name__}: {type(exc).__name__}: {exc}")


def header_end(raw: bytes, within: int) -> int:
    """Where the header section ends (the blank line), looked for in the first ``within``
    bytes; -1 when it is not there."""
    ends = [i for i in (raw.find(b"\n\n", 0, within), raw.find(b"\n\r\n", 0, within)) if i >= 0]
    return min(ends) + 1 if ends else -1


def limits(raw: bytes) -> str:
    """The first limit ``raw`` breaks, or "": linear scans of the bytes, before any parsing."""
    if len(raw) > MAX_RAW:
        return f"larger than {MAX_RAW // (1024 * 1024)} MB"
    end = header_end(raw, MAX_HEADER_BYTES + 2)
    head = raw if end < 0 else raw[:end]
    if len(head) > MAX_HEADER_BYTES:
        return f"header section over {MAX_HEADER_BYTES // 1024} KiB"
    if head.count(b"\n") > MAX_HEADER_LINES:
        return f"more than {MAX_HEADER_LINES} header lines"
    if raw.count(b"\n") > MAX_LINES:
        return f"more than {MAX_LINES} lines"
    if raw.count(b"\n--") > MAX_BOUNDARIES:
        return f"more than {MAX_BOUNDARIES} MIME boundaries"
    return ""


# One header field and its folded continuation lines, found without splitting the bytes
# into lines (a 10 MB header section of short lines would be millions of objects).
_FIELD = re.compile(rb"^([!-9;-~]{1,100}):[ \t]*([^\r\n]*(?:\r?\n[ \t][^\r\n]*)*)", re.M)
_WANTED = ("from", "reply-to", "to", "subject", "date", "message-id", "in-reply-to", "references")


def parse_headers_only(raw: bytes, reason: str) -> Mail:
    """An oversized message as far as it can be read cheaply: its headers, each value cut to
    ``MAX_VALUE`` bytes (the first ``MAX_HEADER_LINES`` of them, plus the first of each
    name threading and trust need, wherever it stands), and no body."""
    mail = Mail(oversized=reason, defects=[f"oversized: {reason}"])
    end = header_end(raw, len(raw))
    kept: list[tuple[str, str]] = []
    names: set[str] = set()
    for found in _FIELD.finditer(raw, 0, end if end >= 0 else len(raw)):
        name = found.group(1).decode("ascii").lower()
        if len(kept) < MAX_HEADER_LINES or (name in _WANTED and name not in names):
            kept.append((name, found.group(2)[:MAX_VALUE].decode("utf-8", "replace")))
            names.add(name)
    _read(_message_of(kept), mail, (_headers, _addresses, _threading))  # (the kept values are capped)
    return mail


def _message_of(kept: list[tuple[str, str]]) -> Message:
    """The kept (raw, capped) header fields as a ``Message``, for the address readers."""
    msg = Message()
    for name, value in kept:
        msg[name] = value
    return msg


def decode_header(value: object) -> str:
    """RFC 2047 words decoded; bad charsets and bytes replaced, line breaks removed.

    The email package's decoder costs more than linear time and memory in the number of
    encoded words, so it sees at most ``MAX_DECODED`` characters and
    ``MAX_ENCODED_WORDS`` words of a value; the rest is dropped.
    """
    if value is None:
        return ""
    text = str(value)
    if "=?" in text:  # only encoded words need the (slow) full header parser
        text = _first_words(text[:MAX_DECODED])
        try:
            text = str(policy.default.header_factory("x-any", text))
        except Exception:
            text = str(value)
    return " ".join(text.replace("\x00", "").split())


def _first_words(text: str) -> str:
    """``text`` up to its ``MAX_ENCODED_WORDS``-th encoded word."""
    start = -1
    for _ in range(MAX_ENCODED_WORDS):
        start = text.find("=?", start + 1)
        if start < 0:
            return text
    following = text.find("=?", start + 1)
    return text if following < 0 else text[:following]


def _headers(msg: Message, mail: Mail) -> None:
    for name, value in msg.items():
        words = str(value).count("=?")
        if words > MAX_ENCODED_WORDS:
            _too_big(mail, f"{words} encoded words in {name[:40]}")
        mail.headers.setdefault(name.lower(), []).append(decode_header(value))
    mail.subject = mail.header("subject")[:500]
    mail.message_id = _first_id(mail.header("message-id"))
    mail.content_type = msg.get_content_type()
    report_type = msg.get_param("report-type")  # (a tuple for an RFC 2231 value)
    mail.report_type = report_type.lower() if isinstance(report_type, str) and msg.is_multipart() else ""
    with contextlib.suppress(TypeError, ValueError, IndexError, OverflowError):
        parsed = parsedate_to_datetime(mail.header("date"))
        mail.date = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _addresses(msg: Message, mail: Mail) -> None:
    """Addresses are read from the raw headers, then names decoded: decoding first would
    let an encoded word (``=?utf-8?q?ap@client.example=2C?=``) add an address of its own."""
    senders = _mailboxes(msg.get_all("from") or [])
    mail.senders = [address for _, address in senders]
    if senders:
        name, mail.sender = senders[0]
        mail.sender_name = decode_header(name)
    mail.reply_tos = [address for _, address in _mailboxes(msg.get_all("reply-to") or [])]
    mail.reply_to = mail.reply_tos[0] if mail.reply_tos else ""
    mail.to = [a.strip().lower() for _, a in getaddresses(mail.headers.get("to", [])) if a]


def _mailboxes(values: list) -> list[tuple[str, str]]:
    """(raw display name, lower-case address) of each mailbox named; empty groups skipped."""
    found = getaddresses([" ".join(str(value).split()) for value in values])
    return [(name, address.strip().lower()) for name, address in found if name or address.strip()]


def _first_id(value: str) -> str:
    found = _MSGID.search(value)
    return found.group(0) if found else ""


def _threading(msg: Message, mail: Mail) -> None:
    mail.in_reply_to = _MSGID.findall(mail.header("in-reply-to"))[:20]
    mail.references = _MSGID.findall(" ".join(mail.headers.get("references", [])))[-50:]


def _body(msg: Message, mail: Mail) -> None:
    plain: list[str] = []
    html: list[str] = []
    kept = 0  # characters of text collected: what is analysed is capped anyway
    for leaves, part in enumerate(_walk(msg, mail), start=1):
        if leaves > MAX_PARTS:
            _too_big(mail, f"more than {MAX_PARTS} parts")
            break
        ctype = part.get_content_type()
        filename = part.get_filename()
        disposition = (part.get("Content-Disposition") or "").lower()
        if filename or disposition.startswith("attachment"):
            mail.attachments.append(Attachment(decode_header(filename or ""), ctype))
            continue
        if ctype in ("text/plain", "text/html") and kept < MAX_TEXT * 4:
            text = _text_of(part)
            kept += len(text)
            (plain if ctype == "text/plain" else html).append(text)
    text = "\n".join(plain) if any(p.strip() for p in plain) else html_to_text("\n".join(html))
    mail.text = text.replace("\r\n", "\n").replace("\r", "\n")[:MAX_TEXT]


def _too_big(mail: Mail, reason: str) -> None:
    if not mail.oversized:
        mail.oversized = reason
        mail.defects.append(f"oversized: {reason}")


def _walk(msg: Message, mail: Mail, depth: int = 0) -> Iterator[Message]:
    """Depth-first parts, but not into attached mails (a bounce's copy of our invoice)."""
    if depth > MAX_DEPTH:
        _too_big(mail, f"multiparts nested more than {MAX_DEPTH} deep")
        return
    if msg.is_multipart():
        payload = msg.get_payload()
        for part in payload if isinstance(payload, list) else []:
            if isinstance(part, Message):
                if part.get_content_maintype() == "message" or part.get_content_type() in (
                    "text/rfc822-headers",
                ):
                    continue
                yield from _walk(part, mail, depth + 1)
    else:
        yield msg


def _text_of(part: Message) -> str:
    """Decode with the declared charset; when it lies or is unknown, fall back gently."""
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return str(part.get_payload())[:MAX_TEXT]
    payload = payload[: MAX_TEXT * 4]
    charset = (part.get_content_charset() or "utf-8").lower()
    for candidate in (charset, "utf-8"):
        try:
            return payload.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    return payload.decode("cp1252", errors="replace")


# Quoted history in HTML mail is a <blockquote>: its lines get "> " so quotes.py cuts them
# like a plain-text quote. The "strict" profile adds no indentation to shift line starts.
_HTML = ParserConfig(css=CSS_PROFILES["strict"], annotation_rules={"blockquote": ["quote"]})


def html_to_text(html: str) -> str:
    """Visible text of an HTML-only mail, without images or link targets, lines unwrapped."""
    if not html.strip():
        return ""
    try:
        result = get_annotated_text(html[: MAX_TEXT * 4], _HTML)
    except Exception:
        return re.sub(r"<[^>]+>", " ", html)
    return _mark_quotes(result["text"], [(start, end) for start, end, _ in result["label"]])


def _mark_quotes(text: str, spans: list[tuple[int, int]]) -> str:
    """Prefix "> " to each line that lies inside a quoted span."""
    out, pos = [], 0
    for line in text.split("\n"):
        end = pos + len(line)
        quoted = line.strip() and any(start < end and pos < stop for start, stop in spans)
        out.append("> " + line if quoted else line)
        pos = end + 1
    return "\n".join(out)
