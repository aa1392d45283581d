"""``mailbot demo``: the sample business over simulated weeks, in a scratch folder.

The shipped sample config and ledger are copied (as ``mailbot init`` does, daily digest
on), the demo's mail server and PayPal are added, and the real passes
(``run_pass.run_once``) run on the Maildir default with ``now`` passed in: two a day,
10:00 and 16:00 in Berlin (16:00 is 10:00 for the client in New York).  On the way the
sample clients' replies of ``demo_mail.SCRIPT`` arrive in ``inbox/new``.  What each pass
recorded is told as the story: one line per mail sent, reply read, payment recorded.
No account, no network, no real clock: the same story every time.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from mailbot.config.settings import ENV_PREFIX, Settings, load_settings
from mailbot.ledger.read import Ledger, load_ledger
from mailbot.records.rows import Event
from mailbot.service.daily_digest import DAILY
from mailbot.service.demo_mail import BERLIN, DEMO_TOML, SCRIPT
from mailbot.service.run_pass import run_once
from mailbot.service.starter import write_starter
from mailbot.state.store import Store

START = date(2026, 11, 2)  # the sample ledger's first issue date (a Monday)
WEEKS = 8
PASS_HOURS = (10, 16)  # Berlin


class DemoError(Exception):
    """The demo cannot run in the folder given: why."""


@dataclass(frozen=True)
class Line:
    day: date
    text: str


def prepare(target: Path) -> Path:
    """The sample business in ``target`` (new or empty): its config path."""
    if target.exists() and any(target.iterdir()):
        raise DemoError(f"{target}: not empty; the demo needs a new or empty folder")
    write_starter(target)
    config = target / "mailbot.toml"
    with config.open("a", encoding="utf-8") as handle:
        handle.write(DEMO_TOML)
    return config


def moments(start: date = START, weeks: int = WEEKS) -> Iterator[datetime]:
    """The passes of the demo: each day at ``PASS_HOURS`` in Berlin, as UTC."""
    for offset in range(weeks * 7):
        day = start + timedelta(days=offset)
        for hour in PASS_HOURS:
            yield datetime.combine(day, time(hour), BERLIN)


@contextmanager
def without_overrides() -> Iterator[None]:
    """No ``MAILBOT_*`` variable of the caller's environment reaches the demo: an
    ``MAILBOT_SMTP__HOST`` set for the owner's real worker must not make the demo send."""
    saved = {k: v for k, v in os.environ.items() if k.startswith(ENV_PREFIX)}
    for key in saved:
        del os.environ[key]
    try:
        yield
    finally:
        os.environ.update(saved)


def run_demo(config: Path, tell: Callable[[Line], None], weeks: int = WEEKS) -> Settings:
    """Run the passes, dropping the script's mails on their day, and ``tell`` each line
    (call it inside ``without_overrides``)."""
    settings = load_settings(config)
    inbox = settings.mail_dir / "inbox" / "new"
    inbox.mkdir(parents=True, exist_ok=True)
    ledger = load_ledger(settings)
    names = {key: client.name for key, client in settings.clients.items()}
    seen, last = 0, datetime.min.replace(tzinfo=BERLIN)
    for now in moments(weeks=weeks):
        for number, mail in enumerate(SCRIPT):
            if last < mail.at <= now:  # arrived since the last pass
                (inbox / f"demo-{number}.eml").write_bytes(mail.raw(number))
                tell(Line(now.date(), f"mail arrives: {mail.about}"))
        run_once(settings, now)
        last = now
        with Store(settings.state_path) as store:
            events = store.events()
        for event in events[seen:]:
            text = describe(event, ledger, names)
            if text:
                tell(Line(now.date(), text))
        seen = len(events)
    return settings


_KINDS = {
    "invoice": "invoice", "reminder": "reminder", "final": "final notice", "ack": "acknowledgment",
    "receipt": "receipt", "forward": "a forward", "notice": "a notice",
    "digest": "the digest of held-back mail",
}  # fmt: skip


def describe(event: Event, ledger: Ledger, names: dict[str, str]) -> str:
    """The story's line for one event ("" for those the story leaves out: notes, pauses)."""
    invoice = ledger.invoices.get(event.invoice)
    client = names.get(invoice.client_id, invoice.client_id) if invoice else ""
    detail = _detail(event)
    if event.type == "sent":
        what = _KINDS.get(event.kind or "", event.kind or "mail")
        what = "the daily digest" if event.invoice == DAILY else what
        if event.kind in ("forward", "notice", "digest"):
            about = f" about {event.invoice}" if invoice else ""
            return f"sent {what}{about} to the owner"
        tone = (
            f" ({event.tone.replace('_', ' ')})" if event.tone and event.kind in ("reminder", "final") else ""
        )
        return f"sent {what}{tone} for {event.invoice} to {client}"
    if event.type == "reply":
        return _reply_line(event, client, detail)
    if event.type == "payment":
        how = f"from a {detail.get('source')} notification" if detail.get("evidence") else "by the owner"
        currency = invoice.currency if invoice else ""
        return f"payment recorded: {detail.get('amount')} {currency} for {event.invoice} ({client}), {how}"
    return ""


def _reply_line(event: Event, client: str, detail: dict) -> str:
    if detail.get("payment_source"):  # a payment notification: its payments have their lines
        if not event.trusted:
            return f"payment notification from {detail.get('sender')} NOT believed: the owner is told"
        told = detail.get("for_owner")
        return f"payment notification from {detail.get('payment_source')}: {'; '.join(told)}" if told else ""
    intent = (event.intent or "other").replace("_", " ")
    who = client or detail.get("sender") or "someone"
    until = f" (until {event.until})" if event.until else ""
    read = f"reply read: {who} on {event.invoice or 'no invoice'}: {intent}{until}"
    if detail.get("unsure"):
        read += ", not sure: waits for the owner"
    elif event.intent in ("dispute", "question", "contact_change") or (
        event.intent == "payment_claimed" and not event.trusted
    ):
        read += ": the owner is told"
    return read


def _detail(event: Event) -> dict:
    try:
        data = json.loads(event.detail or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def end_of(weeks: int = WEEKS) -> datetime:
    """The demo's last moment: its statuses are as of then."""
    return list(moments(weeks=weeks))[-1]
