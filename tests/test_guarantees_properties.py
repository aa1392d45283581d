"""Random histories through the real pass (claims in SQLite, the send loop), with a
server that refuses for now ("451") on random stretches of days: what the client
receives keeps the promises, however long a failure lingers.

``tests/test_chase_properties.py`` replays decided mail as sent at once, so it
cannot see a claim that stays pending across days; this model can.
"""

from __future__ import annotations

import tempfile
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from email import message_from_bytes
from pathlib import Path
from unittest.mock import patch
from zoneinfo import ZoneInfo

from conftest import BASE_CONFIG, write_config
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailbot.config.settings import load_settings
from mailbot.outbound.transport import SendError
from mailbot.service import run_pass

START = date(2026, 11, 2)  # a Monday
DAYS = 35
BERLIN = ZoneInfo("Europe/Berlin")
CHASED = BASE_CONFIG.replace("enabled = false", 'enabled = true\ncountry = ""')


class FlakyServer:
    """The transport: accepts, or on a refusing day answers 451 for every mail."""

    def __init__(self) -> None:
        self.refusing = False
        self.delivered: list[tuple[date, str, str]] = []  # (day, Message-ID, subject)
        self.day = START

    def send(self, raw: bytes, sender: str, recipients: list[str]) -> None:
        if self.refusing:
            raise SendError("451 4.3.0 try again later", permanent=False)
        mail = message_from_bytes(raw)
        self.delivered.append((self.day, mail["Message-ID"], mail["Subject"]))

    @contextmanager
    def opened(self, _settings):
        yield self


@st.composite
def histories(draw):
    invoices = [(draw(st.integers(0, 8)), draw(st.integers(0, 14))) for _ in range(3)]
    refusing = [False] * DAYS
    for _ in range(draw(st.integers(1, 3))):  # stretches of "try again later", 1 to 6 days
        first, length = draw(st.integers(0, DAYS - 1)), draw(st.integers(1, 6))
        for day in range(first, min(DAYS, first + length)):
            refusing[day] = True
    down = set(draw(st.lists(st.integers(0, DAYS - 1), max_size=6)))
    return invoices, refusing, down


def _ledger(invoices) -> str:
    rows = "".join(
        f"{chr(65 + n)},acme,{START + timedelta(days=issue)},{START + timedelta(days=issue + terms)},"
        f"Work,1,,{100 * (n + 1)}.00,19,\n"
        for n, (issue, terms) in enumerate(invoices)
    )
    return (
        "invoice,client,issue_date,due_date,description,quantity,unit,unit_price,tax_rate,discount\n" + rows
    )


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(histories())
def test_one_mail_a_client_day_and_one_message_id_a_mail_with_lingering_failures(history):
    invoices, refusing, down = history
    server = FlakyServer()
    with tempfile.TemporaryDirectory() as tmp, patch.object(run_pass, "open_outbox", server.opened):
        config = write_config(Path(tmp), ledger=_ledger(invoices), base=CHASED)
        configured = load_settings(config)
        for day in range(DAYS):
            if day in down:
                continue
            server.day, server.refusing = START + timedelta(days=day), refusing[day]
            today = server.day
            run_pass.run_once(configured, datetime(today.year, today.month, today.day, 10, tzinfo=BERLIN))
    per_day: dict[date, list[str]] = {}
    for day, message_id, subject in server.delivered:
        if not subject.startswith("Invoice "):  # chase mails: reminders, receipts, acks
            per_day.setdefault(day, []).append(message_id)
    assert all(len(mails) == 1 for mails in per_day.values()), per_day
    ids = [message_id for _, message_id, _ in server.delivered]
    assert len(ids) == len(set(ids))  # nothing delivered twice (no crash in this model)
    assert not any(refusing[(day - START).days] for day, _, _ in server.delivered)
