"""Pure: the language a client writes in, learned from their replies (issue 13, part 4).

A client with no ``language`` in the config gets mail in English; if they answer in
Finnish, twice, mailbot acknowledges them in Finnish (when it has Finnish templates) and
tells the owner once, suggesting the config line that would make every mail Finnish.
The config always wins: a client whose ``language`` is set learns nothing.

Only a client's own words count: trusted replies (the sender is the client's, the mail's
authentication passed) written by a person (no auto-reply, bounce or list mail), whose new
words had a detected language.  The learned language is that of the latest such reply, when
at least two of them are in it: one reply in another language (a colleague, a quoted
forward) does not switch it, and two agreeing replies in a new language do.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

from mailbot.config.settings import Client
from mailbot.records.said import Said, Value

AGREEING = 2  # replies in one language before it counts as the client's
MACHINE_INTENTS = frozenset(("auto_reply", "bounce"))  # written by no person
LANGUAGE_NAMES = {
    "en": "English", "de": "German", "fi": "Finnish", "fr": "French",
    "sr": "Serbian", "sr-Latn": "Serbian", "sr-Cyrl": "Serbian (Cyrillic)",
}  # fmt: skip


class ReplyLanguage(NamedTuple):
    """What learning reads of one ``reply`` event (``Store.reply_languages``): whose it is
    (the client its sender belongs to: a trusted reply always has one), its language, and
    whether it counts (trusted; ``auto``: an auto-reply, bounce or list mail)."""

    client: str
    language: str
    trusted: bool
    auto: bool
    at: str  # stored UTC ISO time: sorts as time


class Learned(NamedTuple):
    """A client's learned language: the language, how many replies are in it, the language
    acknowledgments go out in (the learned one when templates exist for it, else the one
    configured or the default), and whether the owner was told of it already."""

    language: str
    replies: int
    acks_in: str
    told: bool


def configured(client: Client) -> bool:
    """The owner set ``language`` for this client (its default, English, is not a choice)."""
    return "language" in client.model_fields_set


def learned_language(client: Client, replies: Sequence[ReplyLanguage]) -> tuple[str, int] | None:
    """The language this client writes in and how many of their replies use it, or None.

    None when the config names the client's language (it always wins), or when fewer than
    two counted replies are in the language of the latest one."""
    if configured(client):
        return None
    counted = sorted((r for r in replies if r.trusted and not r.auto and r.language), key=lambda r: r.at)
    if not counted:
        return None
    latest = counted[-1].language
    agreeing = sum(r.language == latest for r in counted)
    return (latest, agreeing) if agreeing >= AGREEING else None


def has_templates(language: str, available: Iterable[str]) -> bool:
    """Whether mails can be written wholly in ``language`` (``sr-Latn`` uses ``sr``)."""
    have = {a.replace("_", "-").lower() for a in available}
    tag = language.lower()
    return tag in have or tag.split("-")[0] in have


def unconfigured(clients: Mapping[str, Client]) -> bool:
    """Whether any client can learn a language (most configs name every client's)."""
    return any(not configured(client) for client in clients.values())


def learned_languages(
    clients: Mapping[str, Client],
    replies: Iterable[ReplyLanguage],
    told: Iterable[str],
    available: Iterable[str],
) -> dict[str, Learned]:
    """Each client's learned language (only clients that have one).

    ``told``: the keys of the suggestions already made (``suggestion_key``: the notes'
    invoice keys);
    ``available``: the languages with templates (English always)."""
    by_client: dict[str, list[ReplyLanguage]] = {}
    for reply in replies:
        if reply.client in clients:
            by_client.setdefault(reply.client, []).append(reply)
    told_keys = set(told)
    have = [*available, "en"]
    found = {}
    for client_id, own in by_client.items():
        client = clients[client_id]
        learned = learned_language(client, own)
        if learned is None:
            continue
        language, count = learned
        acks_in = language if has_templates(language, have) else client.language
        found[client_id] = Learned(language, count, acks_in, suggestion_key(client_id, language) in told_keys)
    return found


def needs_suggestion(client: Client, learned: Learned) -> bool:
    """The owner is told once when the client writes in another language than mailbot does."""
    return not learned.told and not _same(learned.language, client.language)


def _same(a: str, b: str) -> bool:
    return a.replace("_", "-").lower().split("-")[0] == b.replace("_", "-").lower().split("-")[0]


SUGGESTION_PREFIX = "client:"


def suggestion_key(client_id: str, language: str) -> str:
    """What the suggestion is stored under instead of an invoice number (its outbox row and
    the note event that remembers it): one per client and language, so each is made once."""
    return f"{SUGGESTION_PREFIX}{client_id}:{language}"


def suggestion(client_id: str, client: Client, learned: Learned) -> str:
    """The owner's words: what the client writes, what mailbot does, the line that changes it."""
    return suggestion_said(client_id, client, learned).english()


def suggestion_said(client_id: str, client: Client, learned: Learned) -> Said:
    """The suggestion as a ``Said``, for the owner's mail in the owner's language (the config
    line, the table and the file stay values: the owner types them as they are)."""
    values: tuple[tuple[str, Value], ...] = (
        ("client", client.name), ("name", language_name(learned.language)),
        ("writes", language_name(client.language)), ("replies", learned.replies),
        ("setting", f'language = "{learned.language}"'), ("table", f"[clients.{client_id}]"),
        ("file", "mailbot.toml"), ("dir", "[templates] dir"),
    )  # fmt: skip
    names = ("name", "writes")
    if not _same(learned.acks_in, learned.language):  # (setting it would fail `check`: no words yet)
        return Said(NO_TEMPLATES_YET, values, names)
    return Said(ACKS_ONLY, values, names)


NO_TEMPLATES_YET = (
    "%(client)s writes in %(name)s (%(replies)s replies); mailbot has no %(name)s templates yet, so every "
    "mail still goes out in %(writes)s. Once %(name)s templates exist (or your own: %(dir)s), "
    "set %(setting)s in %(table)s of %(file)s."
)
ACKS_ONLY = (
    "%(client)s writes in %(name)s (%(replies)s replies); mailbot acknowledges in %(name)s, but invoices "
    "and reminders go out in %(writes)s. To write everything in %(name)s, set %(setting)s in %(table)s "
    "of %(file)s."
)
SUGGESTION_SUBJECT = "%(client)s writes in %(name)s"  # (the notice's subject: its values are the same)


def language_name(language: str) -> str:
    return LANGUAGE_NAMES.get(language, LANGUAGE_NAMES.get(language.split("-")[0], language))
