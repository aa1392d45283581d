"""Recipients the server refused, one by one: recorded in the invoice's history, and the
owner told once of each address refused for good.

A refusal for now (4xx) of an address that lasts longer than ``[service] refused_days``
counts as one for good: a mailbox that has been "full" for a week is not coming back,
and a mail retried every pass forever helps nobody.  Since when an address has been
refused is kept in the ``alerts`` table (``refused:INVOICE:ADDRESS``) and forgotten once a
mail reaches it.
"""

from __future__ import annotations

import logging
import zlib
from datetime import datetime, timedelta

from mailbot.config.settings import Settings
from mailbot.inbound.forward import to_owner
from mailbot.outbound.compose import new_message_id
from mailbot.outbound.owner_words import KIND_WORDS, for_owner
from mailbot.outbound.transport import Refused
from mailbot.state.store import Event, OutboxRow, Store, detail_json, iso

log = logging.getLogger(__name__)

# The owner's notice of a refused address: its step is this plus a number of the address.
REFUSAL_NOTICE = 1_000


def refusal_key(invoice: str, address: str) -> str:
    return f"refused:{invoice}:{address.lower()}"


def record(store: Store, settings: Settings, rows: list[OutboxRow], refused: Refused, now: datetime) -> bool:
    """Record each refused recipient of the mail of ``rows``; tell the owner of those refused
    for good.  True when every refusal counts as for good (the mail is then not retried)."""
    first = rows[0]
    limit = timedelta(days=settings.service.refused_days)
    for_good = True
    for address, (code, words) in refused.items():
        said = f"{code} {words}".strip()
        key = refusal_key(first.invoice, address)
        new = store.alert_begins(key, now, said)
        permanent = 500 <= code < 600
        if not permanent:
            known = store.alert(key)
            since = datetime.fromisoformat(known.since) if known else now
            if now - since >= limit:
                permanent = True
                said += f" (refused for now since {known.since if known else iso(now)}: given up after"
                said += f" {settings.service.refused_days:g} days)"
        if permanent:
            if _tell_owner(store, settings, first, address, said, now):
                log.error(
                    "invoice %s: %s refused for good: %s; the owner is told", first.invoice, address, said
                )
                _events(store, rows, now, f"refused {address} for good: {said}")
        elif new:
            log.warning("invoice %s: %s refused for now: %s", first.invoice, address, said)
            _events(store, rows, now, f"refused {address} for now: {said}")
        for_good = for_good and permanent
    return for_good


def delivered(store: Store, rows: list[OutboxRow], addresses: list[str]) -> None:
    """The server took the mail for these addresses: their refusals for now are over."""
    for address in addresses:
        store.alert_over(refusal_key(rows[0].invoice, address))


def _events(store: Store, rows: list[OutboxRow], now: datetime, detail: str) -> None:
    for row in rows:
        store.add_event(Event(row.invoice, iso(now), "error", kind=row.kind, step=row.step,
                              message_id=row.message_id, detail=detail))  # fmt: skip


def _tell_owner(
    store: Store, settings: Settings, row: OutboxRow, address: str, said: str, now: datetime
) -> bool:
    """The owner's notice of an address refused for good, claimed once per invoice and
    address (its step is the address's number); False when it was told before."""
    business = settings.business
    about = f"the {row.kind} mail to {address} was refused for good ({said})"  # (the record: English)
    words = for_owner(settings)
    kind = words(KIND_WORDS.get(row.kind, row.kind))
    told = words("the %(kind)s mail to %(address)s was refused for good (%(said)s)",
                 kind=kind, address=address, said=said)  # fmt: skip
    text = (
        words("Invoice %(invoice)s: %(about)s.", invoice=row.invoice, about=told) + "\n\n"
        + words("That address gets no mail from mailbot about this invoice; check it in the config "
                "(the client's `email` or `cc`).") + "\n"
    )  # fmt: skip
    subject = "[mailbot] " + words(
        "invoice %(invoice)s: %(address)s refused", invoice=row.invoice, address=address
    )
    message_id = new_message_id(settings.domain, "notice")
    payload = to_owner("notice", subject, text, business.name, business.email, business.owner,
                       message_id, now, words=words)  # fmt: skip
    step = REFUSAL_NOTICE + zlib.crc32(address.lower().encode()) % 1_000_000
    return store.claim(row.invoice, "notice", step, message_id, now, payload=payload,
                       recipients=business.owner, detail=detail_json(about=about))  # fmt: skip
