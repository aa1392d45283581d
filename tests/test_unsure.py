"""Honest when unsure (issue 13, part 2): a reply mailbot is not sure of changes nothing by
itself; the owner hears of it once, with mailbot's best reading and the command that
settles it; that invoice's next reminder waits ``[replies] unsure_wait_days`` working days,
or until the owner runs ``mailbot confirm`` (which then acts as a confident reading would)
or ``mailbot resume``.

Replies are made unsure here by hand (``Reply(..., unsure=True, confidence=0.55)``, or the
classifier's output patched): which replies the classifier is unsure of is its own tests'
business."""

from __future__ import annotations

import json
import mailbox
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes
from email import policy as email_policy
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import BASE_CONFIG, write_config
from test_chase import _sent
from test_conversation import _invoice

from mailbot.cli.main import main
from mailbot.config.settings import Chase, Client, ConfigError, Settings, load_settings
from mailbot.decide import policy
from mailbot.inbound import apply
from mailbot.inbound.forward import needs_owner, summary
from mailbot.inbound.replies import Reply
from mailbot.ledger.read import load_ledger
from mailbot.records.facts import Facts
from mailbot.records.summary import from_summary, summary_of
from mailbot.service.run_pass import run_once
from mailbot.state.store import Event, Store, detail_json

BERLIN = ZoneInfo("Europe/Berlin")
CLIENT = Client(name="Acme", email="ap@acme.example", timezone="Europe/Berlin")
RULES = Chase(country="DE")
DUE = date(2026, 11, 16)  # a Monday; the friendly reminder went on Tue 17 Nov
REPLY_DAY = date(2026, 11, 18)  # a Wednesday: three working days later is Mon 23 Nov


def _at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=BERLIN)


def _unsure(intent: str, day: date = REPLY_DAY, until: str | None = None, days: int = 3) -> Event:
    """A reply event as ``apply.handle`` records one mailbot was not sure of."""
    detail = detail_json(
        sender="ap@acme.example", confidence=0.55, language="en", unsure=True, wait_days=days
    )
    return Event("A", _at(day, 8).isoformat(), "reply", intent=intent, trusted=True,  # type: ignore[arg-type]
                 message_id="<u1@acme.example>", until=until, detail=detail)  # fmt: skip


def _confirmed(intent: str, day: date, until: str | None = None) -> Event:
    """The event ``mailbot confirm`` records."""
    return Event("A", _at(day, 8).isoformat(), "reply", intent=intent, trusted=True,  # type: ignore[arg-type]
                 until=until, detail=detail_json(confirmed="<u1@acme.example>", by="owner"))  # fmt: skip


OUTBOX = [
    _sent("A", "invoice", date(2026, 11, 2), n=1),
    _sent("A", "reminder", date(2026, 11, 13), step=1, n=2),
    _sent("A", "reminder", date(2026, 11, 17), step=2, n=3),
]


def _decide(events: list[Event], day: date, rules: Chase = RULES) -> list[policy.Action]:
    facts = policy.group_facts(OUTBOX, events)
    return policy.next_actions(
        [_invoice("A", date(2026, 11, 2), DUE)], facts, {"acme": CLIENT}, _at(day), rules
    )


def _mails(actions: list[policy.Action]) -> list[tuple[str, str]]:
    return [(a.kind, a.tone) for a in actions if a.kind not in ("note", "notice")]


# --- Facts and the chase: pure ---------------------------------------------------------


@pytest.mark.parametrize("intent", ["promise_to_pay", "payment_claimed", "dispute", "question"])
def test_an_unsure_reading_changes_no_state_holds_nothing_and_asks_for_no_acknowledgment(intent):
    facts = Facts(OUTBOX, [_unsure(intent, until="2026-12-15")])
    assert (facts.said, facts.unacked, facts.held, facts.commitment) == (None, (), False, None)
    assert facts.unsure is not None and facts.unsure.intent == intent and facts.unsure.days == 3
    invoice = _invoice("A", date(2026, 11, 2), DUE)
    assert policy.state(invoice, facts, REPLY_DAY) == "overdue"  # not promised, claimed or disputed
    assert all(a.kind != "ack" for a in _decide([_unsure(intent)], REPLY_DAY))


@pytest.mark.parametrize("intent", ["promise_to_pay", "other", "thanks", "dispute"])
def test_an_unsure_reply_makes_the_next_reminder_wait_three_working_days_then_it_goes(intent):
    """Wed 18 Nov: an unsure reply. The firm_warm step (due Mon 23 Nov) waits three working
    days (Thu, Fri, Mon) for the owner, and goes on Tuesday."""
    events = [_unsure(intent, until="2026-12-15")]
    monday = _decide(events, date(2026, 11, 23))
    assert _mails(monday) == []
    notes = [a.about for a in monday if a.kind == "note"]
    assert "a reply mailbot was not sure of waits for the owner until 2026-11-23" in notes
    assert _mails(_decide(events, date(2026, 11, 24))) == [("reminder", "firm_warm")]
    without = _decide([], date(2026, 11, 23))  # (what the wait held back)
    assert _mails(without) == [("reminder", "firm_warm")]


def test_the_wait_counts_working_days_on_the_clients_calendar():
    """Thu 24 Dec: three working days in Germany skip Christmas (25, 26) and the weekend:
    Mon 28, Tue 29, Wed 30; the reminder waits for Thursday 31 Dec."""
    day = date(2026, 12, 24)
    facts = policy.group_facts(OUTBOX, [_unsure("other", day=day)])
    found = policy.next_action(
        _invoice("A", date(2026, 11, 2), DUE), facts["A"], day, CLIENT, RULES, _at(day)
    )
    assert found == {"kind": "reminder", "on": "2026-12-31"}


def test_unsure_wait_days_zero_means_no_wait_but_still_no_state_change():
    events = [_unsure("promise_to_pay", until="2026-12-15", days=0)]
    assert _mails(_decide(events, date(2026, 11, 23))) == [("reminder", "firm_warm")]


def test_a_confirmed_promise_makes_the_invoice_promised_with_its_date_and_ends_the_wait():
    events = [
        _unsure("promise_to_pay", until="2026-12-14"),
        _confirmed("promise_to_pay", date(2026, 11, 19), "2026-12-15"),
    ]
    facts = Facts(OUTBOX, events)
    assert facts.unsure is None
    assert facts.said == ("promise_to_pay", "2026-12-15")
    invoice = _invoice("A", date(2026, 11, 2), DUE)
    assert policy.state(invoice, facts, date(2026, 11, 19)) == "promised"
    assert _mails(_decide(events, date(2026, 11, 24))) == []  # the promise holds the ladder now
    # 15 Dec (Tue) + 2 working days of grace: the follow-up on Fri 18 Dec.
    assert _mails(_decide(events, date(2026, 12, 17))) == []
    assert _mails(_decide(events, date(2026, 12, 18))) == [("reminder", "promise_followup")]


def test_a_confirmed_claim_gets_the_acknowledgment_a_confident_one_would():
    events = [_unsure("other"), _confirmed("payment_claimed", date(2026, 11, 19))]
    actions = _decide(events, date(2026, 11, 19))
    assert [(a.kind, a.about) for a in actions if a.kind == "ack"] == [("ack", "payment_claimed")]


def test_confirming_other_only_ends_the_wait():
    events = [_unsure("promise_to_pay", until="2026-12-15"), _confirmed("other", date(2026, 11, 19))]
    facts = Facts(OUTBOX, events)
    assert (facts.unsure, facts.said, facts.commitment) == (None, None, None)
    assert _mails(_decide(events, date(2026, 11, 23))) == [("reminder", "firm_warm")]


def test_resume_ends_the_wait():
    events = [_unsure("dispute"), Event("A", _at(date(2026, 11, 19), 8).isoformat(), "resume")]
    assert Facts(OUTBOX, events).unsure is None
    assert _mails(_decide(events, date(2026, 11, 23))) == [("reminder", "firm_warm")]


def test_an_unsure_reply_after_a_promise_keeps_the_promise_and_adds_the_wait():
    promise = Event("A", _at(date(2026, 11, 17), 12).isoformat(), "reply", intent="promise_to_pay",
                    trusted=True, until="2026-11-18")  # fmt: skip
    events = [promise, _unsure("dispute")]
    facts = Facts(OUTBOX, events)
    assert facts.said == ("promise_to_pay", "2026-11-18") and not facts.held
    # The follow-up was due Mon 23 Nov (18 Nov + 2 working days, then the next one): the wait
    # for the owner moves it to Tuesday.
    assert _mails(_decide(events, date(2026, 11, 23))) == []
    assert _mails(_decide(events, date(2026, 11, 24))) == [("reminder", "promise_followup")]


def test_a_stored_summary_keeps_the_unsure_reply_and_decides_the_same():
    events = [_unsure("promise_to_pay", until="2026-12-15")]
    facts = Facts(OUTBOX, events)
    again = from_summary("A", **summary_of(facts))
    assert again.unsure == facts.unsure
    assert from_summary("A", **summary_of(Facts(OUTBOX, []))).unsure is None


def test_the_store_keeps_what_decisions_need_of_an_unsure_reply(tmp_path):
    with Store(tmp_path / "s.db") as store:
        store.claim("A", "invoice", 0, "<a@x>", _at(date(2026, 11, 2)))
        store.add_event(_unsure("promise_to_pay", until="2026-12-15"))
        assert store.decision_facts()["A"].unsure is not None  # summarised from the records
        assert store.decision_facts()["A"].unsure is not None  # and read back from the summary
        store.add_event(_confirmed("promise_to_pay", date(2026, 11, 19), "2026-12-15"))
        facts = store.decision_facts()["A"]
        assert facts.unsure is None and facts.said == ("promise_to_pay", "2026-12-15")


# --- The forward to the owner ----------------------------------------------------------


def _reply(intent: str, **extra) -> Reply:
    base = Reply("<u1@acme.example>", "ap@acme.example", "Re: Invoice 2026-004", None, intent,  # type: ignore[arg-type]
                 invoice="2026-004", client="acme", trusted=True, trust_reason="known sender",
                 confidence=0.55, unsure=True)  # fmt: skip
    return replace(base, **extra)


def test_an_unsure_promise_goes_to_the_owner_with_the_reading_in_words_and_the_command():
    reply = _reply("promise_to_pay", date=date(2026, 12, 15), phrase="should go out around the 15th")
    assert needs_owner(reply) == "unsure"
    line = summary(reply, "unsure", 3)
    assert "mailbot reads this as a promise to pay on 15 Dec 2026, but is not sure (0.55" in line
    assert '"should go out around the 15th"' in line
    assert "`mailbot confirm 2026-004 promise 2026-12-15`" in line
    assert "`mailbot confirm 2026-004 other` if it is none" in line
    assert "resume" not in line  # (it would forget a payment claim made before, too)
    assert "waits 3 working days" in line


def test_an_unsure_other_asks_the_owner_what_it_is():
    line = summary(_reply("other", new_words="Hmm, the second line looks odd to us."), "unsure", 3)
    assert "reads this as nothing mailbot acts on" in line
    assert "`mailbot confirm 2026-004 other`" in line and "promise [YYYY-MM-DD]" in line


def test_an_unsure_reading_is_not_forwarded_twice_nor_a_confident_one_once_more():
    assert needs_owner(_reply("thanks")) == "unsure"
    assert needs_owner(_reply("thanks", unsure=False)) == ""  # confident thanks: mailbot handles it
    assert needs_owner(_reply("dispute", unsure=False)) == "dispute"


def test_contact_changes_and_untrusted_claims_keep_their_own_reasons():
    assert needs_owner(_reply("contact_change")) == "contact_change"
    assert (
        needs_owner(_reply("payment_claimed", trusted=False, trust_reason="unknown sender"))
        == "payment_claimed"
    )
    assert needs_owner(_reply("payment_claimed")) == "unsure"  # a verified sender's unsure claim


def test_an_unsure_reading_without_an_invoice_is_unmatched_and_a_list_mail_never_unsure():
    assert needs_owner(_reply("promise_to_pay", invoice="")) == "unmatched"
    assert needs_owner(_reply("other", auto=True)) == ""


# --- Config ----------------------------------------------------------------------------


def test_replies_section_defaults_and_environment_overrides(tmp_path, monkeypatch):
    config = write_config(tmp_path)
    settings = load_settings(config)
    assert (settings.replies.min_confidence, settings.replies.unsure_wait_days) == (0.7, 3)
    monkeypatch.setenv("MAILBOT_REPLIES__MIN_CONFIDENCE", "0.85")
    monkeypatch.setenv("MAILBOT_REPLIES__UNSURE_WAIT_DAYS", "5")
    settings = load_settings(config)
    assert (settings.replies.min_confidence, settings.replies.unsure_wait_days) == (0.85, 5)
    with Store(settings.state_path) as store:
        known = apply.known_world(settings, load_ledger(settings), store, datetime.now(UTC))
    assert known.min_confidence == 0.85


@pytest.mark.parametrize(("key", "value"), [("min_confidence", "1.5"), ("min_confidence", "-0.1"),
                                            ("unsure_wait_days", "31"), ("unsure_wait_days", "-1")])  # fmt: skip
def test_replies_values_out_of_bounds_are_config_errors_naming_the_line(tmp_path, key, value):
    config = write_config(tmp_path, extra=f"\n[replies]\n{key} = {value}\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(config)
    (problem,) = caught.value.problems
    assert problem.line == len(config.read_text().splitlines()) and f"[replies] {key}" in problem.message


def test_the_shipped_config_sets_both_replies_keys():
    text = (Path(__file__).parent.parent / "config" / "mailbot.toml").read_text(encoding="utf-8")
    assert "[replies]" in text and "min_confidence = 0.7" in text and "unsure_wait_days = 3" in text


# --- mailbot confirm, status and history -----------------------------------------------


def _with_unsure_reply(tmp_path: Path, intent: str = "promise_to_pay") -> Path:
    config = write_config(tmp_path)
    settings = load_settings(config)
    with Store(settings.state_path) as store:
        store.claim("2026-004", "invoice", 0, "<inv@muster-design.example>", _at(date(2026, 11, 9)))
        store.add_event(replace(_unsure(intent, until="2026-12-15"), invoice="2026-004"))
    return config


def test_confirm_records_the_owners_reading_as_a_trusted_reply_and_says_what_it_did(tmp_path, capsys):
    config = _with_unsure_reply(tmp_path)
    assert main(["--config", str(config), "confirm", "2026-004", "promise", "2026-12-15"]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith("confirmed the reply <u1@acme.example> of ")
    assert "on 2026-004 as a promise to pay on 15 Dec 2026: reminders wait for that day" in line
    assert main(["--config", str(config), "history", "2026-004", "--json"]) == 0
    confirmed = json.loads(capsys.readouterr().out)[-1]
    assert (confirmed["type"], confirmed["intent"], confirmed["trusted"], confirmed["until"]) == (
        "reply", "promise_to_pay", True, "2026-12-15")  # fmt: skip
    assert json.loads(confirmed["detail"]) == {"by": "owner", "confirmed": "<u1@acme.example>"}
    # Confirmed once, the owner may correct it: the later confirmation is the reading.
    assert main(["--config", str(config), "confirm", "2026-004", "promise", "2026-12-18"]) == 0
    capsys.readouterr()
    assert main(["--config", str(config), "history", "2026-004", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[-1]["until"] == "2026-12-18"


def test_confirm_without_an_unsure_reply_is_refused(tmp_path, capsys):
    config = write_config(tmp_path)
    assert main(["--config", str(config), "confirm", "2026-004", "paid"]) == 1
    assert "invoice 2026-004: no reply waits for you to confirm its reading" in capsys.readouterr().err


def test_confirm_of_an_unknown_invoice_is_refused(tmp_path, capsys):
    config = _with_unsure_reply(tmp_path)
    assert main(["--config", str(config), "confirm", "2099-999", "other"]) == 1
    assert "no invoice '2099-999'" in capsys.readouterr().err


def test_confirm_with_a_bad_date_or_a_date_on_another_intent_is_refused(tmp_path, capsys):
    config = _with_unsure_reply(tmp_path)
    with pytest.raises(SystemExit) as usage:  # bad usage, as every command's dates
        main(["--config", str(config), "confirm", "2026-004", "promise", "15.12.2026"])
    assert usage.value.code == 2
    assert "'15.12.2026' is not a date like 2026-12-01" in capsys.readouterr().err
    with pytest.raises(SystemExit) as usage:
        main(["--config", str(config), "confirm", "2026-004", "dispute", "2026-12-15"])
    assert usage.value.code == 2
    assert "a date goes only with `promise`" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--config", str(config), "confirm", "2026-004", "maybe"])  # not an intent: usage
    with Store(load_settings(config).state_path) as store:
        assert Facts((), store.events("2026-004")).unsure is not None  # nothing was recorded


def test_status_and_history_show_an_unsure_reply_with_its_confidence_and_reading(tmp_path, capsys):
    config = _with_unsure_reply(tmp_path)
    assert main(["--config", str(config), "status", "--json"]) == 0
    row = next(r for r in json.loads(capsys.readouterr().out) if r["invoice"] == "2026-004")
    assert row["state"] != "promised"
    assert row["last_reply"] == {"intent": "promise_to_pay", "at": "2026-11-18T08:00:00+01:00", "trusted": True,
                                 "unsure": True, "confidence": 0.55, "reading": "a promise to pay on 15 Dec 2026"}  # fmt: skip
    assert main(["--config", str(config), "history", "2026-004", "--json"]) == 0
    reply = json.loads(capsys.readouterr().out)[-1]
    assert (reply["unsure"], reply["confidence"], reply["reading"]) == (
        True,
        0.55,
        "a promise to pay on 15 Dec 2026",
    )


# --- End to end: the real pass over a Maildir inbox --------------------------------------

E2E_LEDGER = """\
invoice,client,issue_date,due_date,description,quantity,unit,unit_price,tax_rate,discount
U-1,acme,2026-11-02,2026-11-16,Brand workshop,1,day,1200.00,19,
"""


def _e2e_settings(tmp_path: Path) -> Settings:
    base = BASE_CONFIG.replace("enabled = false", 'country = "DE"\n#')
    return load_settings(write_config(tmp_path, ledger=E2E_LEDGER, base=base))


def _sent_mails(settings: Settings) -> list[EmailMessage]:
    box = mailbox.Maildir(settings.mail_dir / "outbox", create=False)
    found = []
    for key in box.iterkeys():
        with box.get_file(key) as handle:
            found.append(message_from_bytes(handle.read(), policy=email_policy.default))
    return sorted(found, key=lambda m: m["Date"].datetime)  # type: ignore[misc]


def _client_mails(settings: Settings) -> list[tuple[str, str]]:
    """(client's day, kind) of each mail to the client after the invoice."""
    return [(m["Date"].datetime.astimezone(BERLIN).date().isoformat(), str(m["X-Mailbot"] or m["Subject"]))
            for m in _sent_mails(settings) if "ap@acme.example" in str(m["To"])]  # fmt: skip


def _text(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    return body.get_content() if body is not None else ""


def _live(settings: Settings, first: date, last: date) -> None:
    day = first
    while day <= last:
        run_once(settings, _at(day).astimezone(UTC))
        day += timedelta(days=1)


def test_an_unsure_promise_through_the_real_pass_waits_for_the_owner_who_confirms_it(
    tmp_path, monkeypatch, capsys
):
    settings = _e2e_settings(tmp_path)
    _live(settings, date(2026, 11, 2), date(2026, 11, 17))  # the invoice, the heads-up, the friendly one
    before = len(_client_mails(settings))
    with Store(settings.state_path) as store:
        (invoice_id,) = [r.message_id for r in store.outbox("U-1") if r.kind == "invoice"]
    raw = (
        "From: Jane Smith <ap@acme.example>\r\nTo: billing@muster-design.example\r\n"
        f"Subject: Re: Invoice U-1\r\nIn-Reply-To: {invoice_id}\r\nMessage-ID: <unsure-1@acme.example>\r\n"
        f"Date: {format_datetime(_at(REPLY_DAY, 9))}\r\n\r\n"
        "Thanks! Our payment run should pick this up mid-December, around the 15th I think.\r\n"
    ).encode()
    mailbox.Maildir(settings.mail_dir / "inbox", create=True).add(raw)
    real = apply.classify

    def unsure(raw: bytes, known):  # the classifier's output, patched: this reading is unsure
        found = real(raw, known)
        if found.message_id != "<unsure-1@acme.example>":
            return found
        return replace(found, intent="promise_to_pay", date=date(2026, 12, 15), phrase="around the 15th",
                       confidence=0.55, unsure=True)  # fmt: skip

    monkeypatch.setattr(apply, "classify", unsure)
    _live(settings, REPLY_DAY, REPLY_DAY)
    forwards = [m for m in _sent_mails(settings) if m["X-Mailbot"] == "forward"]
    assert len(forwards) == 1  # one forward, with the reading and the command
    (forward,) = forwards
    assert str(forward["To"]) == "billing@muster-design.example"
    assert str(forward["Subject"]).startswith("[mailbot] not sure: Re: Invoice U-1")
    text = " ".join(_text(forward).split())
    assert "mailbot reads this as a promise to pay on 15 Dec 2026, but is not sure (0.55" in text
    assert "`mailbot confirm U-1 promise 2026-12-15`" in text
    assert len(_client_mails(settings)) == before  # no acknowledgment to the client
    with Store(settings.state_path) as store:
        (reply,) = [e for e in store.events("U-1") if e.type == "reply"]
    detail = json.loads(reply.detail or "{}")
    assert (detail["unsure"], detail["confidence"], detail["wait_days"]) == (True, 0.55, 3)
    assert reply.intent == "promise_to_pay" and reply.until == "2026-12-15"

    # The firm_warm step was due Mon 23 Nov: it waits three working days for the owner.
    _live(settings, date(2026, 11, 19), date(2026, 11, 23))
    assert len(_client_mails(settings)) == before
    monkeypatch.setattr("mailbot.cli.reports.utcnow", lambda: _at(date(2026, 11, 23), 12).astimezone(UTC))
    assert main(["--config", str(settings.config_path), "status", "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["state"] == "overdue" and row["last_reply"]["unsure"] is True
    assert row["next_action"] == {"kind": "reminder", "on": "2026-11-24"}
    with Store(settings.state_path) as store:
        notes = {e.detail for e in store.events("U-1") if e.type == "note"}
    assert "a reply mailbot was not sure of waits for the owner until 2026-11-23" in notes

    # Mon 23 Nov, 16:00: the owner confirms the promise. Then nothing until the follow-up.
    monkeypatch.setattr("mailbot.cli.owner.utcnow", lambda: _at(date(2026, 11, 23), 16).astimezone(UTC))
    assert main(["--config", str(settings.config_path), "confirm", "U-1", "promise", "2026-12-15"]) == 0
    assert "as a promise to pay on 15 Dec 2026" in capsys.readouterr().out
    _live(settings, date(2026, 11, 24), date(2026, 12, 18))
    monkeypatch.setattr("mailbot.cli.reports.utcnow", lambda: _at(date(2026, 12, 18), 12).astimezone(UTC))
    after = _client_mails(settings)[before:]
    assert len(after) == 1, after  # Tue 15 Dec + 2 working days of grace: Fri 18 Dec
    assert after[0][0] == "2026-12-18"
    assert main(["--config", str(settings.config_path), "status", "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert "unsure" not in row["last_reply"]


def test_confirm_refuses_a_promise_day_before_the_reply(tmp_path, capsys):
    config = _with_unsure_reply(tmp_path)
    assert main(["--config", str(config), "confirm", "2026-004", "promise", "2026-11-01"]) == 1
    assert "is before the reply" in capsys.readouterr().err
