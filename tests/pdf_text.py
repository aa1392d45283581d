"""The invoice PDF a mail carries, and the text a reader extracts from it (pypdf)."""

from __future__ import annotations

import io
from email import message_from_bytes, policy
from email.message import EmailMessage, Message

from pypdf import PdfReader


def pdf_of(mail: bytes | Message) -> bytes:
    """The one PDF attached to ``mail`` (its raw bytes or the parsed message)."""
    msg = message_from_bytes(mail, policy=policy.default) if isinstance(mail, bytes) else mail
    files = [p.get_content() for p in msg.walk() if isinstance(p, EmailMessage)
             and p.get_content_type() == "application/pdf"]  # fmt: skip
    assert len(files) == 1, f"{len(files)} PDFs attached"
    return files[0]


def pdf_text(mail: bytes | Message) -> str:
    """The text of every page of the mail's PDF, a page a line."""
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf_of(mail))).pages)
