"""What needs a person, said once: a mail stuck unsent, the inbox down, passes failing.

After each pass the service looks at what holds now (``conditions``) and ``review``
compares it with what the state remembers (the ``alerts`` table): a condition that has
lasted past its limit is logged once at ERROR and told to the owner once (a mail, claimed
in the outbox like every notice and sent at once); when it is over, one line says so.
Remembered in the state, so a restarted worker does not tell the owner again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from mailbot.config.settings import Settings
from mailbot.inbound.forward import to_owner
from mailbot.outbound.compose import new_message_id
from mailbot.outbound.transport import open_outbox
from mailbot.records.rows import OutboxRow
from mailbot.service.sending import send_prebuilt
from mailbot.state.store import PassRow, Store

log = logging.getLogger(__name__)

ALERT = "alert"  # the outbox's invoice name for alert mails to the owner
STUCK, INBOX_DOWN, FAILING = "stuck_mail", "inbox_down", "passes_failing"
KEYS = (STUCK, INBOX_DOWN, FAILING)


@dataclass(frozen=True)
class Condition:
    key: str
    since: datetime  # when it began (as far as mailbot knows)
    wait: timedelta  # how long it must last before the owner is told
    subject: str
    text: str  # the log line and the mail's first paragraph


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
        text = (f"the inbox could not be read: {inbox_error}. Replies are not read meanwhile: "
                "reminders may go to clients who answered")  # fmt: skip
        found.append(Condition(INBOX_DOWN, now, timedelta(minutes=limits.inbox_down_minutes),
                               "[mailbot] the inbox cannot be read", text))  # fmt: skip
    failed = _failing(passes)
    if len(failed) >= limits.failing_passes:
        text = f"the last {len(failed)} passes failed (the latest: {failed[0].detail or '?'})"
        found.append(Condition(FAILING, now, timedelta(0), "[mailbot] passes are failing", text))
    return found


def _stuck(count: int, oldest: list[OutboxRow], hours: float) -> Condition:
    first = oldest[0]
    listed = ", ".join(f"{r.invoice} ({r.kind})" for r in oldest)
    more = f" and {count - len(oldest)} more" if count > len(oldest) else ""
    why = f"; the last error: {first.error}" if first.error else ""
    text = (f"{count} mail(s) claimed more than {hours:g} h ago are still not sent: {listed}{more}"
            f" (the oldest since {first.claimed_at}){why}")  # fmt: skip
    since = datetime.fromisoformat(first.claimed_at)
    return Condition(STUCK, since, timedelta(0), f"[mailbot] {count} mail(s) not sent for {hours:g} h", text)


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
    text = (f"{condition.text}.\n\nmailbot tells you once; the log says when it is over."
            " `mailbot health` shows how the worker is doing.\n")  # fmt: skip
    payload = to_owner("alert", condition.subject, text, business.name, business.email, business.owner,
                       message_id, now)  # fmt: skip
    step = store.max_step(ALERT, "notice") + 1
    if not store.claim(ALERT, "notice", step, message_id, now, payload=payload, recipients=business.owner):
        return
    try:
        with open_outbox(settings) as outbox:
            for row in store.claimed_mail(message_id):
                send_prebuilt(store, outbox, business.email, row, now)
    except Exception:  # the claim stays: the next pass sends it
        log.exception("the alert mail to the owner was not sent now; the next pass tries again")
