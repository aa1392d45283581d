"""Pure: what a payment service's or a bank's notification mail says was paid.

Issue 14, part 2.  ``read_notices`` reads PayPal, Stripe, Wise, bank and generic
notifications (plain text and HTML, English and German) into ``Notice``s; camt.053/054
statements attached to a mail are read by ``mailbot.inbound.bank``.  Whether to
believe the mail is decided before, by ``sources.payment_source``; what it pays, after,
by ``decide.matching``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from mailbot.decide.matching import Received
from mailbot.inbound.parse import Mail

NoticeKind = Literal[
    "payment",  # money received: may settle an invoice
    "refund",  # money sent back (by the owner or the service): never a payment
    "pending",  # pending, on hold, under review, expected: not received yet
    "not_a_payment",  # anything else the source sends (newsletters, security notices...)
]


@dataclass(frozen=True)
class Notice:
    kind: NoticeKind
    received: Received | None  # amount, currency, date, payer, text; None when unreadable
    key: str = ""  # the source's transaction id; "" when it gives none
    beneficiary: str = ""  # the account (IBAN, normalised) it names as paid into, else ""
    reason: str = ""  # how it was read, or why it is no payment, in words


def read_notices(mail: Mail, kind: str) -> list[Notice]:
    """Every payment ``mail`` reports (most report one); ``kind`` is the source's kind."""
    raise NotImplementedError("issue 14 part 2")
