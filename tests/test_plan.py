"""``mailbot plan``: the forecast made on day 0 is what the real passes then send.

The passes are the real ``run_once`` under a controlled ``now``, several a day, with the
Maildir outbox; nobody replies or pays. The comparison holds whatever the decision rules
are: both sides run the same ``policy.next_actions``.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import BASE_CONFIG, write_config

from mailbot.cli import plan as plan_cli
from mailbot.cli.main import main
from mailbot.config.settings import load_settings
from mailbot.service.plan import plan
from mailbot.service.run_pass import run_once
from mailbot.state.store import Event, Store, iso

# A Monday morning in Berlin; the clients live from New York to Tokyo.
DAY0 = datetime(2026, 12, 7, 6, 30, tzinfo=UTC)
CLIENTS = """
[clients.helsinki]
name = "Oy Helsinki Ab"
email = "laskut@helsinki.example"
language = "fi"
timezone = "Europe/Helsinki"
country = "FI"

[clients.tokyo]
name = "Tokyo KK"
email = "ap@tokyo.example"
language = "en"
timezone = "Asia/Tokyo"
country = "JP"

[clients.newyork]
name = "New York Inc"
email = "ap@newyork.example"
language = "en"
timezone = "America/New_York"
country = "US"
"""
# Overdue, due soon, two a week apart, issued in the coming days, one invalid (a bad
# quantity), one issued before the first-run window (skipped by a first run).
LEDGER = """\
invoice,client,issue_date,due_date,description,quantity,unit_price,tax_rate
P-01,acme,2026-12-01,2026-12-04,Workshop,1,1200.00,19
P-02,acme,2026-12-03,2026-12-17,Logo,1,800.00,19
P-03,kaiser,2026-12-02,2026-12-10,Flyer,2,150.00,19
P-04,kaiser,2026-12-09,2026-12-23,Website,1,2000.00,19
P-05,helsinki,2026-12-04,2026-12-11,Audit,1,640.00,24
P-06,helsinki,2026-12-11,2026-12-25,Audit,1,640.00,24
P-07,tokyo,2026-12-05,2026-12-12,Icons,3,90.00,10
P-08,tokyo,2026-12-15,2026-12-29,Hosting,1,300.00,10
P-09,newyork,2026-12-06,2026-12-08,Deck,1,500.00,0
P-10,newyork,2026-12-02,2026-12-20,Copy,x,100.00,0
P-11,acme,2026-11-02,2026-11-16,Old work,1,100.00,19
P-12,kaiser,2026-12-21,2027-01-04,Print,1,450.00,19
"""


def _config(tmp_path: Path, ledger: str = LEDGER) -> Path:
    base = BASE_CONFIG.replace("enabled = false", 'enabled = true\ncountry = "DE"')
    return write_config(tmp_path, CLIENTS, ledger=ledger, base=base)


def _passes(config: Path, start: datetime, days: int, every: timedelta) -> None:
    """The real pass, every ``every`` from ``start`` for ``days`` days and one more (the
    clients west of UTC end their last day later)."""
    moment = start
    while moment < start + timedelta(days=days + 1):
        run_once(load_settings(config), moment)
        moment += every


def _sent(config: Path) -> list[tuple[str, str, str, tuple[str, ...]]]:
    """(client's day, client, kind, invoices) of every client mail the passes sent."""
    settings = load_settings(config)
    db = sqlite3.connect(settings.state_path)
    rows = db.execute(
        "SELECT message_id, invoice, kind, sent_at FROM outbox WHERE status = 'sent'"
        " AND kind IN ('invoice', 'reminder', 'final', 'ack', 'receipt') ORDER BY id"
    ).fetchall()
    mails: dict[str, list] = {}
    for message_id, invoice, kind, sent_at in rows:
        mails.setdefault(message_id, []).append((invoice, kind, sent_at))
    clients = {line.split(",")[0]: line.split(",")[1] for line in LEDGER.splitlines()[1:]}
    found = []
    for mail in mails.values():
        invoice, kind, sent_at = mail[0]
        client = clients[invoice]
        zone = settings.clients[client].timezone
        day = datetime.fromisoformat(sent_at).astimezone(ZoneInfo(zone)).date().isoformat()
        found.append((day, client, kind, tuple(m[0] for m in mail)))
    return found


def _planned(config: Path, now: datetime, days: int) -> list[tuple[str, str, str, tuple[str, ...]]]:
    return [(p.on.isoformat(), p.client, p.kind, p.invoices) for p in plan(load_settings(config), now, days)]


def _in_horizon(mails: list, config: Path, now: datetime, days: int) -> list:
    """The sent mails on the plan's days (each client's today and the ``days - 1`` after)."""
    settings = load_settings(config)
    last = {c: (now.astimezone(ZoneInfo(client.timezone)).date() + timedelta(days=days - 1)).isoformat()
            for c, client in settings.clients.items()}  # fmt: skip
    return [m for m in mails if m[0] <= last[m[1]]]


@pytest.mark.usefixtures("first_run_window")
def test_plan_matches_what_the_passes_then_send(tmp_path):
    config = _config(tmp_path)
    days = 30
    planned = _planned(config, DAY0, days)
    _passes(config, DAY0, days, timedelta(hours=3))
    sent = _in_horizon(_sent(config), config, DAY0, days)
    assert {kind for _, _, kind, _ in planned} >= {"invoice", "reminder"}
    assert len(planned) >= 12
    assert sorted(planned) == sorted(sent)
    outbox = Path(load_settings(config).mail_dir) / "outbox" / "new"
    assert len(list(outbox.iterdir())) >= len(sent)  # and they reached the outbox


def _said(config: Path, at: datetime) -> None:
    """Before the plan: a promise, a payment claim, a question, a payment, a pause, and an
    invoice mail claimed but not sent (a crash); the plan and the passes both start there."""
    with Store(load_settings(config).state_path) as store:
        stamp = iso(at)
        store.add_event(
            Event("P-01", stamp, "reply", intent="promise_to_pay", trusted=True, until="2026-12-15")
        )
        store.add_event(Event("P-05", stamp, "reply", intent="payment_claimed", trusted=True))
        store.add_event(Event("P-07", stamp, "reply", intent="question", trusted=True))
        store.add_event(
            Event("P-03", stamp, "payment", detail=json.dumps({"on": "2026-12-06", "amount": "357.00"}))
        )
        store.add_event(Event("P-09", stamp, "pause", until="2026-12-16"))
        assert store.claim("P-04", "invoice", 0, "<crash@muster-design.example>", at)


def test_plan_made_mid_way_matches_the_passes_after_it(tmp_path):
    """Day 0 of the plan is a day of a running mailbot: the state has mails, replies,
    payments, a pause and a claim left by a crash."""
    config = _config(tmp_path)
    _passes(config, DAY0 - timedelta(days=10), 9, timedelta(hours=6))
    _said(config, DAY0 - timedelta(hours=8))
    now = DAY0 + timedelta(hours=9)  # mid-afternoon in Berlin, evening in Tokyo
    planned = _planned(config, now, 20)
    before = len(_sent(config))
    _passes(config, now, 20, timedelta(hours=4))
    sent = _in_horizon(_sent(config)[before:], config, now, 20)
    assert sorted(planned) == sorted(sent)
    assert {kind for _, _, kind, _ in planned} >= {"reminder", "ack", "receipt", "invoice"}


def test_skipping_quiet_days_gives_the_plan_of_asking_every_client_every_day(tmp_path):
    config = _config(tmp_path)
    _passes(config, DAY0 - timedelta(days=20), 19, timedelta(hours=8))
    _said(config, DAY0 - timedelta(hours=8))
    settings = load_settings(config)
    for now in (DAY0, DAY0 + timedelta(hours=13)):
        fast = plan(settings, now, 45)
        assert fast == plan(settings, now, 45, exact=True)
        assert {p.kind for p in fast} >= {"invoice", "reminder"}


@pytest.mark.usefixtures("first_run_window")
def test_plan_leaves_out_invalid_invoices_and_those_before_the_first_run_window(tmp_path):
    config = _config(tmp_path)
    mailed = {n for p in plan(load_settings(config), DAY0, 45) for n in p.invoices}
    assert "P-10" not in mailed  # invalid: a bad quantity
    assert "P-11" not in mailed  # issued 2026-11-02, before the 7-day window of a first run
    assert {"P-01", "P-09", "P-12"} <= mailed


def test_plan_with_a_century_window_mails_the_old_invoice_too(tmp_path):
    config = _config(tmp_path)  # (conftest: first_run_days = 36500)
    mailed = {n for p in plan(load_settings(config), DAY0, 3) for n in p.invoices}
    assert "P-11" in mailed


def test_plan_writes_nothing_to_the_state(tmp_path):
    config = _config(tmp_path)
    run_once(load_settings(config), DAY0 - timedelta(days=1))
    db = load_settings(config).state_path
    before = db.read_bytes()
    assert plan(load_settings(config), DAY0, 45)
    assert db.read_bytes() == before


def test_plan_before_the_first_run_makes_no_state_file(tmp_path):
    config = _config(tmp_path)
    assert plan(load_settings(config), DAY0, 45)
    assert not load_settings(config).state_path.exists()


def test_days_bound_the_plan_to_the_clients_days(tmp_path):
    config = _config(tmp_path)
    short = plan(load_settings(config), DAY0, 2)
    long = plan(load_settings(config), DAY0, 20)
    assert short == long[: len(short)]
    assert len(long) > len(short)
    assert all(p.on <= DAY0.date() + timedelta(days=1) for p in short)


def test_amount_is_the_sum_of_the_balances_asked(tmp_path):
    config = _config(tmp_path)
    found = plan(load_settings(config), DAY0, 45)
    first = next(p for p in found if p.invoices == ("P-03",) and p.kind == "invoice")
    assert str(first.amount) == "357.00"  # 2 x 150.00 + 19 % tax
    assert first.currency == "EUR"


def _cli(config: Path, capsys, *args: str) -> tuple[int, str]:
    code = main(["--config", str(config), "plan", *args])
    captured = capsys.readouterr()
    return code, captured.out if "--json" in args else captured.out + captured.err


@pytest.fixture
def day0(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(plan_cli, "utcnow", lambda: DAY0)


@pytest.mark.usefixtures("day0")
def test_plan_json_has_the_contract_shape(tmp_path, capsys):
    code, out = _cli(_config(tmp_path), capsys, "--json", "--days", "20")
    rows = json.loads(out)
    assert code == 0 and rows
    keys = {"on", "client", "kind", "tone", "invoices", "amount", "currency", "why"}
    assert all(set(row) == keys for row in rows)
    assert all(row["kind"] in ("invoice", "reminder", "final", "ack", "receipt") for row in rows)
    assert [row["on"] for row in rows] == sorted(row["on"] for row in rows)  # by day
    reminder = next(row for row in rows if row["kind"] == "reminder")
    assert reminder["tone"] and reminder["why"] and reminder["amount"].replace(".", "").isdigit()


@pytest.mark.usefixtures("day0")
def test_plan_for_one_client_shows_only_theirs(tmp_path, capsys):
    config = _config(tmp_path)
    _, everyone = _cli(config, capsys, "--json")
    _, theirs = _cli(config, capsys, "--json", "--client", "tokyo")
    mine = json.loads(theirs)
    assert mine and {row["client"] for row in mine} == {"tokyo"}
    assert mine == [row for row in json.loads(everyone) if row["client"] == "tokyo"]


@pytest.mark.usefixtures("day0")
def test_an_unknown_client_or_a_bad_horizon_is_bad_usage(tmp_path, capsys):
    config = _config(tmp_path)
    assert _cli(config, capsys, "--client", "nobody")[0] == 2
    assert _cli(config, capsys, "--days", "0")[0] == 2


@pytest.mark.usefixtures("day0")
def test_an_empty_plan_says_so(tmp_path, capsys):
    config = _config(tmp_path, ledger=LEDGER.splitlines()[0] + "\n")
    code, out = _cli(config, capsys, "--json")
    assert (code, json.loads(out)) == (0, [])
    code, out = _cli(config, capsys)
    assert code == 0 and "nothing to send in the next 45 days" in out


@pytest.mark.usefixtures("day0")
def test_the_table_names_each_day_once(tmp_path, capsys):
    code, out = _cli(_config(tmp_path), capsys, "--days", "10")
    assert code == 0
    assert out.count("2026-12-07") == 1  # day 0: several mails, one day heading
    assert "P-01" in out and "reminder" in out
