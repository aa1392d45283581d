"""The owner's daily digest, what earlier versions left out: every reply still waiting for
the owner (not only the new ones) with its age; the payments the owner wrote in the
ledger's ``paid_on`` column; an unsure reading in the owner's language."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from test_daily_digest import NAMES, NOW, _config, _digests, _drop_reply, _ledger, _reply, _text

from mailbot.config.settings import load_settings
from mailbot.decide.daily import DailyDigest, OwnerReply, build_daily, ledger_key
from mailbot.ledger.read import load_ledger
from mailbot.outbound.daily import render_daily
from mailbot.outbound.render import Renderer
from mailbot.records.rows import Event, iso
from mailbot.service.owner import mark_paid, resume
from mailbot.service.run_pass import run_once

DAY = date(2026, 11, 21)
SINCE = NOW - timedelta(days=1)


def _copy(event: Event, moment: datetime) -> Event:
    return replace(event, at=iso(moment))


def _old(event: Event, days: float) -> Event:
    return _copy(event, NOW - timedelta(days=days))


def _open(tmp_path: Path, history: list[Event], events: list[Event] = ()) -> tuple[OwnerReply, ...]:  # type: ignore[assignment]
    digest = build_daily(list(events), _ledger(tmp_path), {}, [], NOW, DAY, SINCE, NAMES, history=history)
    return digest.replies


def test_a_dispute_from_last_week_is_still_listed_with_how_long_it_waited(tmp_path):
    (reply,) = _open(tmp_path, [_old(_reply("2026-001", "dispute"), 5.2)])
    assert (reply.why, reply.invoice, reply.new, reply.days) == ("dispute", "2026-001", False, 5)


def test_a_reply_read_since_the_last_digest_is_new(tmp_path):
    (reply,) = _open(tmp_path, [_old(_reply("2026-001", "question"), 0.5)])
    assert (reply.new, reply.days) == (True, 0)


def test_a_reply_settled_by_resume_on_an_earlier_day_is_not_listed(tmp_path):
    history = [
        _old(_reply("2026-001", "dispute"), 5),
        _copy(Event("2026-001", "", "resume"), NOW - timedelta(days=2)),
    ]
    assert _open(tmp_path, history) == ()


def test_a_contact_change_stays_listed_beside_a_later_reply_until_resumed(tmp_path):
    history = [_old(_reply("2026-001", "contact_change"), 3), _old(_reply("2026-001", "question"), 2)]
    replies = _open(tmp_path, history)
    assert [(r.why, r.days) for r in replies] == [("contact_change", 3), ("question", 2)]  # oldest first
    assert replies[0].command == "mailbot resume 2026-001"
    assert _open(tmp_path, [*history, _copy(Event("2026-001", "", "resume"), NOW - timedelta(days=1))]) == ()


def test_an_unverified_paid_claim_is_settled_by_a_payment(tmp_path):
    claim = _old(_reply("2026-004", "payment_claimed", trusted=False), 4)
    payment = Event("2026-004", iso(NOW - timedelta(days=1)), "payment", detail=json.dumps({"amount": "1"}))
    assert [r.why for r in _open(tmp_path, [claim])] == ["payment_claimed"]
    assert _open(tmp_path, [claim, payment]) == ()


def test_an_unsure_reading_confirmed_on_an_earlier_day_is_not_listed(tmp_path):
    unsure = _old(_reply("2026-004", "promise_to_pay", unsure=True), 4)
    confirmed = _old(_reply("2026-004", "promise_to_pay", confirmed="<m@x>", by="owner"), 3)
    assert [r.why for r in _open(tmp_path, [unsure])] == ["unsure"]
    assert _open(tmp_path, [unsure, confirmed]) == ()


def test_a_payment_notification_is_listed_on_the_day_it_came_only(tmp_path):
    notice = _reply("", "other", trusted=False, payment_source="PayPal")
    assert [r.why for r in _open(tmp_path, [_old(notice, 0.2)])] == ["payment_untrusted"]
    assert _open(tmp_path, [_old(notice, 3)]) == ()


def test_replies_waiting_from_earlier_days_alone_are_no_news(tmp_path):
    digest = build_daily([], _ledger(tmp_path), {}, [], NOW, DAY, SINCE, NAMES,
                         history=[_old(_reply("2026-001", "dispute"), 5)])  # fmt: skip
    assert len(digest.replies) == 1
    assert not digest.news


# --- payments written in the ledger -----------------------------------------------------------

HEADER = "invoice,client,issue_date,due_date,description,quantity,unit,unit_price,tax_rate,discount,paid_on\n"
PAID_LEDGER = (
    HEADER
    + "2026-001,acme,2026-11-02,2026-11-16,Brand workshop,1,day,1200.00,19,,{one}\n"
    + "2026-001,acme,,,Logo design,1,,2400.00,19,10,\n"
    + "2026-004,kaiser,2026-11-09,2026-11-30,Geschäftsausstattung,1,Pauschale,850.00,19,,{four}\n"
    + "2026-004,kaiser,,,Fachbuch Typografie,1,Stk.,39.00,7,,\n"
)


def _paid_ledger(tmp_path: Path, one: str = "", four: str = "") -> Path:
    config = _config(tmp_path)
    (tmp_path / "ledger.csv").write_text(PAID_LEDGER.format(one=one, four=four), encoding="utf-8")
    return config


def _ledger_payments(tmp_path: Path, known: frozenset[str] | None) -> DailyDigest:
    ledger = _ledger_of(tmp_path)
    return build_daily([], ledger, {}, [], NOW, DAY, SINCE, NAMES, history=[], ledger_known=known)


def _ledger_of(tmp_path: Path):
    return load_ledger(load_settings(tmp_path / "mailbot.toml"))


def test_the_first_digest_lists_ledger_payments_of_its_window_and_remembers_the_older_ones(tmp_path):
    _paid_ledger(tmp_path, one="2026-11-10", four="2026-11-20")
    digest = _ledger_payments(tmp_path, None)
    assert [(p.invoice, p.on, p.source, p.automatic) for p in digest.payments] == [
        ("2026-004", "2026-11-20", "ledger", False)
    ]
    assert digest.payments[0].amount == Decimal("1053.23")  # the invoice's gross: all of it was paid
    assert set(digest.ledger_seen) == {
        ledger_key("2026-001", date(2026, 11, 10), Decimal("3998.40")),
        ledger_key("2026-004", date(2026, 11, 20), Decimal("1053.23")),
    }
    assert digest.ledger_first and digest.news


def test_a_ledger_payment_a_digest_saw_is_not_listed_again_but_a_backdated_new_one_is(tmp_path):
    _paid_ledger(tmp_path, one="2026-11-01", four="2026-11-20")
    seen = frozenset(_ledger_payments(tmp_path, None).ledger_seen) - {
        ledger_key("2026-001", date(2026, 11, 1), Decimal("3998.40"))
    }  # (2026-001 written in the ledger after that digest, dated weeks back)
    digest = _ledger_payments(tmp_path, seen)
    assert [p.invoice for p in digest.payments] == ["2026-001"]
    assert digest.ledger_seen == (ledger_key("2026-001", date(2026, 11, 1), Decimal("3998.40")),)
    assert not digest.ledger_first


# --- through the passes, on the Maildir default --------------------------------------------------


def test_an_open_dispute_is_listed_on_later_digests_with_its_age_until_resumed(tmp_path):
    config = _config(tmp_path)
    run_once(load_settings(config), datetime(2026, 11, 20, 6, 0, tzinfo=UTC))
    _drop_reply(config, "We dispute this invoice: the workshop never took place.", NOW - timedelta(hours=2))
    assert run_once(load_settings(config), NOW).daily == "sent"
    assert "- new: Acme Ltd disputes invoice 2026-001" in _text(_digests(config)[-1])
    later = NOW + timedelta(days=3, minutes=5)
    mark_paid(load_settings(config), "2026-004", later - timedelta(hours=2))  # something new that day
    assert run_once(load_settings(config), later).daily == "sent"
    assert "- waiting 3 days: Acme Ltd disputes invoice 2026-001" in _text(_digests(config)[-1])
    resume(load_settings(config), "2026-001", later + timedelta(hours=1), reason="credit note agreed")
    mark_paid(load_settings(config), "2026-001", later + timedelta(hours=2))
    assert run_once(load_settings(config), later + timedelta(days=1)).daily == "sent"
    text = _text(_digests(config)[-1])
    assert "disputes invoice 2026-001" not in text
    assert "Replies that need you\n- none" in text


def test_a_payment_written_in_the_ledger_is_listed_in_the_next_digest_once(tmp_path):
    config = _paid_ledger(tmp_path)
    run_once(load_settings(config), datetime(2026, 11, 20, 6, 0, tzinfo=UTC))
    assert run_once(load_settings(config), NOW).daily == "quiet"  # the first digest: nothing new
    (tmp_path / "ledger.csv").write_text(PAID_LEDGER.format(one="", four="2026-11-14"), encoding="utf-8")
    assert run_once(load_settings(config), NOW + timedelta(days=1)).daily == "sent"
    text = _text(_digests(config)[-1])
    assert "for invoice 2026-004 (Kaiser & Söhne GmbH) on 14 Nov 2026, marked paid in the ledger" in text
    assert run_once(load_settings(config), NOW + timedelta(days=2)).daily == "quiet"  # seen: said once


# --- words ------------------------------------------------------------------------------------


def _rendered(tmp_path: Path, language: str, replies: tuple[OwnerReply, ...]) -> str:
    settings = load_settings(_config(tmp_path, language=language))
    digest = DailyDigest(DAY, SINCE, (), replies, (), (), ())
    return render_daily(Renderer(), digest, settings).text


UNSURE = OwnerReply("2026-004", "kaiser", "ap@kaiser.example", "unsure", "promise_to_pay",
                    "mailbot confirm 2026-004 promise", "", new=False, days=3)  # fmt: skip


@pytest.mark.parametrize(
    ("language", "reading", "age"),
    [
        ("en", "its best reading: a promise to pay", "waiting 3 days"),
        ("de", "am ehesten: eine Zahlungszusage", "wartet seit 3 Tagen"),
        ("fi", "todennäköisin tulkinta: maksulupaus", "odottanut 3 päivää"),
        (
            "fr",
            "interprétation la plus probable\u00a0: une promesse de paiement",
            "en attente depuis 3 jours",
        ),
        ("sr", "najverovatnije: obećanje plaćanja", "čeka 3 dana"),
        ("sr-Cyrl", "највероватније: обећање плаћања", "чека 3 дана"),
    ],
)
def test_an_unsure_reading_and_its_age_are_in_the_owners_language(tmp_path, language, reading, age):
    text = _rendered(tmp_path, language, (UNSURE,))
    assert reading in text
    colon = "\u00a0: " if language == "fr" else ": "  # French sets a no-break space before a colon
    assert f"- {age}{colon}" in text
    if language != "en":
        assert "promise to pay" not in text and "promise_to_pay" not in text
