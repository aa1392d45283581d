"""What a template sees: plain values, already formatted for the client's locale.

Templates stay free of logic and formats; everything a client reads about
money and dates is decided here, in one place, and tested.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from mailbot.config.settings import Client, Settings
from mailbot.ledger.money import LateFee
from mailbot.ledger.read import Invoice
from mailbot.outbound.colours import brand_context
from mailbot.outbound.i18n import Formatter, formatter_for
from mailbot.outbound.legal import invoice_note
from mailbot.outbound.scripts import reads_cyrillic, seller_for
from mailbot.outbound.transfer import qr_payload, reference_kind, shown_reference


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def business_context(settings: Settings, logo_src: str, language: str = "") -> dict[str, Any]:
    """The business as a client writing ``language`` reads it (``scripts.seller_for``); the
    owner's own mails (``language`` left out) show it as registered."""
    b = settings.business
    seller = seller_for(settings, language)
    return {
        "name": seller.name,
        "email": b.email,
        "address_lines": _lines(seller.address),
        "phone": b.phone,
        "website": b.website,
        "website_label": b.website.split("://", 1)[-1].rstrip("/"),
        "tax_id": b.tax_id,
        "registration_id": b.registration_id,
        "legal_note": seller.legal_note,
        "logo_src": logo_src,
    }


def _pay_link(link: str, number: str) -> str:
    return link.replace("{invoice}", number) if "{invoice}" in link else ""


_IBAN = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{8,30}")


def shown_iban(iban: str) -> str:
    """An IBAN in groups of four, as printed on paper: readable aloud, and on a phone it wraps
    between groups instead of running past the screen. Anything else (a national account
    number) shows as the owner wrote it."""
    compact = "".join(iban.split()).upper()
    if not _IBAN.fullmatch(compact):
        return iban
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def shown_account_rs(digits: str) -> str:
    """A Serbian account as Serbian invoices print it: bank, account and check digits
    (``160-0000000005100-05``)."""
    return f"{digits[:3]}-{digits[3:16]}-{digits[16:]}" if len(digits) == 18 else digits


def dinar_reference(numbers: list[str]) -> str:
    """What a dinar payer writes as "poziv na broj": the invoice number under model 00, as
    the IPS QR code carries it (``transfer.qr_payload``)."""
    return ", ".join(numbers) + " (model 00)"


# Dinars as a Serbian Cyrillic text abbreviates them ("1.000,00 дин.").
DINARS_IN_CYRILLIC = "дин."


def subject_amount(fmt: Formatter, value: Decimal, currency: str, language: str) -> str:
    """The amount as a subject names it: ``940.10 EUR``, a code every mail program shows
    alike.  A Cyrillic subject names it as its body does (``940,10 €``) where the currency
    has a sign of its own, and dinars as "дин.": there the code would be the line's only
    Latin letters, all capitals, which SpamAssassin reads as a shouting subject
    (``SUBJ_ALL_CAPS``; it spares Cyrillic only in the old windows-1251 and KOI8 charsets,
    never in UTF-8)."""
    if reads_cyrillic(language):
        if currency == "RSD":  # (Babel writes "RSD" here)
            return f"{fmt.amount(value, currency)} {DINARS_IN_CYRILLIC}"
        money = fmt.money(value, currency)
        if not re.search("[A-Za-z]", money):
            return money
    return f"{fmt.amount(value, currency)} {currency}"


def payment_context(settings: Settings, invoice: Invoice, client: Client | None = None) -> dict[str, Any]:
    """How to pay ``invoice`` in full: the bank details, the reference (``transfer``), the pay
    link and the QR code's payload (``qr``; drawn and attached by ``mails.Mailer``).

    A dinar invoice with a dinar account (``account_rs``) shows that account and the
    invoice number as the reference, as its IPS QR code pays: never the EUR IBAN beside a
    code that pays elsewhere."""
    p = settings.payment
    seller = seller_for(settings, client.language if client else "")
    kind = reference_kind(settings, client)
    dinars = invoice.currency == "RSD" and bool(p.account_rs)
    return {
        "iban": "" if dinars else shown_iban(p.iban),
        "account": shown_account_rs(p.account_rs) if dinars else "",
        "bic": "" if dinars else p.bic,
        "account_holder": seller.account_holder,
        "bank": seller.bank,
        "reference": dinar_reference([invoice.number]) if dinars else shown_reference(kind, [invoice.number]),
        "reference_is_number": dinars or kind == "invoice",
        "reference_kind": kind,
        "several": False,  # a mail about several invoices: their numbers are the reference
        "qr": qr_payload(
            settings,
            kind,
            [invoice.number],
            invoice.currency,
            invoice.totals.gross,
            business=bool(client and client.tax_id.strip()),
            language=client.language if client else "en",
        ),
        "qr_src": "",  # "cid:...", set by the mailer when it attaches the code
        "link": p.link.replace("{invoice}", invoice.number) if p.link else "",
        "links": [],  # a mail about several invoices: one pay link each (chase_context)
        "methods": list(p.methods),
    }


def client_context(client: Client) -> dict[str, Any]:
    return {
        "name": client.name,
        "contact": client.contact,
        "address_lines": _lines(client.address),
        "tax_id": client.tax_id,
    }


def invoice_context(
    settings: Settings,
    invoice: Invoice,
    client: Client,
    today: date,
    logo_src: str = "",
) -> dict[str, Any]:
    """Everything the invoice mail shows, formatted in the client's language."""
    fmt = formatter_for(client.language)
    cur = invoice.currency
    totals = invoice.totals
    assert invoice.issue_date is not None and invoice.due_date is not None
    return {
        "business": business_context(settings, logo_src, client.language),
        "brand": brand_context(settings.brand.model_dump()),
        "client": client_context(client),
        "invoice": {
            "number": invoice.number,
            "issue_date": fmt.date(invoice.issue_date),
            "service_date": fmt.date(invoice.service_date) if invoice.service_date else "",
            "po_number": invoice.po_number,
            "project": invoice.project,
            "currency": cur,
        },
        "due": due_context(fmt, invoice.issue_date, invoice.due_date, today),
        "lines": [_line(fmt, item, cur) for item in invoice.items],
        "has_discount": any(item.discount for item in invoice.items),
        "taxes": [
            {
                "rate": fmt.percent(group.rate),
                "base": fmt.money(group.base, cur),
                "tax": fmt.money(group.tax, cur),
            }
            for group in totals.taxes
        ],
        "net": fmt.money(totals.net, cur),
        "tax": fmt.money(totals.tax, cur),
        "total": fmt.money(totals.gross, cur),
        "total_plain": subject_amount(fmt, totals.gross, cur, client.language),
        "payment": payment_context(settings, invoice, client),
        # Why a line has no VAT, and SEF (partials/tax_note.*): its kind and whose law words it.
        "tax_note": dict(vars(invoice_note(settings, invoice, client))),
        "thanks": client.note or invoice.note,
        "greeting_name": client.contact,
        # "Dear Ms Weber," / "Sehr geehrte Frau Weber," / "Poštovana gospođo Petrović," (greeting.txt)
        "salutation": client.salutation if client.greeting_surname else "",
        "surname": client.greeting_surname,
        "formal": client.tone == "formal",  # "Dear …" / "Yours sincerely" (de: "Mit freundlichen Grüßen")
        "early": early_discount(fmt, settings, invoice, today),
        "claim": False,  # a payment check shows the bank account only to compare (chase_context)
    }


def early_discount(
    fmt: Formatter, settings: Settings, invoice: Invoice, today: date
) -> dict[str, Any] | None:
    """ "Pay by 12 November and deduct 2 % (€23.80), i.e. €1,166.20": exact amount and day."""
    rule = settings.chase.early_discount
    until, amount = invoice.discount_until, invoice.discount_amount
    if not rule.percent or until is None or not amount or until < today:
        return None  # none offered, or an invoice sent late whose offer already lapsed
    gross = invoice.gross
    return {
        "percent": fmt.percent(rule.percent),
        "until": fmt.date(until, "full"),
        "amount": fmt.money(amount, invoice.currency),
        "pay": fmt.money(gross - amount, invoice.currency),
    }


def _line(fmt: Formatter, item, currency: str) -> dict[str, str]:
    return {
        "description": item.description,
        "quantity": fmt.number(item.quantity),
        "unit": item.unit,
        "unit_price": fmt.money(item.unit_price, currency),
        "discount": fmt.percent(item.discount) if item.discount else "",
        "tax_rate": fmt.percent(item.tax_rate),
        "net": fmt.money(item.net, currency),
    }


def due_context(fmt: Formatter, issue: date, due: date, today: date) -> dict[str, Any]:
    """The due date in plain words: how many days from the invoice date, and which day.

    ``days`` counts from the issue date (what the terms promise); ``passed`` is
    true when the invoice goes out after its due date (an old invoice sent late).
    """
    return {
        "date": fmt.date(due, "full"),
        "date_short": fmt.date(due, "medium"),
        "days": (due - issue).days,
        "passed": due < today,
        "today": due == today,
        "moved": False,  # true when an invoice mailed late counts its terms from today (mails.py)
    }


def item_context(
    fmt: Formatter, invoice: Invoice, paid: Decimal, today: date, settings_link: str = ""
) -> dict[str, Any]:
    """One open invoice as a reminder or statement lists it (``pay_link``: its own pay link,
    when the owner's link names the invoice)."""
    cur = invoice.currency
    total = invoice.gross
    assert invoice.issue_date is not None and invoice.due_date is not None
    return {
        "number": invoice.number,
        "issue_date": fmt.date(invoice.issue_date),
        "due_date": fmt.date(invoice.due_date),
        "due_date_full": fmt.date(invoice.due_date, "full"),
        "total": fmt.money(total, cur),
        "paid": fmt.money(paid, cur) if paid else "",
        "balance": fmt.money(total - paid, cur),
        "days_overdue": max(0, (today - invoice.due_date).days),
        "days_to_due": max(0, (invoice.due_date - today).days),
        "lines": [_line(fmt, line, cur) for line in invoice.items],
        # Net, VAT per rate and total, as the invoice mail shows them (partials/totals.*).
        "net": fmt.money(invoice.totals.net, cur),
        "taxes": [
            {"rate": fmt.percent(g.rate), "base": fmt.money(g.base, cur), "tax": fmt.money(g.tax, cur)}
            for g in invoice.totals.taxes
        ],
        "pay_link": _pay_link(settings_link, invoice.number),
        # What the invoice was for, in a statement's opening: its project, else its first line.
        "what": invoice.project or (invoice.items[0].description if invoice.items else ""),
        "project": invoice.project,
        "po_number": invoice.po_number,
    }


def chase_context(
    settings: Settings,
    client: Client,
    items: list[tuple[Invoice, Decimal]],
    today: date,
    *,
    tone: str = "",
    kind: str = "reminder",
    reminder_number: int = 1,
    coming: Sequence[tuple[Invoice, Decimal]] = (),
    promised: date | None = None,
    promised_for: str = "",
    said_on: date | None = None,
    fee: LateFee | None = None,
    fee_first: bool = False,
    about: str = "",
    logo_src: str = "",
    received_on: date | None = None,
) -> dict[str, Any]:
    """A reminder, acknowledgment or receipt: the invoices it is about, in the client's words.

    ``items`` are the invoices this mail is about (the first leads the subject): what it
    asks to be paid now is the sum of their balances, nothing else (issue 12: a reminder
    once asked for an invoice not due for eleven more days).  ``coming``: the client's
    other open invoices not yet due, shown for overview under their own heading and never
    in the amount.  ``kind``/``reminder_number``: what the heading and the amount box call
    the mail ("Second reminder", "Final notice").  ``promised``: the day the client said
    they would pay ``promised_for`` (an invoice number), named in a promise follow-up.
    ``received_on``: a receipt's day the payment that settled the invoice arrived.
    """
    fmt = formatter_for(client.language)
    first, _ = items[0]
    cur = first.currency
    asked = amount_asked(items)
    context = invoice_context(settings, first, client, today, logo_src)
    link = settings.payment.link
    listed = [item_context(fmt, inv, paid, today, link) for inv, paid in items]
    pay_by = _weekday(today + timedelta(days=7))
    context.update(
        tone=tone,
        final=kind == "final",
        reminder_number=reminder_number,
        items=listed,
        statement=listed if len(listed) > 1 else [],  # the mail's invoices, listed when several
        coming=[item_context(fmt, inv, paid, today) for inv, paid in coming],
        said_on=fmt.date(said_on, "full") if said_on else "",
        open_total=fmt.money(asked, cur),
        promised=fmt.date(promised, "full") if promised else "",
        promised_for=promised_for or first.number,
        pay_by=fmt.date(pay_by, "full"),
        deadline=_deadline(fmt, kind, tone, pay_by),
        deadline_short=fmt.date(pay_by, "medium"),
        about=about,
        today=fmt.date(today, "full"),
        received_on=fmt.date(received_on, "full") if received_on else "",
        fee=_fee(fmt, fee, cur, first) if fee else None,
        fee_first=fee_first,
        lang=client.language,
        reply_subject="",
    )
    # What to pay now: the invoices of this mail, each number in the reference.  A transfer
    # carries one structured reference: for several invoices, their numbers as the text.
    context["total"] = context["open_total"]
    context["total_plain"] = subject_amount(fmt, asked, cur, client.language)
    numbers = [i["number"] for i in listed]
    kind_of_reference = context["payment"]["reference_kind"]
    several = len(numbers) > 1
    payment = {
        **context["payment"],
        "reference": dinar_reference(numbers)
        if context["payment"]["account"]
        else shown_reference("invoice" if several else kind_of_reference, numbers),
        "reference_is_number": context["payment"]["reference_is_number"] or several,
        "several": several,
        # a QR code only where the mail asks for the money (not an acknowledgment or receipt)
        "qr": qr_payload(
            settings,
            kind_of_reference,
            numbers,
            cur,
            asked,
            business=bool(client.tax_id.strip()),
            language=client.language,
        )
        if kind in ASKING
        else "",
    }
    if tone == "claim_check":
        payment["qr"] = ""  # the client says she paid: nothing invites a second payment
        payment["link"] = ""  # the client says she paid: nothing invites a second payment
    elif len(listed) > 1 and "{invoice}" in link:
        payment["link"] = ""  # a link names one invoice: one per invoice, none for the total
        payment["links"] = [
            {"number": i["number"], "amount": i["balance"], "link": i["pay_link"]} for i in listed
        ]
    context["payment"] = payment
    context["claim"] = tone == "claim_check"
    return context


ASKING = ("reminder", "final")  # the chase mails that ask for money (and show how to pay)


def amount_asked(items: Sequence[tuple[Invoice, Decimal]]) -> Decimal:
    """What a chase mail asks to be paid now: the open balances of its own invoices, and
    nothing of the client's invoices that are not yet due (``mailbot plan`` shows the same)."""
    return sum((inv.gross - paid for inv, paid in items), Decimal(0))


def _deadline(fmt: Formatter, kind: str, tone: str, pay_by: date) -> str:
    """The day by which a firm reminder or a final notice asks for payment, for the amount box.

    The second reminder (``firm_warm``) names the same day; earlier ones name no date of
    their own: they only say when the invoice was due."""
    return fmt.date(pay_by, "full") if kind == "final" or tone in ("firm_warm", "firm", "final") else ""


def _weekday(day: date) -> date:
    """A date to pay by is never a Saturday or Sunday."""
    return day + timedelta(days=(7 - day.weekday()) % 7) if day.weekday() >= 5 else day


def _fee(fmt: Formatter, fee: LateFee, currency: str, invoice: Invoice) -> dict[str, Any]:
    assert invoice.due_date is not None
    return {
        "flat": fmt.money(fee.flat, currency) if fee.flat else "",
        "interest": fmt.money(fee.interest, currency) if fee.rate else "",
        "rate": fmt.percent(fee.rate) if fee.rate else "",
        "since": fmt.date(invoice.due_date + timedelta(days=1)),
        "total": fmt.money(fee.total, currency),
    }
