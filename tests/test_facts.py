"""Facts: one invoice's store records, summarised once per pass for the decisions."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailbot.records.facts import Facts, group_facts
from mailbot.records.summary import SUMMARY_LAYOUT, from_summary, summary_of
from mailbot.state.store import Event, OutboxRow, Store, iso

NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)


def _row(kind: str, step: int = 0, status: str = "sent", at: str = "2026-11-02T10:00:00+00:00") -> OutboxRow:
    return OutboxRow(
        1, "A-1", kind, step, f"<{kind}{step}@x>", status, at, at if status == "sent" else None, 1, None
    )


def _reply(intent: str, trusted: bool = True, at: str = "2026-11-03T10:00:00+00:00", **extra) -> Event:
    return Event("A-1", at, "reply", intent=intent, trusted=trusted, **extra)


def test_a_follow_up_counts_as_tried_even_when_its_send_failed():
    facts = Facts([_row("invoice"), _row("reminder", 101, status="failed"), _row("reminder", 1)])
    assert facts.follow_ups == (101,)
    assert facts.refused  # a refused reminder makes the invoice undeliverable
    assert facts.sent_reminders == 1 and facts.ladder_last == 1


def test_the_latest_sent_reminder_and_chase_mail_are_found_whatever_the_row_order():
    late, early = "2026-11-20T09:00:00+00:00", "2026-11-10T09:00:00+00:00"
    facts = Facts([_row("reminder", 2, at=late), _row("reminder", 1, at=early), _row("ack", 1, "claimed")])
    assert facts.last_reminder_at == late
    assert facts.last_chase_at == late
    assert facts.ladder_last == 2


def test_resume_forgets_what_the_client_said_but_keeps_counting_replies():
    events = [
        _reply("dispute"),
        Event("A-1", "2026-11-04T10:00:00+00:00", "resume"),
        _reply("promise_to_pay", at="2026-11-05T10:00:00+00:00", until="2026-11-12"),
        _reply("payment_claimed", trusted=False, at="2026-11-06T10:00:00+00:00"),
    ]
    facts = Facts((), events)
    assert not facts.held and facts.unacked == ()  # the dispute before the resume: forgotten
    assert facts.said == ("promise_to_pay", "2026-11-12")
    assert facts.commitment == (2, events[2])  # an untrusted claim commits nobody
    assert facts.last_wait_at == "2026-11-06T10:00:00+00:00"
    assert facts.last_reply == ("payment_claimed", "2026-11-06T10:00:00+00:00", False)  # (status shows it)
    assert from_summary("A-1", **summary_of(facts)).last_reply == facts.last_reply


def test_pause_payments_and_a_permanent_bounce_are_read_once():
    events = [
        Event("A-1", "2026-11-03T10:00:00+00:00", "pause", until="2026-11-30"),
        Event(
            "A-1",
            "2026-11-04T10:00:00+00:00",
            "payment",
            detail=json.dumps({"amount": "10.50", "on": "2026-11-04"}),
        ),
        _reply("bounce", detail=json.dumps({"permanent": True})),
        _reply("auto_reply", trusted=False, at="2026-11-07T10:00:00+00:00"),
    ]
    facts = Facts((), events)
    assert facts.pause == date(2026, 11, 30)
    assert str(facts.paid_in()) == "10.50"
    assert facts.bounced
    assert facts.away is events[3]


def test_group_facts_summarises_each_invoice_from_the_store_projection(tmp_path):
    with Store(tmp_path / "s.db") as store:
        store.claim("A-1", "invoice", 0, "<a@x>", NOW)
        store.add_event(
            Event(
                "A-1",
                iso(NOW),
                "reply",
                message_id="<r@c>",
                intent="bounce",
                trusted=True,
                detail=json.dumps({"permanent": True, "subject": "Undelivered"}),
            )
        )
        store.add_event(
            Event(
                "A-1",
                iso(NOW),
                "reply",
                message_id="<s@c>",
                intent="thanks",
                trusted=True,
                detail=json.dumps({"subject": "Thanks!"}),
            )
        )
        store.add_event(
            Event("B-2", iso(NOW), "payment", detail=json.dumps({"amount": "5", "on": "2026-11-22"}))
        )
        store.add_event(Event("B-2", iso(NOW), "note", detail="called"))
        outbox, events = store.decision_outbox(), store.decision_events()
    # Only what decisions read: no Message-IDs, no reply texts (but a bounce's and a payment's detail).
    assert [(r.invoice, r.kind, r.status, r.claimed_at) for r in outbox] == [
        ("A-1", "invoice", "claimed", iso(NOW))
    ]
    assert not hasattr(outbox[0], "message_id")
    assert [(e.type, e.message_id, e.detail is not None) for e in events] == [
        ("reply", None, True),
        ("reply", None, False),
        ("payment", None, True),
    ]
    facts = group_facts(outbox, events)
    assert facts["A-1"].bounced and facts["A-1"].row("invoice").status == "claimed"
    assert facts["A-1"].invoice_status == "claimed" and not facts["A-1"].invoice_sent
    assert str(facts["B-2"].paid_in()) == "5"


def _state_file_at(path, version: int):
    """A state file as mailbot ``version`` of the schema left it (open, for more writes)."""
    import sqlite3

    from mailbot.state.schema import MIGRATIONS

    db = sqlite3.connect(path)
    for step in range(1, version + 1):
        for statement in MIGRATIONS[step].split(";\n"):
            if statement.strip():
                db.execute(statement)
    db.execute(f"PRAGMA user_version = {version}")
    return db


def _state_file_with_a_sent_invoice(path, version: int):
    """An older state file in which invoice A-1 went out (open, for more writes)."""
    db = _state_file_at(path, version)
    db.execute("INSERT INTO outbox (invoice, kind, step, message_id, status, claimed_at, sent_at) "
               "VALUES ('A-1', 'invoice', 0, '<a@x>', 'sent', ?, ?)", (iso(NOW), iso(NOW)))  # fmt: skip
    return db


def _same_as_records(store: Store) -> None:
    """The stored summaries say what summarising the records again says."""
    stored = store.decision_facts()
    fresh = group_facts(store.decision_outbox(), store.decision_events())
    empty = summary_of(Facts())  # an invoice with only notes has no records that decide anything
    for key in stored.keys() | fresh.keys():
        assert (summary_of(stored[key]) if key in stored else empty) == (
            summary_of(fresh[key]) if key in fresh else empty
        ), key


OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["claim", "sent", "failed", "retry", "release", "reply", "payment", "pause",
                         "resume", "note", "decide"]),
        st.sampled_from(["A-1", "B-2", "C-3"]),
        st.integers(0, 3),
        st.sampled_from(["promise_to_pay", "payment_claimed", "dispute", "auto_reply", "bounce", "thanks"]),
        st.booleans(),
    ),
    max_size=40,
)  # fmt: skip


@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
@given(OPERATIONS)
def test_stored_summaries_follow_every_write(tmp_path_factory, operations):
    """Whatever is written in whatever order, the next pass reads what the records say."""
    path = tmp_path_factory.mktemp("s") / "s.db"
    with Store(path) as store:
        for n, (op, invoice, step, intent, flag) in enumerate(operations):
            at = iso(NOW.replace(minute=n % 60))
            kind = ("invoice", "reminder", "ack", "receipt")[step]
            row = next((r for r in store.outbox(invoice) if r.kind == kind and r.step == step), None)
            if op == "claim":
                store.claim(invoice, kind, step, f"<{n}@x>", NOW)
            elif op in ("sent", "failed", "retry", "release") and row is not None and row.status == "claimed":
                event = Event(invoice, at, "sent", kind=kind, step=step, message_id=row.message_id)
                if op == "sent":
                    store.mark_sent(row, event, NOW)
                elif op == "failed":
                    store.mark_failed(row, event)
                elif op == "retry":
                    store.mark_retry(row, "451")
                else:
                    store.release(row)
            elif op == "reply":
                detail = json.dumps({"permanent": flag}) if intent == "bounce" else None
                store.add_event(Event(invoice, at, "reply", intent=intent, trusted=flag, until="2026-12-01",
                                      detail=detail))  # fmt: skip
            elif op == "payment":
                store.add_event(
                    Event(invoice, at, "payment", detail=json.dumps({"amount": "10", "on": "2026-11-22"}))
                )
            elif op in ("pause", "resume", "note"):
                store.add_event(
                    Event(invoice, at, op, until="2026-12-24" if flag and op == "pause" else None)
                )
            elif op == "decide":
                _same_as_records(store)
        _same_as_records(store)


def test_a_version_2_state_file_is_summarised_on_upgrade(tmp_path):
    path = tmp_path / "s.db"
    db = _state_file_with_a_sent_invoice(path, 2)
    db.execute("INSERT INTO events (invoice, at, type, intent, trusted, until) "
               "VALUES ('A-1', ?, 'reply', 'promise_to_pay', 1, '2026-12-01')", (iso(NOW),))  # fmt: skip
    db.commit()
    db.close()
    with Store(path) as store:
        facts = store.decision_facts()
        assert facts["A-1"].invoice_sent and facts["A-1"].commitment[1].until == "2026-12-01"
        _same_as_records(store)


def test_a_summary_of_another_layout_is_made_again_from_the_records(tmp_path):
    with Store(tmp_path / "s.db") as store:
        store.claim("A-1", "invoice", 0, "<a@x>", NOW)
        store.decision_facts()
        store.db.execute("UPDATE summaries SET layout = ?, invoice_status = NULL", (SUMMARY_LAYOUT - 1,))
        assert store.decision_facts()["A-1"].invoice_row.status == "claimed"
        (layout,) = store.db.execute("SELECT layout FROM summaries WHERE invoice = 'A-1'").fetchone()
        assert layout == SUMMARY_LAYOUT  # and it was stored again


def _stored_summary(store: Store, invoice: str) -> dict:
    cursor = store.db.execute("SELECT * FROM summaries WHERE invoice = ?", (invoice,))
    names = [column[0] for column in cursor.description]
    return {
        name: value for name, value in zip(names, cursor.fetchone(), strict=True) if value not in (None, 0)
    }


def test_a_summary_is_a_row_of_named_columns(tmp_path):
    """Readable with any SQLite tool and by any Python: no marshal, no positions."""
    with Store(tmp_path / "s.db") as store:
        store.claim("A-1", "invoice", 0, "<a@x>", NOW)
        store.add_event(_reply("promise_to_pay", until="2026-12-01"))
        store.add_event(
            Event("A-1", iso(NOW), "payment", detail=json.dumps({"amount": "5.10", "on": "2026-11-22"}))
        )
        store.decision_facts()
        stored = _stored_summary(store, "A-1")
    at = "2026-11-03T10:00:00+00:00"
    assert stored == {
        "invoice": "A-1", "layout": SUMMARY_LAYOUT, "seq": 1, "invoice_status": "claimed", "invoice_at": iso(NOW),
        "last_wait_at": at, "said_intent": "promise_to_pay", "said_until": "2026-12-01",
        "commitment_ordinal": 1, "commitment_at": at, "commitment_intent": "promise_to_pay",
        "commitment_until": "2026-12-01", "last_reply_intent": "promise_to_pay", "last_reply_at": at,
        "last_reply_trusted": 1, "payments": '[{"on":"2026-11-22","amount":"5.10"}]',
    }  # fmt: skip


@pytest.mark.parametrize("damage", [
    "pause = 'someday'", "pause = 3", "payments = 'not json'", "payments = '[{\"on\": \"x\", \"amount\": \"1\"}]'",
    "payments = '[{\"on\": \"2026-11-01\", \"amount\": \"one\"}]'", "unacked = '[[1, \"a\", \"b\"]]'",
    "unacked = '{}'", "follow_ups = '101 x'", "follow_ups = '101  102'",
])  # fmt: skip
def test_a_damaged_summary_is_made_again_from_the_records(tmp_path, damage):
    with Store(tmp_path / "s.db") as store:
        store.claim("A-1", "invoice", 0, "<a@x>", NOW)
        store.claim("B-2", "invoice", 0, "<b@x>", NOW)
        store.decision_facts()
        store.db.execute(f"UPDATE summaries SET invoice_status = NULL, {damage} WHERE invoice = 'A-1'")
        facts = store.decision_facts()
        assert facts["A-1"].invoice_status == "claimed" and facts["B-2"].invoice_status == "claimed"
        _same_as_records(store)  # and it was stored again


def test_a_dry_run_reads_fresh_facts_and_writes_nothing(tmp_path):
    with Store(tmp_path / "s.db") as store:
        store.claim("A-1", "invoice", 0, "<a@x>", NOW)
        store.decision_facts()
        store.add_event(Event("A-1", iso(NOW), "pause"))
        assert store.decision_facts(save=False)["A-1"].pause is True  # the change is seen...
        assert store.db.execute("SELECT count(*) FROM stale").fetchone()[0] == 1  # ...and not stored
        assert _stored_summary(store, "A-1").get("pause") is None
        assert store.decision_facts()["A-1"].pause is True
        assert store.db.execute("SELECT count(*) FROM stale").fetchone()[0] == 0


def test_two_programs_opening_an_old_state_file_at_once_upgrade_it_once(tmp_path):
    import threading

    from mailbot.state.store import SCHEMA_VERSION

    path = tmp_path / "s.db"
    db = _state_file_at(path, 1)
    db.commit()
    db.close()
    errors: list[BaseException] = []

    def open_it() -> None:
        try:
            Store(path).close()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with Store(path) as store:
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_sending_reads_only_the_records_of_the_invoices_it_needs(tmp_path):
    from conftest import write_config

    from mailbot.config.settings import load_settings
    from mailbot.ledger.read import load_ledger

    settings = load_settings(write_config(tmp_path))
    ledger = load_ledger(settings)
    with Store(settings.state_path) as store:
        for number in ledger.invoices:
            store.claim(number, "invoice", 0, f"<{number}@x>", NOW)
            store.mark_sent(store.claimed()[0], Event(number, iso(NOW), "sent", kind="invoice"), NOW)
        store.add_event(Event("2026-004", iso(NOW), "reply", intent="dispute", trusted=True))
        store.claim("2026-001", "reminder", 1, "<r@x>", NOW)
        acme = {i.number for i in ledger.of_client("acme")}
        outbox, events = store.records_of(acme)
    assert {r.invoice for r in outbox} == acme and "2026-004" not in {e.invoice for e in events}
    assert ("2026-001", "reminder", 1) in {(r.invoice, r.kind, r.step) for r in outbox}


def test_only_what_decisions_read_makes_an_invoice_stale(tmp_path):
    def stale(store: Store) -> int:
        return store.db.execute("SELECT count(*) FROM stale").fetchone()[0]

    with Store(tmp_path / "s.db") as store:
        store.claim("A-1", "invoice", 0, "<a@x>", NOW)
        store.decision_facts()
        store.add_event(Event("A-1", iso(NOW), "note", detail="outside business hours"))
        store.add_event(Event("A-1", iso(NOW), "error", detail="451 try later"))
        assert stale(store) == 0  # a pass writes thousands of notes: none is summarised again
        store.add_event(_reply("thanks"))
        assert stale(store) == 1
        store.decision_facts()
        store.db.execute("UPDATE events SET type = 'note' WHERE type = 'reply'")  # another program
        assert stale(store) == 1


def test_a_version_3_state_file_gets_column_summaries_and_the_narrower_triggers(tmp_path):
    path = tmp_path / "s.db"
    db = _state_file_with_a_sent_invoice(path, 3)
    db.execute("INSERT INTO summaries VALUES ('A-1', '[1, \"an old summary\"]')")
    db.execute("DELETE FROM stale")
    db.commit()
    db.close()
    with Store(path) as store:
        assert store.decision_facts()["A-1"].invoice_sent  # summarised again from the records
        store.add_event(Event("A-1", iso(NOW), "note", detail="called"))
        assert store.db.execute("SELECT count(*) FROM stale").fetchone()[0] == 0
        _same_as_records(store)


def test_a_version_4_state_file_gets_its_summaries_made_again(tmp_path):
    path = tmp_path / "s.db"
    db = _state_file_with_a_sent_invoice(path, 4)
    db.execute("INSERT INTO events (invoice, at, type, until) VALUES ('A-1', ?, 'pause', '2026-12-24')",
               (iso(NOW),))  # fmt: skip
    db.execute("INSERT INTO summaries (invoice, layout, sent_reminders, ladder_last) VALUES ('A-1', 2, 0, 0)")
    db.execute("DELETE FROM stale")
    db.commit()
    db.close()
    with Store(path) as store:
        facts = store.decision_facts()["A-1"]
        assert facts.invoice_sent and facts.pause == date(2026, 12, 24)
        _same_as_records(store)


def test_a_version_5_state_file_drops_its_marshal_summaries_and_makes_them_again(tmp_path):
    import marshal

    path = tmp_path / "s.db"
    db = _state_file_with_a_sent_invoice(path, 5)
    db.execute("INSERT INTO events (invoice, at, type, until) VALUES ('A-1', ?, 'pause', '2026-12-24')",
               (iso(NOW),))  # fmt: skip
    db.execute(
        "INSERT INTO summaries VALUES ('A-1', '4/cpython-311/marshal4', ?)", (marshal.dumps((None,) * 21),)
    )
    db.execute("DELETE FROM stale")
    db.commit()
    db.close()
    with Store(path) as store:
        facts = store.decision_facts()["A-1"]
        assert facts.invoice_sent and facts.pause == date(2026, 12, 24)
        stored = _stored_summary(store, "A-1")
        assert stored["layout"] == SUMMARY_LAYOUT and stored["pause"] == "2026-12-24"
        _same_as_records(store)
