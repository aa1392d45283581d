"""Render: the owner's daily digest (``decide.daily``) as a mail, plain text and HTML.

The words are ``templates/daily`` in the owner's language (``[digest] language``,
through the same translations as the clients' mails); amounts and dates are formatted
here for that language.  The mail is marked ``Auto-Submitted: auto-generated`` and
``X-Mailbot: daily-digest``: nobody wrote it, and mailbot knows it as its own when the
owner's address is the mailbox it reads.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from mailbot.config.settings import Settings
from mailbot.decide.daily import AgingTotal, DailyDigest, OwnerReply, PaymentLine
from mailbot.decide.forecast import Planned
from mailbot.outbound.colours import brand_context
from mailbot.outbound.compose import Envelope, Extras, Rendered, Threading, compose
from mailbot.outbound.context import business_context
from mailbot.outbound.i18n import Formatter, formatter_for
from mailbot.outbound.owner_words import owner_words
from mailbot.outbound.render import Renderer
from mailbot.outbound.sources import Sources

TAG = "daily-digest"
LONGEST = 50  # lines of "sent" and "planned" shown; the rest is a count (`status`, `plan` have all)


def daily_context(digest: DailyDigest, settings: Settings, language: str) -> dict[str, Any]:
    """What ``templates/daily`` shows: names, and amounts and dates in the owner's language."""
    fmt = formatter_for(language)
    names = {key: client.name for key, client in settings.clients.items()}
    return {
        "lang": language,
        "brand": brand_context(settings.brand.model_dump()),
        "business": business_context(settings, ""),
        "day": fmt.date(digest.day, "medium"),
        "since": _moment(fmt, digest.since, settings.digest.timezone),
        "sent": [
            {"name": c.name, "mails": [{"kind": m.kind, "invoices": ", ".join(m.invoices)} for m in c.mails]}
            for c in digest.sent[:LONGEST]
        ],
        "sent_more": max(0, len(digest.sent) - LONGEST),
        "replies": [_reply(r, names) for r in digest.replies],
        "payments": [_payment(p, names, fmt) for p in digest.payments],
        "receivables": [_receivable(row, fmt) for row in digest.receivables],
        "upcoming": [_upcoming(m, names, fmt) for m in digest.upcoming[:LONGEST]],
        "upcoming_more": max(0, len(digest.upcoming) - LONGEST),
    }


def _reply(r: OwnerReply, names: dict[str, str]) -> dict[str, Any]:
    client = names.get(r.client, r.client or "?")
    reading = r.reading.replace("_", " ")
    return {"invoice": r.invoice, "client": client, "sender": r.sender, "why": r.why, "reading": reading,
            "intent": r.reading, "command": r.command, "new": r.new, "days": r.days}  # fmt: skip


def _payment(p: PaymentLine, names: dict[str, str], fmt: Formatter) -> dict[str, Any]:
    return {"invoice": p.invoice, "client": names.get(p.client, p.client or "?"), "on": _day(fmt, p.on),
            "amount": _money(fmt, abs(p.amount), p.currency), "amount_negative": p.amount < 0,
            "source": p.source, "automatic": p.automatic}  # fmt: skip


def _receivable(row: AgingTotal, fmt: Formatter) -> dict[str, Any]:
    buckets = [{"name": b, "amount": fmt.money(v, row.currency)} for b, v in row.buckets if v]
    return {"currency": row.currency, "total": fmt.money(row.total, row.currency), "buckets": buckets}


def _upcoming(m: Planned, names: dict[str, str], fmt: Formatter) -> dict[str, Any]:
    return {"on": fmt.date(m.on, "medium"), "kind": m.kind, "client": names.get(m.client, m.client),
            "invoices": ", ".join(m.invoices), "amount": fmt.money(m.amount, m.currency)}  # fmt: skip


def _moment(fmt: Formatter, moment: datetime, timezone: str) -> str:
    """A time on the owner's clock ([digest] timezone), as the digest's hour is."""
    local = moment.astimezone(ZoneInfo(timezone))
    return f"{fmt.date(local.date(), 'medium')} {local:%H:%M}"


def _money(fmt: Formatter, amount: Decimal, currency: str) -> str:
    return fmt.money(amount, currency) if currency else str(amount)


def _day(fmt: Formatter, text: str) -> str:
    try:
        return fmt.date(datetime.fromisoformat(text).date(), "medium")
    except ValueError:
        return text


def render_daily(renderer: Renderer, digest: DailyDigest, settings: Settings) -> Rendered:
    language = settings.digest.language
    return renderer.render("daily", daily_context(digest, settings, language), language)


def daily_mail(rendered: Rendered, settings: Settings, message_id: str, now: datetime) -> bytes:
    """The digest as a mail from mailbot to the owner (``[digest] to``, else the owner)."""
    business = settings.business
    to = settings.digest.to or business.owner
    words = owner_words(Sources.of(settings.templates_dir), settings.digest.language)
    envelope = Envelope(words("mailbot for %(business)s", business=business.name), business.email, [to])
    extras = Extras(auto_submitted="auto-generated", headers=[("X-Mailbot", TAG)])
    return compose(rendered, envelope, Threading(message_id), now, extras)
