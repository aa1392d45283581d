"""Pure: raw bytes of an incoming mail to the plain facts mailbot reasons about.

Nothing that arrives may raise out of here: broken MIME is read as far as it
goes, unknown or lying charsets fall back to a lenient decode, HTML-only mail
is turned into text by ``inscriptis``, and only the first ``MAX_TEXT`` characters
are analysed (a 20 MB attachment or a 2 MB line must not stall the worker).
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime

from inscriptis import get_annotated_text
from inscriptis.css_profiles import CSS_PROFILES
from inscriptis.model.config import ParserConfig

MAX_RAW = 25 * 1024 * 1024  # read at most this much of one message
MAX_TEXT = 64 * 1024  # analyse at most this much text
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

    def header(self, name: str) -> str:
        values = self.headers.get(name.lower())
        return values[0] if values else ""


def parse(raw: bytes) -> Mail:
    """Never raises: a message that cannot be read at all becomes an empty ``Mail``."""
    mail = Mail()
    try:
        msg = message_from_bytes(raw[:MAX_RAW], policy=policy.compat32)
    except Exception as exc:  # the email package is lenient, but be sure
        mail.defects.append(f"unparseable: {exc}")
        return mail
    mail.message = msg
    for step in (_headers, _addresses, _threading, _body):
        try:
            step(msg, mail)
        except Exception as exc:  # one broken part must not hide the others
            mail.defects.append(f"{step.__name__}: {type(exc).__name__}: {exc}")
    return mail


def decode_header(value: object) -> str:
    """RFC 2047 words decoded; bad charsets and bytes replaced, line breaks removed."""
    if value is None:
        return ""
    text = str(value)
    if "=?" in text:  # only encoded words need the (slow) full header parser
        try:
            text = str(policy.default.header_factory("x-any", text))
        except Exception:
            text = str(value)
    return " ".join(text.replace("\x00", "").split())


def _headers(msg: Message, mail: Mail) -> None:
    for name, value in msg.items():
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
    plain, html = [], []
    for part in _walk(msg):
        ctype = part.get_content_type()
        filename = part.get_filename()
        disposition = (part.get("Content-Disposition") or "").lower()
        if filename or disposition.startswith("attachment"):
            mail.attachments.append(Attachment(decode_header(filename or ""), ctype))
            continue
        if ctype == "text/plain":
            plain.append(_text_of(part))
        elif ctype == "text/html":
            html.append(_text_of(part))
    text = "\n".join(plain) if any(p.strip() for p in plain) else html_to_text("\n".join(html))
    mail.text = text.replace("\r\n", "\n").replace("\r", "\n")[:MAX_TEXT]


def _walk(msg: Message, depth: int = 0):
    """Depth-first parts, but not into attached mails (a bounce's copy of our invoice)."""
    if depth > 20:
        return
    if msg.is_multipart():
        payload = msg.get_payload()
        for part in payload if isinstance(payload, list) else []:
            if isinstance(part, Message):
                if part.get_content_maintype() == "message" or part.get_content_type() in (
                    "text/rfc822-headers",
                ):
                    continue
                yield from _walk(part, depth + 1)
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
