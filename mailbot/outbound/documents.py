"""The files an invoice mail carries: its PDF (with the e-invoice inside) and an XRechnung.

What a client gets follows ``[clients.x] attach_pdf`` and ``einvoice``, else the
``[invoice]`` defaults: ``zugferd`` puts the EN 16931 XML inside the PDF, ``xrechnung``
also attaches it as ``<number>.xml`` in the XRechnung profile, ``none`` sends the PDF
alone. Only the invoice mail carries them; reminders point back to it.
"""

from __future__ import annotations

import logging
from datetime import date
from functools import cache
from typing import Any

from mailbot.config.settings import Client, Settings
from mailbot.ledger.read import Invoice
from mailbot.outbound import einvoice, pdf
from mailbot.outbound.compose import FileAttachment, InlineImage
from mailbot.outbound.context import invoice_context
from mailbot.outbound.i18n import formatter_for
from mailbot.outbound.payqr import qr_png
from mailbot.outbound.sources import Sources

log = logging.getLogger(__name__)


def wants_pdf(settings: Settings, client: Client) -> bool:
    return settings.invoice.attach_pdf if client.attach_pdf is None else client.attach_pdf


def einvoice_format(settings: Settings, client: Client) -> str:
    return client.einvoice or settings.invoice.einvoice


def einvoice_gaps(settings: Settings, client: Client) -> list[str]:
    """What the config lacks for a valid EN 16931 e-invoice to this client (empty: none).

    EN 16931 wants the seller's VAT id or tax number on every invoice (BR-S-02, BR-Z-02,
    BR-E-02, BR-AE-02...); XRechnung also the seller's phone (BR-DE-6) and the post code and
    city of both (BR-DE-3/4, BR-DE-8/9). Without them the mail goes with a PDF alone: an
    e-invoice the buyer's system rejects is worse than none."""
    kind = einvoice_format(settings, client)
    if kind == "none":
        return []
    who = einvoice.parties_of(settings, client)
    gaps = [] if settings.business.tax_id.strip() else ["[business] tax_id (the VAT id or tax number)"]
    if kind == "xrechnung":
        gaps += [] if settings.business.phone.strip() else ["[business] phone (XRechnung: BR-DE-6)"]
        buyer_label = f"[clients.{_id(settings, client)}] address"
        for label, party in (("[business] address", who.seller), (buyer_label, who.buyer)):
            if not (party.address.postcode and party.address.city):
                gaps.append(f"{label}: a post code and city (XRechnung: BR-DE-3/4, BR-DE-8/9)")
    return gaps


def _id(settings: Settings, client: Client) -> str:
    return next((key for key, value in settings.clients.items() if value is client), client.name)


def pdf_context(settings: Settings, invoice: Invoice, client: Client, today: date,
                logo: InlineImage | None) -> dict[str, Any]:  # fmt: skip
    """What the print layout shows: the mail's values, and what only paper needs."""
    context = invoice_context(settings, invoice, client, today)
    fmt = formatter_for(client.language)
    assert invoice.due_date is not None
    context.update(
        lang=client.language,
        logo=pdf.image_url(logo.data, logo.subtype) if logo else "",
        document={
            "due_date": fmt.date(invoice.due_date),
            "buyer_reference": client.buyer_reference,
            "note": invoice.note,
        },
    )
    context["payment"] = with_qr_image(context["payment"])
    return context


def with_qr_image(payment: dict[str, Any]) -> dict[str, Any]:
    """The payment block with the mail's own QR code (same payload, same PNG) as a ``data:``
    URL: a client paying from paper scans what a client paying from the mail taps."""
    payload = payment.get("qr")
    return {**payment, "qr_src": pdf.image_url(qr_png(payload), "png") if payload else ""}


def attachments(settings: Settings, sources: Sources, invoice: Invoice, client: Client, today: date,
                logo: InlineImage | None) -> list[FileAttachment]:  # fmt: skip
    """The invoice mail's files for this client (``invoice``: as the mail tells it)."""
    kind = einvoice_format(settings, client)
    if gaps := einvoice_gaps(settings, client):
        log.warning("invoice %s: no e-invoice, the config lacks %s", invoice.number, "; ".join(gaps))
        kind = "none"
    found: list[FileAttachment] = []
    if wants_pdf(settings, client) and (why := pdf.missing()):
        _say_once(f"invoice mails go without their PDF: {why} (`mailbot check` says so too)")
    elif wants_pdf(settings, client):
        document = invoice_pdf(settings, sources, invoice, client, today, logo, kind != "none")
        found.append(FileAttachment(pdf_filename(sources, client.language, invoice.number), document,
                                "application", "pdf"))  # fmt: skip
    if kind == "xrechnung":
        xml = einvoice.cii_xml(settings, invoice, client, "xrechnung")
        found.append(FileAttachment(f"{_safe(invoice.number)}.xml", xml, "application", "xml"))
    return found


def invoice_pdf(settings: Settings, sources: Sources, invoice: Invoice, client: Client, today: date,
                logo: InlineImage | None, with_einvoice: bool) -> bytes:  # fmt: skip
    """The invoice's PDF, with its EN 16931 XML inside when ``with_einvoice``."""
    xml = einvoice.cii_xml(settings, invoice, client) if with_einvoice else None
    return pdf.invoice_pdf(sources, pdf_context(settings, invoice, client, today, logo), client.language, xml)


@cache
def _say_once(message: str) -> None:
    """A machine-wide condition is logged once a process, not once an invoice."""
    log.warning("%s", message)


def pdf_filename(sources: Sources, language: str, number: str) -> str:
    """``Invoice-2026-004.pdf``, ``Rechnung-2026-004.pdf``: a name a person would give it."""
    return pdf.gettext(sources, language, "Invoice-%(number)s.pdf") % {"number": _safe(number)}


def _safe(number: str) -> str:
    """The invoice number as part of a file name: no path separators or odd characters."""
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in number).strip(".") or "invoice"
