"""Pure: the ledger's invoices as the payment matcher sees them (``decide.matching``).

An invoice is open for a payment when it is valid, not cancelled and its balance (the
ledger's payments and those recorded since, ``policy.balance``) is above zero; every
other invoice is *closed*: a payment naming only closed invoices goes to the owner.
Whether the invoice mail went out does not matter: a client may pay from a quote or a
copy the owner sent by hand.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from mailbot.config.settings import Client
from mailbot.decide.matching import Book, OpenInvoice
from mailbot.decide.states import balance
from mailbot.ledger.invoices import Invoice
from mailbot.ledger.references import references_of
from mailbot.records.facts import Facts


def client_names(client: Client | None) -> tuple[str, ...]:
    """Who pays for a client: its configured name and its addresses (``email``, ``cc``)."""
    if client is None:
        return ()
    return (client.name, *client.email, *client.cc)


def open_invoices(
    invoices: Iterable[Invoice], facts: Mapping[str, Facts], clients: Mapping[str, Client]
) -> tuple[list[OpenInvoice], frozenset[str]]:
    """The open invoices with their balances, and the numbers of the closed ones."""
    names = {cid: client_names(client) for cid, client in clients.items()}
    found: list[OpenInvoice] = []
    closed: set[str] = set()
    for invoice in invoices:
        if not invoice.valid or invoice.cancelled:
            closed.add(invoice.number)
            continue
        left = balance(invoice, facts.get(invoice.number))
        if left <= 0:
            closed.add(invoice.number)
            continue
        found.append(OpenInvoice(invoice.number, invoice.client_id, names.get(invoice.client_id, ()),
                                 invoice.currency, left, references_of(invoice.number)))  # fmt: skip
    return found, frozenset(closed)


def book_of(invoices: Iterable[Invoice], facts: Mapping[str, Facts], clients: Mapping[str, Client]) -> Book:
    """A ``Book`` of the open invoices, for matching many payments at once."""
    return Book(*open_invoices(invoices, facts, clients))
