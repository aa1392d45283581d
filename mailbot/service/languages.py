"""The languages clients write in, learned from the stored replies (``records.language``).

Read once per pass for the decision (acknowledgments in the learned language, the owner's
one-time suggestion) and by ``mailbot check`` (the suggestion as a hint).
"""

from __future__ import annotations

from collections.abc import Iterable

from mailbot.config.settings import Settings
from mailbot.ledger.read import Ledger
from mailbot.records.language import (
    SUGGESTION_PREFIX,
    Learned,
    learned_languages,
    needs_suggestion,
    reply_languages,
    suggestion,
)
from mailbot.state.store import Store


def client_languages(
    store: Store, settings: Settings, ledger: Ledger, available: Iterable[str]
) -> dict[str, Learned]:
    """Each client's learned language (clients without a configured one, with two agreeing
    replies); ``available``: the languages mails have templates in."""
    events = store.replies_with_language()
    if not events:
        return {}  # (most stores, and every one before replies had languages)
    owners = {invoice.number: invoice.client_id for invoice in ledger.invoices.values()}
    told = store.notes_under(SUGGESTION_PREFIX)
    return learned_languages(settings.clients, reply_languages(events, owners), told, available)


def suggestions(settings: Settings, learned: dict[str, Learned]) -> list[str]:
    """The suggestions to set a client's language, told or not yet (``mailbot check``'s hints)."""
    found = []
    for client_id, taught in sorted(learned.items()):
        client = settings.clients[client_id]
        if needs_suggestion(client, taught._replace(told=False)):
            found.append(suggestion(client_id, client, taught))
    return found
