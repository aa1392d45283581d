"""Pure: is a mail a payment notification from a source the owner trusts?  When in doubt, no.

The owner lists the services and banks that send payment notifications in
``[[payments.sources]]`` (a name, ``senders``: addresses or ``@domain``, and a ``kind``).
A mail comes from a source when its one From address is one of the source's senders,
exactly, or its domain is exactly a listed ``@domain`` (``paypa1.com``,
``paypal.com.evil.example`` and an unlisted ``mail.paypal.com`` never match; a display
name never counts).  It is *trusted* only when, as for replies (``trust``):

- one From header names one address (a Reply-To elsewhere does not matter: nothing is
  sent back to a notification);
- it is not a resent copy (``Resent-From``: a colleague's redirect of a real mail, or of
  one that paid someone else) and not from the owner's own domain;
- the owner's own server (``[imap] authserv_id``, else a host of the owner's domain)
  wrote ``Authentication-Results`` whose topmost verdict is DMARC pass for the From
  domain or an aligned DKIM pass, and no header of ours reports a DMARC or DKIM failure,
  nor any server a ``dmarc=fail`` for the From domain or the source's domains.

Unlike a client's reply, a notification without a header of ours is never trusted:
anyone can write "From: service@paypal.com".  Nothing here records a payment: the
verdict says which source and whether to believe it, with a reason in words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mailbot.config.settings import PaymentSource, domain_of
from mailbot.inbound.parse import Mail
from mailbot.inbound.trust import NONE_OF_OURS, NOT_PASSED, failure, one_sender, our_results, passed

RESENT = ("resent-from", "resent-sender")


@dataclass(frozen=True)
class SourceVerdict:
    source: str  # the source's name; "" when the sender is none of the sources
    kind: str  # its kind (paypal, stripe, wise, bank_mail, camt, generic); "" when none
    trusted: bool
    reason: str
    ours: bool = False  # the mail carries an Authentication-Results of the owner's server


def source_of(address: str, sources: Sequence[PaymentSource]) -> PaymentSource | None:
    """The source whose senders name ``address``: exact addresses first, then ``@domain``."""
    address = address.lower()
    if "@" not in address:
        return None
    for source in sources:
        if address in source.senders:
            return source
    domain = "@" + domain_of(address)
    for source in sources:
        if domain in source.senders:
            return source
    return None


def payment_source(
    mail: Mail, sources: Sequence[PaymentSource], authserv_id: str, own_domain: str, expect_ours: bool = False
) -> SourceVerdict:
    """Which configured source ``mail`` comes from and whether to believe it.

    ``authserv_id``: ``[imap] authserv_id`` ("" to accept the own domain's hosts);
    ``expect_ours``: the owner's server is known to write ``Authentication-Results`` (it
    only changes the reason: without a header of ours a notification is never trusted)."""
    own_domain = own_domain.lower()
    mine = our_results(mail, authserv_id, own_domain)
    found = bool(mine)
    source = source_of(mail.sender, sources)
    name, kind = (source.name, source.kind) if source else ("", "")

    def untrusted(reason: str) -> SourceVerdict:
        return SourceVerdict(name, kind, False, reason, found)

    if doubt := one_sender(mail):
        return untrusted(doubt)
    if resent := next((h for h in RESENT if mail.headers.get(h)), ""):
        return untrusted(f"a resent copy ({resent.title()}: {mail.header(resent)[:80]})")
    sender_domain = domain_of(mail.sender) if "@" in mail.sender else ""
    if sender_domain and (sender_domain == own_domain or sender_domain.endswith("." + own_domain)):
        return untrusted(f"sender {mail.sender} is of our own domain: a forwarded copy at most")
    if source is None:
        return untrusted(f"sender {mail.sender or '(none)'} is not a configured payment source")
    domains = {sender_domain, *(domain_of(s) for s in source.senders)}
    if doubt := failure(mine, mail, domains):
        return untrusted(doubt)
    if not mine:
        if expect_ours:
            return untrusted(NONE_OF_OURS)
        return untrusted("no Authentication-Results of our server: set [imap] authserv_id")
    if passed(mine, sender_domain):
        return SourceVerdict(name, kind, True, f"sender is {name}'s; DMARC or aligned DKIM passed", found)
    return untrusted(NOT_PASSED)
