"""The owner's daily digest (issue 16 part 6): its content is a pure function of the
records, tested directly; then the passes on the Maildir default with ``now`` passed in
(once a day at the owner's hour, whatever the restarts; nothing on a quiet day), and a
real SMTP server (aiosmtpd)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from conftest import BASE_LEDGER, write_config

from mailbot.config.settings import load_settings
from mailbot.decide.aging import aging_rows
from mailbot.decide.daily import build_daily
from mailbot.decide.forecast import Planned
from mailbot.ledger.read import load_ledger
from mailbot.records.rows import Event, iso
from mailbot.service.daily_digest import DAILY, due_day
from mailbot.service.owner import mark_paid
from mailbot.service.run_pass import run_once
from mailbot.service.starter import write_starter
from mailbot.state.store import Store

DIGEST = '\n[digest]\nenabled = true\nhour = 8\ntimezone = "Europe/Berlin"\nlanguage = "{language}"\n'
NOW = datetime(2026, 11, 21, 7, 30, tzinfo=UTC)  # 08:30 in Berlin
LEDGER = BASE_LEDGER + "2026-002,acme,2026-11-05,2026-11-19,Extra hours,1,h,100.00,19,\n"
NAMES = {"acme": "Acme Ltd", "kaiser": "Kaiser & Söhne GmbH"}


def _config(tmp_path: Path, language: str = "en", extra: str = "") -> Path:
    return write_config(tmp_path, DIGEST.format(language=language) + extra, ledger=LEDGER)


def _ledger(tmp_path: Path):
    return load_ledger(load_settings(_config(tmp_path)))


def _build(tmp_path: Path, events: list[Event], plan: list[Planned] = ()):  # type: ignore[assignment]
    ledger = _ledger(tmp_path)
    return build_daily(
        events, ledger, {}, list(plan), NOW, date(2026, 11, 21), NOW - timedelta(days=1), NAMES
    )


def _sent(invoice: str, kind: str, message_id: str, step: int = 0) -> Event:
    return Event(invoice, iso(NOW - timedelta(hours=3)), "sent", kind=kind, step=step, message_id=message_id)


def _reply(invoice: str, intent: str, **detail) -> Event:
    trusted = detail.pop("trusted", True)
    until = detail.pop("until", None)
    body = json.dumps({"sender": "ap@acme.example", **detail})
    return Event(invoice, iso(NOW - timedelta(hours=2)), "reply", intent=intent, trusted=trusted,  # type: ignore[arg-type]
                 until=until, detail=body)  # fmt: skip


def _payment(invoice: str, amount: str, **detail) -> Event:
    body = json.dumps({"amount": amount, "on": "2026-11-20", **detail})
    return Event(invoice, iso(NOW - timedelta(hours=1)), "payment", detail=body)


def test_sent_mails_are_listed_per_client_one_entry_per_mail(tmp_path):
    digest = _build(tmp_path, [
        _sent("2026-001", "invoice", "<a@x>"), _sent("2026-004", "reminder", "<b@x>", 1),
        _sent("2026-001", "reminder", "<c@x>", 1),
    ])  # fmt: skip
    by_client = {c.client: [(m.kind, m.invoices) for m in c.mails] for c in digest.sent}
    assert by_client == {"acme": [("invoice", ("2026-001",)), ("reminder", ("2026-001",))],
                         "kaiser": [("reminder", ("2026-004",))]}  # fmt: skip
    assert [c.name for c in digest.sent] == ["Acme Ltd", "Kaiser & Söhne GmbH"]
    assert digest.news


def test_one_grouped_reminder_about_two_invoices_is_one_mail(tmp_path):
    digest = _build(
        tmp_path, [_sent("2026-001", "reminder", "<g@x>", 1), _sent("2026-002", "reminder", "<g@x>", 1)]
    )
    (mail,) = [m for c in digest.sent for m in c.mails]
    assert mail.invoices == ("2026-001", "2026-002")


def test_a_dispute_waits_for_the_owner_with_the_command_that_settles_it(tmp_path):
    (reply,) = _build(tmp_path, [_reply("2026-001", "dispute")]).replies
    assert (reply.why, reply.invoice, reply.client) == ("dispute", "2026-001", "acme")
    assert reply.command == "mailbot resume 2026-001"


def test_a_reply_the_owner_settled_since_is_not_listed(tmp_path):
    resumed = Event("2026-001", iso(NOW), "resume")
    confirmed = _reply("2026-004", "promise_to_pay", confirmed="<m@x>", by="owner")
    events = [_reply("2026-001", "question"), resumed, _reply("2026-004", "other", unsure=True), confirmed]
    assert _build(tmp_path, events).replies == ()


def test_an_unsure_reading_offers_confirm_with_the_promised_day(tmp_path):
    (reply,) = _build(
        tmp_path, [_reply("2026-004", "promise_to_pay", unsure=True, until="2026-12-01")]
    ).replies
    assert (reply.why, reply.reading) == ("unsure", "promise_to_pay")
    assert reply.command == "mailbot confirm 2026-004 promise 2026-12-01"
    (reply,) = _build(tmp_path, [_reply("2026-004", "dispute", unsure=True)]).replies
    assert reply.command == "mailbot confirm 2026-004 dispute"


def test_contact_change_and_an_unverified_paid_claim_need_the_owner_a_thank_you_does_not(tmp_path):
    events = [_reply("2026-001", "contact_change", auto=True), _reply("2026-004", "payment_claimed", trusted=False),
              _reply("2026-001", "thanks")]  # fmt: skip
    found = {r.invoice: (r.why, r.command) for r in _build(tmp_path, events).replies}
    assert found == {
        "2026-001": ("contact_change", "mailbot resume 2026-001"),  # (once it was dealt with)
        "2026-004": ("payment_claimed", "mailbot mark-paid 2026-004"),
    }


def test_a_payment_read_from_a_notification_is_marked_automatic(tmp_path):
    events = [_payment("2026-001", "3998.40", source="PayPal", kind="paypal", evidence="<n@paypal.com>"),
              _payment("2026-004", "100.00"), _payment("2026-004", "-100.00", source="correction")]  # fmt: skip
    lines = [
        (p.invoice, p.amount, p.currency, p.source, p.automatic) for p in _build(tmp_path, events).payments
    ]
    assert lines == [
        ("2026-001", Decimal("3998.40"), "EUR", "PayPal", True),
        ("2026-004", Decimal("100.00"), "EUR", "mark-paid", False),
        ("2026-004", Decimal("-100.00"), "EUR", "correction", False),
    ]


def test_payments_from_a_bank_statement_in_a_believed_bank_mail_are_marked_automatic(tmp_path):
    at = iso(NOW)
    mail = Event(
        "",
        at,
        "reply",
        intent="other",
        trusted=True,
        detail=json.dumps({"sender": "kontoinfo@db.com", "payment_source": "Deutsche Bank"}),
    )
    by_mail = Event(
        "2026-001",
        at,
        "payment",
        detail=json.dumps({"amount": "10.00", "on": "2026-11-20", "source": "camt"}),
    )
    by_file = Event(
        "2026-004",
        iso(NOW - timedelta(hours=1)),
        "payment",
        detail=json.dumps({"amount": "20.00", "on": "2026-11-20", "source": "camt"}),
    )
    found = [(p.invoice, p.source, p.automatic) for p in _build(tmp_path, [mail, by_mail, by_file]).payments]
    assert found == [("2026-001", "Deutsche Bank", True), ("2026-004", "camt", False)]


def test_a_payment_notification_not_believed_or_not_placed_needs_the_owner(tmp_path):
    forged = Event(
        "",
        iso(NOW),
        "reply",
        intent="other",
        trusted=False,
        detail=json.dumps({"sender": "service@paypa1.com", "payment_source": "PayPal"}),
    )
    unplaced = Event(
        "",
        iso(NOW),
        "reply",
        intent="other",
        trusted=True,
        detail=json.dumps(
            {
                "sender": "kontoinfo@db.com",
                "payment_source": "Deutsche Bank",
                "for_owner": ["500.00 EUR: no invoice"],
            }
        ),
    )
    placed = Event(
        "",
        iso(NOW),
        "reply",
        intent="other",
        trusted=True,
        detail=json.dumps({"sender": "service@paypal.de", "payment_source": "PayPal"}),
    )
    found = [(r.why, r.sender, r.reading) for r in _build(tmp_path, [forged, unplaced, placed]).replies]
    assert found == [
        ("payment_untrusted", "service@paypa1.com", "PayPal"),
        ("payment_unplaced", "kontoinfo@db.com", "500.00 EUR: no invoice"),
    ]


def test_receivables_are_the_aging_totals_per_currency(tmp_path):
    config = _config(tmp_path)
    settings = load_settings(config)
    run_once(settings, datetime(2026, 11, 20, 6, 0, tzinfo=UTC))  # the invoices go out
    ledger = load_ledger(settings)
    with Store(settings.state_path) as store:
        facts = store.decision_facts(save=False)
    digest = build_daily([], ledger, facts, [], NOW, date(2026, 11, 21), NOW, NAMES)
    (total,) = digest.receivables
    (expected,) = [r for r in aging_rows(ledger, facts, date(2026, 11, 21)) if r["client"] == "(all)"]
    assert (total.currency, str(total.total)) == ("EUR", expected["total"])
    assert dict(total.buckets)["1_30"] == Decimal(expected["1_30"]) > 0  # 2026-001: due 16 Nov
    assert not digest.news  # the receivables alone are no news


def test_the_plan_beyond_the_coming_week_is_left_out(tmp_path):
    def planned(day: int) -> Planned:
        return Planned(
            NOW, date(2026, 11, day), "acme", "reminder", "friendly", ("2026-001",), Decimal(1), "EUR", ""
        )

    digest = _build(tmp_path, [], [planned(21), planned(27), planned(28)])
    assert [p.on.day for p in digest.upcoming] == [21, 27]


def test_a_long_week_ahead_is_cut_to_its_first_mails_and_a_count(tmp_path):
    from mailbot.outbound.daily import LONGEST, render_daily
    from mailbot.outbound.render import Renderer

    def planned(n: int) -> Planned:
        return Planned(NOW, date(2026, 11, 22), "acme", "reminder", "", (f"X-{n}",), Decimal(1), "EUR", "")

    digest = _build(tmp_path, [], [planned(n) for n in range(LONGEST + 2)])
    settings = load_settings(_config(tmp_path / "de", language="de"))
    text = render_daily(Renderer(), digest, settings).text
    assert f"X-{LONGEST - 1} (" in text and f"X-{LONGEST} (" not in text
    assert "und 2 weitere Mails" in text


def test_the_digest_is_due_at_the_owners_hour_in_the_owners_time_zone(tmp_path):
    settings = load_settings(_config(tmp_path))
    assert due_day(settings, datetime(2026, 11, 21, 6, 59, tzinfo=UTC)) is None  # 07:59 in Berlin
    assert due_day(settings, datetime(2026, 11, 21, 7, 0, tzinfo=UTC)) == date(2026, 11, 21)
    assert due_day(settings, datetime(2026, 11, 21, 23, 30, tzinfo=UTC)) is None  # 00:30 on the 22nd there
    assert due_day(settings, datetime(2026, 11, 22, 22, 59, tzinfo=UTC)) == date(2026, 11, 22)


def test_off_in_the_shipped_sample_and_on_in_the_starter(tmp_path):
    root = Path(__file__).resolve().parent.parent
    assert not load_settings(root / "config" / "mailbot.toml").digest.enabled
    write_starter(tmp_path / "new")
    assert load_settings(tmp_path / "new" / "mailbot.toml").digest.enabled
    assert not load_settings(write_config(tmp_path / "none")).digest.enabled  # no [digest]: off


# Through the passes, on the Maildir default.


def _digests(config: Path) -> list:
    folder = config.parent / "var" / "mail" / "outbox"
    mails = [
        message_from_bytes(p.read_bytes(), policy=policy.default) for p in folder.rglob("*") if p.is_file()
    ]
    return sorted((m for m in mails if m["X-Mailbot"] == "daily-digest"), key=lambda m: m["Subject"])


def _text(mail) -> str:
    return mail.get_body(("plain",)).get_content()


def _drop_reply(config: Path, body: str, at: datetime, subject: str = "Re: Invoice 2026-001") -> None:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = (
        "Jane Smith <ap@acme.example>",
        "billing@muster-design.example",
        subject,
    )
    msg["Date"], msg["Message-ID"] = format_datetime(at), f"<{at.timestamp():.0f}@acme.example>"
    msg.set_content(body)
    new = config.parent / "var" / "mail" / "inbox" / "new"
    new.mkdir(parents=True, exist_ok=True)
    (new / f"{at.timestamp():.0f}.reply").write_bytes(msg.as_bytes())


def test_one_digest_a_day_at_the_hour_whatever_the_passes_and_restarts(tmp_path):
    config = _config(tmp_path)
    settings = load_settings(config)
    run_once(settings, datetime(2026, 11, 20, 6, 0, tzinfo=UTC))  # 07:00 in Berlin: invoices, no digest
    assert _digests(config) == []
    mark_paid(settings, "2026-001", datetime(2026, 11, 20, 9, 0, tzinfo=UTC))
    reports = [run_once(load_settings(config), NOW + timedelta(minutes=m)) for m in (0, 1, 60, 600)]
    assert [r.daily for r in reports] == ["sent", "", "", ""]
    (digest,) = _digests(config)
    assert digest["To"] == "billing@muster-design.example" and digest["Auto-Submitted"] == "auto-generated"
    text = _text(digest)
    assert "receipt 2026-001" in text and "for invoice 2026-001 (Acme Ltd)" in text and "mark-paid" in text
    html = digest.get_body(("html",)).get_content()
    assert "Acme Ltd" in html and "2026-001" in html and "<strong" in html
    nxt = run_once(load_settings(config), NOW + timedelta(days=1, minutes=5))
    assert nxt.daily == "quiet"  # nothing sent, read or paid since: nothing to say
    assert len(_digests(config)) == 1
    with Store(settings.state_path) as store:
        assert [row.step for row in store.outbox(DAILY)] == [20261121]


def test_a_quiet_day_gets_a_digest_when_send_empty_is_set(tmp_path):
    config = _config(tmp_path, extra="send_empty = true\n")
    run_once(load_settings(config), NOW - timedelta(days=5))
    assert run_once(load_settings(config), NOW).daily == "sent"
    assert run_once(load_settings(config), NOW + timedelta(days=1)).daily == "sent"
    text = _text(_digests(config)[-1])
    assert "Sent\n- nothing" in text and "Open receivables\n- EUR:" in text


def test_a_reply_that_needs_the_owner_is_listed_with_its_command_in_german(tmp_path):
    config = _config(tmp_path, language="de")
    run_once(load_settings(config), datetime(2026, 11, 20, 6, 0, tzinfo=UTC))
    _drop_reply(config, "We dispute this invoice: the workshop never took place.", NOW - timedelta(hours=2))
    assert run_once(load_settings(config), NOW).daily == "sent"
    (digest,) = _digests(config)
    text = _text(digest)
    assert "bestreitet Rechnung 2026-001" in text and "mailbot resume 2026-001" in text
    assert "Antworten, die Ihre Aufmerksamkeit brauchen" in text
    assert digest["Subject"].startswith("[mailbot] Tagesübersicht für")


def test_the_digest_goes_to_the_owner_over_smtp_with_plain_and_html_parts(tmp_path, smtp_server):
    config = _config(tmp_path, extra='to = "owner@muster-design.example"\n' + smtp_server.toml())
    run_once(load_settings(config), datetime(2026, 11, 20, 6, 0, tzinfo=UTC))
    assert run_once(load_settings(config), NOW).daily == "quiet"  # the invoices were sent more than a day ago
    settings = load_settings(config)
    mark_paid(settings, "2026-004", NOW + timedelta(hours=1))
    assert run_once(settings, NOW + timedelta(days=1)).daily == "sent"
    (got,) = [m for m in smtp_server.messages if m.recipients == ["owner@muster-design.example"]]
    mail = message_from_bytes(got.raw, policy=policy.default)
    assert mail.get_content_type() == "multipart/alternative"
    assert "for invoice 2026-004 (Kaiser & Söhne GmbH)" in _text(mail)
    assert "2026-004" in mail.get_body(("html",)).get_content()


def test_a_digest_the_server_did_not_take_is_sent_by_a_later_pass_not_built_again(tmp_path, smtp_server):
    config = _config(tmp_path, extra=smtp_server.toml())
    run_once(load_settings(config), datetime(2026, 11, 20, 6, 0, tzinfo=UTC))
    mark_paid(load_settings(config), "2026-004", NOW - timedelta(hours=1))
    smtp_server.stop()
    assert run_once(load_settings(config), NOW).daily == "claimed"
    smtp_server.start()
    assert run_once(load_settings(config), NOW + timedelta(minutes=5)).daily == ""
    digests = [m for m in smtp_server.messages if b"X-Mailbot: daily-digest" in m.raw]
    assert len(digests) == 1


def test_the_ledger_fixture_has_what_the_digest_tests_assume():
    assert "2026-001,acme,2026-11-02,2026-11-16" in BASE_LEDGER


def test_run_once_on_the_real_clock_sends_the_digest_once(tmp_path):
    from mailbot.cli.main import main

    config = write_config(tmp_path, '\n[digest]\nenabled = true\nhour = 0\ntimezone = "UTC"\n', ledger=LEDGER)
    for _ in range(3):  # the invoices go out in the first, and the digest tells of them
        assert main(["--config", str(config), "run", "--once"]) == 0
    (digest,) = _digests(config)
    text = _text(digest)
    assert "Acme Ltd: invoice 2026-001" in text and "Kaiser & Söhne GmbH: invoice 2026-004" in text
