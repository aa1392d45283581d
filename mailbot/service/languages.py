"""The languages clients write in, learned from the stored replies (``records.language``).

Read once per pass for the decision (acknowledgments in the learned language, the owner's
one-time suggestion) and by ``mailbot check`` (the suggestion as a hint).
"""

from __future__ import annotations

from collections.abc import Iterable

from mailbot.config.settings import Settings
from mailbot.records.language import (
    SUGGESTION_PREFIX,
    Learned,
    learned_languages,
    needs_suggestion,
    suggestion,
    unconfigured,
)
from mailbot.state.store import Store


def client_languages(store: Store, settings: Settings, available: Iterable[str]) -> dict[str, Learned]:
    """Each client's learned language (clients without a configured one, with two agreeing
    replies); ``available``: the languages mails have templates in."""
    if not unconfigured(settings.clients):
        return {}  # (the config names every client's language: nothing to learn or read)
    replies = store.reply_languages()
    if not replies:
        return {}
    told = store.notes_under(SUGGESTION_PREFIX)
    return learned_languages(settings.clients, replies, told, available)


def suggestions(settings: Settings, learned: dict[str, Learned]) -> list[str]:
    """The suggestions to set a client's language, told or not yet (``mailbot check``'s hints)."""
    found = []
    for client_id, taught in sorted(learned.items()):
        client = settings.clients[client_id]
        if needs_suggestion(client, taught._replace(told=False)):
            found.append(suggestion(client_id, client, taught))
    return found
