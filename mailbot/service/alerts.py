"""What needs a person, said once: a mail stuck unsent, the inbox down, passes failing.

After each pass the service looks at what holds now (``conditions``) and ``review``
compares it with what the state remembers (the ``alerts`` table): a condition that has
lasted past its limit is logged once at ERROR and told to the owner once (a mail, claimed
in the outbox like every notice and sent at once); when it is over, one line says so.
Remembered in the state, so a restarted worker does not tell the owner again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from functools import partial

from mailbot.config.settings import Settings
from mailbot.inbound.forward import to_owner
from mailbot.outbound.compose import new_message_id
from mailbot.outbound.owner_words import ENGLISH, OwnerWords, for_owner
from mailbot.outbound.transport import open_outbox
from mailbot.records.rows import OutboxRow
from mailbot.service.sending import send_prebuilt
from mailbot.state.store import PassRow, Store

log = logging.getLogger(__name__)

ALERT = "alert"  # the outbox's invoice name for alert mails to the owner
STUCK, INBOX_DOWN, FAILING = "stuck_mail", "inbox_down", "passes_failing"
KEYS = (STUCK, INBOX_DOWN, FAILING)


Words = Callable[[OwnerWords], tuple[str, str]]


@dataclass(frozen=True)
class Condition:
    key: str
    since: datetime  # when it began (as far as mailbot knows)
    wait: timedelta  # how long it must last before the owner is told
    words: Words  # (subject, text) in a language: English for the log, the owner's for the mail

    @property
    def subject(self) -> str:
        return self.words(ENGLISH)[0]

    @property
    def text(self) -> str:
        """The log line and the mail's first paragraph (English: the log's language)."""
        return self.words(ENGLISH)[1]


def conditions(
    store: Store, settings: Settings, inbox_error: str, passes: list[PassRow], now: datetime
) -> list[Condition]:
    """What needs a person now: each a ``Condition``, told once it lasted its ``wait``."""
    found = []
    limits = settings.service
    stuck_for = timedelta(hours=limits.stuck_hours)
    count, oldest = store.stuck_claims(now - stuck_for, skip=ALERT)
    if count:
        found.append(_stuck(count, oldest, limits.stuck_hours))
    if inbox_error:
        wait = timedelta(minutes=limits.inbox_down_minutes)
        found.append(Condition(INBOX_DOWN, now, wait, partial(_inbox_down, inbox_error)))
    failed = _failing(passes)
    if len(failed) >= limits.failing_passes:
        found.append(
            Condition(FAILING, now, timedelta(0), partial(_passes_failing, len(failed), failed[0].detail))
        )
    return found


def _inbox_down(error: str, words: OwnerWords) -> tuple[str, str]:
    text = words("the inbox could not be read: %(error)s. Replies are not read meanwhile: "
                 "reminders may go to clients who answered", error=error)  # fmt: skip
    return "[mailbot] " + words("the inbox cannot be read"), text


def _passes_failing(count: int, latest: str | None, words: OwnerWords) -> tuple[str, str]:
    text = words.plural(
        "the last %(num)s pass failed (the latest: %(latest)s)",
        "the last %(num)s passes failed (the latest: %(latest)s)", count, latest=latest or "?",
    )  # fmt: skip
    return "[mailbot] " + words("passes are failing"), text


def _stuck(count: int, oldest: list[OutboxRow], hours: float) -> Condition:
    since = datetime.fromisoformat(oldest[0].claimed_at)
    return Condition(STUCK, since, timedelta(0), partial(_stuck_words, count, oldest, hours))


def _stuck_words(count: int, oldest: list[OutboxRow], hours: float, words: OwnerWords) -> tuple[str, str]:
    """The mails claimed and not sent: the oldest few by invoice and kind, and the last error."""
    first = oldest[0]
    values = {
        "listed": ", ".join(f"{r.invoice} ({r.kind})" for r in oldest), "hours": f"{hours:g}",
        "since": first.claimed_at,
    }  # fmt: skip
    text = words.plural("%(num)s mail(s) claimed more than %(hours)s h ago are still not sent: %(listed)s",
                        "%(num)s mail(s) claimed more than %(hours)s h ago are still not sent: %(listed)s",
                        count, **values)  # fmt: skip
    if count > len(oldest):
        text += " " + words("and %(num)s more", num=words.fmt.number(Decimal(count - len(oldest))))
    text += " " + words("(the oldest since %(since)s)", **values)
    if first.error:
        text += words("; the last error: %(error)s", error=first.error)
    late = "%(num)s mail(s) not sent for %(hours)s h"
    subject = words.plural(late, late, count, **values)
    return "[mailbot] " + subject, text


def _failing(passes: list[PassRow]) -> list[PassRow]:
    """The failed passes in a row, newest first (a pass still running does not count)."""
    done = [p for p in passes if p.outcome is not None]
    run = []
    for row in done:
        if row.outcome != "failed":
            break
        run.append(row)
    return run


def review(store: Store, settings: Settings, found: list[Condition], now: datetime) -> list[str]:
    """Tell what lasted past its limit and was not told yet; say what is over.  Returns the
    keys told now."""
    remembered = store.alerts()
    told = []
    for condition in found:
        store.alert_begins(condition.key, condition.since, condition.text)
        row = remembered.get(condition.key)
        since = datetime.fromisoformat(row.since) if row else condition.since
        if (row is None or row.told_at is None) and now - since >= condition.wait:
            log.error("ALERT: %s; the owner is told (once)", condition.text)
            store.alert_told(condition.key, now, condition.text)
            _tell_owner(store, settings, condition, now)
            told.append(condition.key)
    current = {c.key for c in found}
    for key, row in remembered.items():
        if key in KEYS and key not in current:  # (not the refusals kept beside them: ``refusals``)
            if row.told_at is not None:
                log.warning("recovered: %s is over (it began %s)", key.replace("_", " "), row.since)
            store.alert_over(key)
    return told


def _tell_owner(store: Store, settings: Settings, condition: Condition, now: datetime) -> None:
    """The alert as a mail to the owner: claimed (so a failed send is retried by the next
    passes) and sent at once (the passes themselves may be what fails)."""
    business = settings.business
    message_id = new_message_id(settings.domain, "alert")
    words = for_owner(settings)
    subject, said = condition.words(words)
    once = words("mailbot tells you once; the log says when it is over. "
                 "`mailbot health` shows how the worker is doing.")  # fmt: skip
    text = f"{said}.\n\n{once}\n"
    payload = to_owner("alert", subject, text, business.name, business.email, business.owner,
                       message_id, now, words=words)  # fmt: skip
    step = store.max_step(ALERT, "notice") + 1
    if not store.claim(ALERT, "notice", step, message_id, now, payload=payload, recipients=business.owner):
        return
    try:
        with open_outbox(settings) as outbox:
            for row in store.claimed_mail(message_id):
                send_prebuilt(store, outbox, business.email, row, now)
    except Exception:  # the claim stays: the next pass sends it
        log.exception("the alert mail to the owner was not sent now; the next pass tries again")
