"""Builds each kind of mail from its outbox rows: context, templates, MIME bytes.

Which automated mails say ``Auto-Submitted`` (RFC 3834), and why:

- invoices and reminders: **no header**. A person stands behind them and a
  reply is wanted; an out-of-office responder must answer them, because its
  return date is what moves the next reminder.
- acknowledgments: ``auto-replied``: they answer a client's mail, and a
  client's own auto-responder must not answer back (no mail loops).
- receipts, forwards and notices to the owner: ``auto-generated``: no reply
  is needed, and no auto-responder should send one.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

from mailbot.config.settings import Chase, Client, Settings
from mailbot.decide import policy
from mailbot.decide.chase import PROMISE_FOLLOWUP
from mailbot.decide.workdays import Calendar
from mailbot.ledger.money import late_fee
from mailbot.ledger.read import Invoice, Ledger
from mailbot.outbound import documents
from mailbot.outbound.compose import Envelope, Extras, FileAttachment, InlineImage, Threading, compose
from mailbot.outbound.context import chase_context, invoice_context
from mailbot.outbound.payqr import qr_png
from mailbot.outbound.plate import on_light_plate
from mailbot.outbound.render import Renderer
from mailbot.outbound.scripts import seller_for
from mailbot.outbound.templates import current
from mailbot.records.language import has_templates
from mailbot.records.rows import MailRecord, OutboxRow

log = logging.getLogger(__name__)
TEMPLATE = {"invoice": "invoice", "reminder": "reminder", "final": "reminder", "ack": "ack",
            "receipt": "receipt"}  # fmt: skip
AUTO_SUBMITTED = {"ack": "auto-replied", "receipt": "auto-generated"}


class Mailer:
    def __init__(self, settings: Settings, renderer: Renderer | None = None):
        self.settings = settings
        # The owner's templates as of now: an edit counts from the next pass (templates.current).
        self.renderer = renderer or Renderer(current(settings.templates_dir))
        self.logo = _logo(settings)

    @property
    def logo_src(self) -> str:
        return f"cid:{self.logo.cid}" if self.logo else self.settings.business.logo

    def build(
        self, invoice: Invoice, kind: str, message_id: str, now: datetime, tone: str = "",
        reminder_number: int = 1, files: list[FileAttachment] | None = None,
    ) -> bytes:  # fmt: skip
        """An invoice mail (also ``preview`` of any kind for one invoice: ``reminder_number``
        says which reminder it shows, as ``reminder_number()`` counts a sent one).
        ``files``: the invoice mail's attachments when they were made already (``invoice_files``
        in another process, ``service.pdf_ahead``); made here when ``None``."""
        client = self.settings.clients[invoice.client_id]
        today = policy.local_date(now, client)
        if kind == "invoice":
            told = self._told(invoice, today)
            context = invoice_context(self.settings, told, client, today, self.logo_src)
            due = told.due_date
            if due != invoice.due_date and due is not None:  # the terms count from today
                context["due"]["days"] = (due - today).days
                context["due"]["moved"] = True  # mailed late: the mail apologises and says so
            context["lang"] = client.language
            if files is None:
                files = self.invoice_files(invoice, now)
        else:
            files = []  # only the invoice mail carries files; reminders point back to it
            paid = policy.paid(invoice)
            context = chase_context(
                self.settings, client, [(invoice, paid)], today, tone=tone or _preview_tone(kind),
                kind=kind, reminder_number=reminder_number, logo_src=self.logo_src,
                about="payment_claimed" if kind == "ack" else "",
                received_on=policy.paid_on(invoice, None) if kind == "receipt" else None,
            )  # fmt: skip
        return self._compose(kind, context, client, Threading(message_id), now, files)

    def _told(self, invoice: Invoice, today: date) -> Invoice:
        """The invoice as its mail tells it: mailed today, a late one shows its new due date."""
        due = invoice.due_date
        if due is not None:
            terms = self.settings.chase.late_mail_terms_days
            due = policy.due_after_mailing(due, invoice.issue_date, today, terms)
        return _as_told(invoice, due)

    def invoice_files(self, invoice: Invoice, now: datetime) -> list[FileAttachment]:
        """The files the invoice mail mailed at ``now`` carries (its PDF, an XRechnung): the
        slow part of the mail (WeasyPrint), so it can be made apart from the rest."""
        client = self.settings.clients[invoice.client_id]
        today = policy.local_date(now, client)
        told = self._told(invoice, today)
        return documents.attachments(self.settings, self.renderer.sources, told, client, today, self.logo)

    def invoice_pdf(self, invoice: Invoice, now: datetime) -> bytes:
        """The invoice's PDF as the invoice mail mailed at ``now`` carries it (``preview --out x.pdf``)."""
        client = self.settings.clients[invoice.client_id]
        today = policy.local_date(now, client)
        told = self._told(invoice, today)
        wanted = documents.einvoice_format(self.settings, client) != "none"
        ready = wanted and not documents.einvoice_gaps(self.settings, client)
        return documents.invoice_pdf(
            self.settings, self.renderer.sources, told, client, today, self.logo, ready
        )

    def build_rows(
        self, rows: list[OutboxRow], ledger: Ledger, facts: Mapping[str, policy.Facts],
        now: datetime,
    ) -> bytes:  # fmt: skip
        """A chase mail: the rows of one message (a reminder may cover several invoices)."""
        first = rows[0]
        client = self.settings.clients[ledger.invoices[first.invoice].client_id]
        invoices = [_as_told(inv, policy.effective_due(inv, facts.get(inv.number, policy.EMPTY), client,
                                                       self.settings.chase))
                    for inv in (ledger.invoices[r.invoice] for r in rows)]  # fmt: skip
        cal = Calendar.of(self.settings.chase, client)
        today = cal.today(now)
        detail = json.loads(first.detail or "{}")
        items = [(inv, policy.paid(inv, facts.get(inv.number))) for inv in invoices]
        kwargs: dict = {"tone": first.tone or "", "kind": first.kind, "logo_src": self.logo_src}
        if first.kind in ("reminder", "final"):
            kwargs.update(self._reminder_extras(rows, invoices, ledger, facts, today, client))
            kwargs.update(_promise(rows))
            kwargs["reminder_number"] = reminder_number(rows, facts)
            kwargs["said_on"] = _said_on(first, facts, cal)
        if first.kind == "receipt":  # the day the payment that settled it arrived
            kwargs["received_on"] = policy.paid_on(invoices[0], facts.get(invoices[0].number))
        if first.kind == "ack":
            kwargs["about"] = detail.get("about", "")
            client = self._learned(client, detail.get("language") or "")
        context = chase_context(self.settings, client, items, today, **kwargs)
        threading = self._threading(first, facts, detail)
        context["reply_subject"] = detail.get("subject", "")
        return self._compose(first.kind, context, client, threading, now)

    def _learned(self, client: Client, language: str) -> Client:
        """The client as an acknowledgment speaks to them: in the language they write in
        (``records.language``, chosen when it was claimed), when templates exist for it;
        else as configured. Words, dates and numbers change together: never half of it."""
        if not language or language == client.language or not has_templates(language, self.languages):
            return client
        return client.model_copy(update={"language": language})

    @property
    def languages(self) -> frozenset[str]:
        """The languages mails have templates in (English, the source language, always)."""
        return self.renderer.sources.languages

    def _reminder_extras(self, rows, invoices, ledger, facts, today, client) -> dict:
        """The invoices coming up (overview only), and a late fee where the owner set one."""
        extras: dict = {}
        if rows[0].kind == "reminder" and (rows[0].tone or "") in OVERVIEW_TONES:
            extras["coming"] = coming_up(invoices, ledger, facts, today, client, self.settings.chase)
        fee_rules = self.settings.chase.late_fee
        ladder_step = rows[0].step if rows[0].step < PROMISE_FOLLOWUP else 0
        if fee_rules.enabled and ladder_step >= fee_rules.from_step:
            invoice = invoices[0]
            assert invoice.due_date is not None
            open_amount = policy.balance(invoice, facts.get(invoice.number))
            extras["fee"] = late_fee(open_amount, fee_rules.rate, fee_rules.flat,
                                     (today - invoice.due_date).days, invoice.currency)  # fmt: skip
            earlier = [
                r for r in facts.get(invoice.number, policy.Facts()).outbox
                if r.kind in ("reminder", "final") and r.status == "sent"
                and fee_rules.from_step <= r.step < PROMISE_FOLLOWUP
            ]  # fmt: skip
            extras["fee_first"] = not earlier
        return extras

    def _threading(self, row: OutboxRow, facts: Mapping[str, policy.Facts], detail: dict) -> Threading:
        """Reminders answer in the invoice's thread; acknowledgments answer the client's mail."""
        if row.kind == "ack" and detail.get("reply_id"):
            return Threading(row.message_id, detail["reply_id"], (detail["reply_id"],))
        known = facts.get(row.invoice, policy.Facts())
        original = known.row("invoice")
        if not isinstance(original, OutboxRow):  # (built from the records: full rows)
            return Threading(row.message_id)
        earlier = [r.message_id for r in known.outbox if isinstance(r, OutboxRow)
                   and r.kind in ("reminder", "final") and r.status == "sent"
                   and r.message_id != row.message_id]  # fmt: skip
        refs = tuple(dict.fromkeys([original.message_id, *earlier]))
        return Threading(row.message_id, original.message_id, refs)

    def _compose(self, kind: str, context: dict, client: Client, threading: Threading,
                 now: datetime, files: list[FileAttachment] | None = None) -> bytes:  # fmt: skip
        images = [self.logo] if self.logo else []
        qr = self._qr(context)
        if qr is not None:
            images.append(qr)
        rendered = self.renderer.render(TEMPLATE[kind], context, client.language)
        extras = Extras(images=images, auto_submitted=AUTO_SUBMITTED.get(kind, ""), files=files or ())
        return compose(rendered, self.envelope(client), threading, now, extras)

    def _qr(self, context: dict) -> InlineImage | None:
        """The payment QR code (``context.payment.qr``, its payload) as an inline PNG, and
        ``qr_src`` pointing the HTML at it; none when the mail asks for no transfer."""
        payment = context.get("payment") or {}
        payload = payment.get("qr")
        if not payload:
            return None
        cid = f"payqr-{hashlib.sha256(payload.encode()).hexdigest()[:16]}@{self.settings.domain}"
        context["payment"] = {**payment, "qr_src": f"cid:{cid}"}
        return InlineImage(cid=cid, data=qr_png(payload), subtype="png")

    def envelope(self, client: Client) -> Envelope:
        business = self.settings.business
        return Envelope(
            from_name=seller_for(self.settings, client.language).name,  # the name as the client reads it
            from_addr=business.email,
            to=client.email,
            cc=client.cc,
            reply_to=business.email,
            to_name=client.contact or client.name,
        )


# Tones whose mail shows the client's invoices coming up: a final notice, a promise
# follow-up and a payment check stay about their own invoice (one matter at a time).
OVERVIEW_TONES = frozenset(("heads_up", "friendly", "firm_warm", "firm"))


def coming_up(
    invoices: list[Invoice], ledger: Ledger, facts: Mapping[str, policy.Facts], today: date,
    client: Client, rules: Chase,
) -> list[tuple[Invoice, Decimal]]:  # fmt: skip
    """The client's other open invoices that are not yet due: shown, never asked for.

    Sent, unpaid, in the mail's currency, due (by the date the client was told:
    ``policy.effective_due``) after the client's today and not in this mail; soonest
    first.  Worked out at render time from the ledger and the facts the sending batch
    holds (it holds every invoice of the client).
    """
    lead = invoices[0]
    inside = {inv.number for inv in invoices}
    found = []
    for inv in ledger.of_client(lead.client_id):
        if inv.number in inside or inv.currency != lead.currency:
            continue
        known = facts.get(inv.number, policy.EMPTY)
        due = policy.effective_due(inv, known, client, rules)
        if due is None or due <= today:
            continue
        if policy.open_and_sent(inv, known):
            found.append((_as_told(inv, due), policy.paid(inv, known)))
    return sorted(found, key=lambda pair: (pair[0].due_date or today, pair[0].number))


def reminder_number(rows: list[OutboxRow], facts: Mapping[str, policy.Facts]) -> int:
    """Which reminder this mail is for the client ("Second reminder"): the highest among its
    invoices, counting the ladder reminders each already received, and this one.

    A heads-up comes before the due date and is no reminder; promise follow-ups and
    payment checks are answers to the client, not rungs of the ladder."""
    return max((_reminders_before(row, facts) + _counts(row) for row in rows), default=1)


def _counts(row: OutboxRow | MailRecord) -> int:
    """1 for a ladder reminder after the due date, else 0."""
    tone = getattr(row, "tone", None)
    ladder = row.kind in ("reminder", "final") and row.step < PROMISE_FOLLOWUP
    return int(ladder and tone != "heads_up")


def _reminders_before(row: OutboxRow, facts: Mapping[str, policy.Facts]) -> int:
    known = facts.get(row.invoice, policy.EMPTY)
    return sum(
        _counts(r) for r in known.outbox
        if r.status == "sent" and getattr(r, "message_id", None) != row.message_id
    )  # fmt: skip


def _promise(rows: list[OutboxRow]) -> dict:
    """The promised day a follow-up names, from whichever row of the mail carries it."""
    for row in rows:
        promised = json.loads(row.detail or "{}").get("promised")
        if promised:
            return {"promised": date.fromisoformat(promised), "promised_for": row.invoice}
    return {}


def _said_on(row: OutboxRow, facts: Mapping[str, policy.Facts], cal: Calendar) -> date | None:
    """The day the client told us of a promise or a payment, for the mail answering it."""
    if row.tone not in ("promise_followup", "claim_check"):
        return None
    commitment = facts.get(row.invoice, policy.EMPTY).commitment
    return cal.day(commitment[1].at) if commitment is not None else None


def _preview_tone(kind: str) -> str:
    return {"reminder": "friendly", "final": "final"}.get(kind, "")


def _as_told(invoice: Invoice, due: date | None) -> Invoice:
    """The invoice with the due date its client was told (``policy.effective_due``): an
    invoice mailed after its ledger due date shows, and is chased from, its new one."""
    return invoice if due == invoice.due_date else replace(invoice, due_date=due)


def _logo(settings: Settings) -> InlineImage | None:
    """A logo file travels inside the mail (by Content-ID); a URL is linked as it is."""
    logo = settings.business.logo
    if not logo or logo.startswith(("http://", "https://")):
        return None
    path = settings.resolve(logo)
    subtype = {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".gif": "gif"}.get(path.suffix.lower())
    if subtype is None or not path.is_file():
        log.warning("logo %s is not a readable PNG, JPEG or GIF file; sending without it", path)
        return None
    data, plated = on_light_plate(path.read_bytes())  # readable on a dark background too
    return InlineImage(cid=f"logo@{settings.domain}", data=data, subtype="png" if plated else subtype)
