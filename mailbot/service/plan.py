"""``mailbot plan``: the state as the next passes would find it, read without writing,
handed to the pure forecast (``decide.forecast``). The clock is the caller's ``now``."""

from __future__ import annotations

from datetime import datetime

from mailbot.config.settings import Settings
from mailbot.decide.forecast import Planned, Start, forecast
from mailbot.ledger.read import load_ledger
from mailbot.state.guard import check_not_lost
from mailbot.state.store import Store

DAYS = 45  # the default horizon (CONTRACT)


def plan(
    settings: Settings, now: datetime, days: int = DAYS, client: str | None = None, exact: bool = False
) -> list[Planned]:
    """Every mail of the next ``days`` days if nothing changes; only ``client``'s if named
    (``exact``: see ``decide.forecast.forecast``).

    Reads the decision records (not the stored summaries: the forecast adds simulated
    mails to each invoice's records) and never writes; invalid invoices are left out, as
    every pass leaves them out."""
    ledger = load_ledger(settings)
    start = _start(settings)
    invoices = ledger.valid()
    if client is not None and not start.first:  # (a first run is one for every client at once)
        invoices = [i for i in invoices if i.client_id == client]
    planned = forecast(invoices, start, settings.clients, settings.chase, now, days, exact)
    return [p for p in planned if client is None or p.client == client]


def _start(settings: Settings) -> Start:
    """The state as the next pass will find it. Without a state file (before the first
    run) there is nothing to read, and none is made: a plan writes nothing."""
    path = settings.state_path
    if not path.exists():
        check_not_lost(path)  # (a state that held records and is gone: say so, as every command does)
        return Start(first=True, first_run_days=settings.state.first_run_days)
    with Store(path) as store:
        return start_from(store, settings)


def start_from(store: Store, settings: Settings) -> Start:
    """The forecast's start from an open store (a pass's, for the daily digest)."""
    return Start(
        outbox=store.decision_outbox(),
        events=store.decision_events(),
        first=store.first_run(),
        first_run_days=settings.state.first_run_days,
        skipped=store.skipped(),
    )
