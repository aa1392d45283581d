"""``mailbot preview``: a mail as the client will see it, built as the worker builds it.

A reminder is shown as on the day its ladder step would go out and in that step's
tone, so that the owner reads the words the client will get, not today's.
"""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime, timedelta
from email.message import Message

from mailbot.config.settings import Chase, Settings
from mailbot.ledger.read import Invoice, load_ledger
from mailbot.outbound.documents import einvoice_format
from mailbot.outbound.einvoice import cii_xml
from mailbot.outbound.mails import Mailer
from mailbot.outbound.parties import buyer, seller, through_sef
from mailbot.outbound.sef import sef_xml

CHASE_PREVIEWS = ("reminder", "final")


class NotPreviewable(Exception):
    """The invoice is not one mailbot would mail; ``lines`` say why, one a line."""

    def __init__(self, lines: list[str]):
        super().__init__("\n".join(lines))
        self.lines = lines


def previewable(settings: Settings, number: str) -> Invoice:
    """The ledger's invoice ``number``, if it can be mailed: a ledger error keeps an
    invoice out of every mail, so it has no preview either (its problems say why)."""
    invoice = load_ledger(settings).invoices.get(number)
    if invoice is None:
        raise NotPreviewable([f"{settings.ledger_path}: no invoice {number!r}"])
    if not invoice.valid:
        raise NotPreviewable([str(problem) for problem in invoice.problems])
    return invoice


def build_preview(settings: Settings, invoice: Invoice, kind: str, step: int, now: datetime) -> bytes:
    """The MIME bytes of ``kind`` (``step``: the ladder's N-th step, 0 for the default)."""
    mailer = Mailer(settings)
    moment = preview_moment(settings.chase, invoice, kind, step, now)
    message_id = "<preview@" + settings.domain + ">"
    tone = preview_tone(settings.chase, kind, step)
    number = preview_reminder_number(settings.chase, kind, step)
    return mailer.build(invoice, kind, message_id, moment, tone=tone, reminder_number=number)


def build_preview_pdf(settings: Settings, invoice: Invoice, now: datetime) -> bytes:
    """The invoice's PDF (with its e-invoice inside unless ``einvoice = "none"``), as mailed now."""
    return Mailer(settings).invoice_pdf(invoice, now)


def build_preview_xml(settings: Settings, invoice: Invoice) -> bytes:
    """The invoice's XML: for a Serbian business's Serbian client with a PIB the UBL 2.1 file to
    upload to SEF, else the EN 16931 CII XML its PDF carries (XRechnung for a client who gets it)."""
    client = settings.clients[invoice.client_id]
    if through_sef(seller(settings), buyer(settings, client)):
        return sef_xml(settings, invoice, client)
    xrechnung = einvoice_format(settings, client) == "xrechnung"
    return cii_xml(settings, invoice, client, "xrechnung" if xrechnung else "en16931")


def preview_reminder_number(chase: Chase, kind: str, step: int) -> int:
    """Which reminder the ladder's N-th step is ("Second reminder"), as the sent mail counts:
    every step before it went out, and a heads-up is no reminder."""
    if kind not in CHASE_PREVIEWS or not step:
        return 1  # the default preview of a reminder is the first one after the due date
    return max(1, sum(1 for s in chase.steps[: min(step, len(chase.steps))] if s.tone != "heads_up"))


def preview_tone(chase: Chase, kind: str, step: int) -> str:
    """``--step N`` previews the tone of the ladder's N-th step."""
    if kind not in CHASE_PREVIEWS:
        return ""
    if step:
        return chase.steps[min(step, len(chase.steps)) - 1].tone
    return "final" if kind == "final" else "friendly"


def preview_moment(chase: Chase, invoice: Invoice, kind: str, step: int, now: datetime) -> datetime:
    """A reminder is previewed as on the day its step would go out (if that is later)."""
    if kind not in CHASE_PREVIEWS or invoice.due_date is None:
        return now
    steps = chase.steps
    chosen = steps[min(step, len(steps)) - 1] if step else steps[-1 if kind == "final" else 1]
    day = invoice.due_date + timedelta(days=chosen.days)
    return max(now, datetime(day.year, day.month, day.day, 10, tzinfo=UTC))


_CID = re.compile(r"""(["'(])cid:([^"')\s]+)""")


def inline_images(html: str, msg: Message) -> str:
    """The HTML with each ``cid:`` image (the logo, the payment QR code) as a ``data:`` URI,
    for a preview written to a file: a browser has no mail around it to find the parts in.
    The mail itself keeps Content-IDs (mail programs block ``data:`` images)."""
    parts: dict[str, str] = {}
    for part in msg.walk():
        cid = (part.get("Content-ID") or "").strip().strip("<>")
        payload = part.get_payload(decode=True) if cid else None
        if cid and isinstance(payload, bytes):
            data = base64.b64encode(payload).decode("ascii")
            parts[cid] = f"data:{part.get_content_type()};base64,{data}"
    return _CID.sub(lambda m: m.group(1) + parts.get(m.group(2), "cid:" + m.group(2)), html)
