"""A client's language, learned from their replies (issue 13, parts 4 and 5): the pure rule,
the pass that acknowledges in it and tells the owner once, and the German acknowledgment."""

from __future__ import annotations

import json
import mailbox
import sqlite3
from datetime import UTC, date, datetime
from decimal import Decimal as D
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from conftest import BASE_LEDGER, write_config

from mailbot.cli.main import main
from mailbot.config.settings import Client, load_settings
from mailbot.decide.policy import LANGUAGE_NOTICE, next_actions
from mailbot.ledger.read import Invoice, LineItem, load_ledger
from mailbot.outbound.mails import Mailer
from mailbot.records.facts import Facts
from mailbot.records.language import (
    Learned,
    ReplyLanguage,
    learned_language,
    learned_languages,
    suggestion_key,
)
from mailbot.records.rows import Event, OutboxRow
from mailbot.service.run_pass import run_once
from mailbot.state.store import Store, detail_json

UNSET = Client(name="Virtanen Oy", email=["laskut@virtanen.example"])
SET_EN = Client(name="Virtanen Oy", email=["laskut@virtanen.example"], language="en")


def said(language: str, at: str, trusted: bool = True, auto: bool = False) -> ReplyLanguage:
    return ReplyLanguage("virtanen", language, trusted, auto, f"2026-11-{at}T09:00:00+00:00")


# The pure rule --------------------------------------------------------------------------


def test_two_agreeing_replies_teach_the_clients_language():
    assert learned_language(UNSET, [said("fi", "10"), said("fi", "12")]) == ("fi", 2)


def test_one_reply_teaches_nothing():
    assert learned_language(UNSET, [said("fi", "10")]) is None


def test_the_configured_language_wins_even_when_it_is_the_default():
    assert "language" not in UNSET.model_fields_set  # (its default, "en", is no choice)
    assert learned_language(SET_EN, [said("fi", "10"), said("fi", "12"), said("fi", "13")]) is None


def test_untrusted_replies_and_auto_replies_do_not_count():
    replies = [said("fi", "10"), said("fi", "11", trusted=False), said("fi", "12", auto=True)]
    assert learned_language(UNSET, replies) is None
    assert learned_language(UNSET, [*replies, said("", "13"), said("fi", "14")]) == ("fi", 2)


def test_a_later_switch_to_two_replies_in_another_language_relearns():
    finnish = [said("fi", "02"), said("fi", "03"), said("fi", "04")]
    assert learned_language(UNSET, [*finnish, said("en", "10")]) is None  # one is no switch yet
    assert learned_language(UNSET, [*finnish, said("en", "10"), said("en", "11")]) == ("en", 2)
    # (order by time, not by the order given)
    assert learned_language(UNSET, [said("en", "11"), *finnish, said("en", "10")]) == ("en", 2)


def test_reply_events_are_read_with_their_client_trust_and_auto_mark(tmp_path):
    events = [
        Event("2026-007", "2026-11-10T09:00:00+00:00", "reply", intent="question", trusted=True,
              detail=detail_json(language="fi", client="virtanen", confidence=0.9)),
        Event("", "2026-11-11T09:00:00+00:00", "reply", intent="auto_reply", trusted=True,
              detail=detail_json(language="fi", client="virtanen")),
        Event("", "2026-11-12T09:00:00+00:00", "reply", intent="other", trusted=True,
              detail=detail_json(language="fi", client="virtanen", auto=True)),  # a list mail
        Event("", "2026-11-13T09:00:00+00:00", "reply", intent="other", trusted=True,
              detail=detail_json(language=None, client="virtanen")),  # no language found
        Event("2026-007", "2026-11-14T09:00:00+00:00", "reply", intent="question", trusted=False,
              detail=detail_json(language="de", client="")),  # a stranger
        Event("2026-007", "2026-11-15T09:00:00+00:00", "note", detail='{"language": "fi"}'),
    ]  # fmt: skip
    with Store(tmp_path / "state.db") as store:
        for event in events:
            store.add_event(event)
        found = store.reply_languages()
    assert found == [
        ReplyLanguage("virtanen", "fi", True, False, "2026-11-10T09:00:00+00:00"),
        ReplyLanguage("virtanen", "fi", True, True, "2026-11-11T09:00:00+00:00"),
        ReplyLanguage("virtanen", "fi", True, True, "2026-11-12T09:00:00+00:00"),
        ReplyLanguage("", "de", False, False, "2026-11-14T09:00:00+00:00"),
    ]
    assert learned_language(UNSET, found) is None  # one reply counts; the others do not


def test_acks_are_in_the_learned_language_only_where_templates_exist():
    clients = {"virtanen": UNSET}
    replies = [said("fi", "10"), said("fi", "12")]
    no_fi = learned_languages(clients, replies, set(), {"en", "de"})
    assert no_fi["virtanen"] == Learned("fi", 2, "en", told=False)
    with_fi = learned_languages(clients, replies, {suggestion_key("virtanen", "fi")}, {"en", "de", "fi"})
    assert with_fi["virtanen"] == Learned("fi", 2, "fi", told=True)


# The decision: acknowledgments and the one notice ----------------------------------------

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def _answered() -> tuple[list[Invoice], dict[str, Facts]]:
    """Invoice 2026-007 sent to Virtanen, who asked a question about it (trusted)."""
    item = LineItem(2, "Translation", D(1), "", D(900), D(0), D(24), D("900.00"))
    invoice = Invoice(number="2026-007", client_id="virtanen", line=2, issue_date=date(2026, 11, 2),
                      due_date=date(2026, 11, 30), items=[item])  # fmt: skip
    sent = OutboxRow(1, "2026-007", "invoice", 0, "<m@x>", "sent", "2026-11-02T09:00:00+00:00",
                     "2026-11-02T09:00:00+00:00", 1, None)  # fmt: skip
    question = Event("2026-007", "2026-11-19T09:00:00+00:00", "reply", intent="question", trusted=True)
    return [invoice], {"2026-007": Facts([sent], [question])}


def test_the_ack_is_claimed_in_the_learned_language_and_the_owner_told_once():
    invoices, facts = _answered()
    clients = {"virtanen": UNSET}
    learned = {"virtanen": Learned("de", 3, "de", told=False)}
    actions = next_actions(invoices, facts, clients, NOW, learned=learned)
    ack = next(a for a in actions if a.kind == "ack")
    assert ack.language == "de"
    (notice,) = [a for a in actions if a.kind == "notice"]
    assert (notice.invoice, notice.step) == (suggestion_key("virtanen", "de"), LANGUAGE_NOTICE)
    assert notice.about == (
        "Virtanen Oy writes in German (3 replies); mailbot acknowledges in German, but invoices and "
        'reminders go out in English. To write everything in German, set language = "de" in '
        "[clients.virtanen] of mailbot.toml."
    )
    told = {"virtanen": learned["virtanen"]._replace(told=True)}
    assert [a.kind for a in next_actions(invoices, facts, clients, NOW, learned=told)] == ["ack"]
    assert next(a for a in next_actions(invoices, facts, clients, NOW) if a.kind == "ack").language == ""


def test_a_client_writing_the_language_mailbot_writes_gets_no_suggestion():
    invoices, facts = _answered()
    learned = {"virtanen": Learned("en", 2, "en", told=False)}
    assert [a.kind for a in next_actions(invoices, facts, {"virtanen": UNSET}, NOW, learned=learned)] == [
        "ack"
    ]


def test_without_templates_for_it_the_suggestion_says_mails_stay_in_the_configured_language():
    invoices, facts = _answered()
    learned = learned_languages(
        {"virtanen": UNSET}, [said("fi", "10"), said("fi", "12")], set(), {"en", "de"}
    )
    actions = next_actions(invoices, facts, {"virtanen": UNSET}, NOW, learned=learned)
    assert next(a for a in actions if a.kind == "ack").language == "en"
    notice = next(a for a in actions if a.kind == "notice")
    assert "mailbot has no Finnish templates yet, so every mail still goes out in English" in notice.about
    assert "Once Finnish templates exist" in notice.about  # (setting the language now would fail `check`)


# Through the real pass: a client without a language writes twice in German ----------------

BERG = """
[clients.berg]
name = "Berg Logistik GmbH"
email = "buchhaltung@berg-logistik.example"
timezone = "Europe/Berlin"
"""
BERG_LEDGER = BASE_LEDGER + "2026-007,berg,2026-11-09,2026-11-30,Umzugsplanung,1,,700.00,19,\n"


def _drop(config: Path, number: int, words: str, in_reply_to: str) -> None:
    raw = (
        f"From: buchhaltung@berg-logistik.example\r\nSubject: AW: Rechnung 2026-007\r\n"
        f"In-Reply-To: {in_reply_to}\r\nMessage-ID: <b{number}@berg-logistik.example>\r\n"
        f"Date: {format_datetime(datetime.now(UTC))}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        f"{words}\r\n"
    ).encode()
    mailbox.Maildir(config.parent / "var" / "mail" / "inbox", create=True).add(raw)


def _sent(config: Path) -> list[EmailMessage]:
    box = mailbox.Maildir(config.parent / "var" / "mail" / "outbox", create=False)
    return [message_from_bytes(m.as_bytes(), policy=policy.default) for m in box]  # type: ignore[misc]


def _text(mail: EmailMessage) -> str:
    part = mail.get_body(("plain",))
    assert part is not None
    return part.get_content()


def test_a_client_writing_twice_in_german_is_acknowledged_in_german_and_the_owner_told_once(tmp_path, capsys):
    config = write_config(tmp_path, BERG, ledger=BERG_LEDGER)
    settings = load_settings(config)
    run_once(settings, datetime.now(UTC))
    db = sqlite3.connect(tmp_path / "var" / "mailbot.db")
    (invoice_id,) = db.execute("SELECT message_id FROM outbox WHERE invoice = '2026-007'").fetchone()
    _drop(config, 1, "Vielen Dank für die Rechnung!", invoice_id)
    _drop(config, 2, "Wir haben die Rechnung 2026-007 gestern bezahlt.", invoice_id)
    run_once(settings, datetime.now(UTC))

    events = db.execute("SELECT intent, trusted, detail FROM events WHERE type = 'reply'").fetchall()
    assert [json.loads(detail)["language"] for _, _, detail in events] == ["de", "de"]
    assert ("payment_claimed", 1) in [(intent, trusted) for intent, trusted, _ in events]
    claim = next(json.loads(detail) for intent, _, detail in events if intent == "payment_claimed")
    assert "bezahlt" in claim["evidence"] and claim["confidence"] >= 0.85  # the words the reading rests on
    mails = _sent(config)
    (ack,) = [m for m in mails if m["Auto-Submitted"] == "auto-replied"]
    assert ack["To"].addresses[0].addr_spec == "buchhaltung@berg-logistik.example"
    assert "vielen Dank für Ihren Hinweis, dass die Rechnung 2026-007 bezahlt ist" in _text(ack)
    invoice_mail = next(m for m in mails if m["To"].addresses[0].addr_spec.endswith("berg-logistik.example")
                        and m is not ack)  # fmt: skip
    assert "Invoice 2026-007" in str(invoice_mail["Subject"])  # (invoices stay in English)
    (notice,) = [m for m in mails if str(m["Subject"]).startswith("[mailbot] Berg Logistik GmbH")]
    assert notice["To"].addresses[0].addr_spec == settings.business.owner
    assert (
        "Berg Logistik GmbH writes in German (2 replies); mailbot acknowledges in German, but invoices "
        'and reminders go out in English. To write everything in German, set language = "de" in '
        "[clients.berg] of mailbot.toml."
    ) in " ".join(_text(notice).split())

    _drop(config, 3, "Noch eine Frage zur Rechnung 2026-007: ist die MwSt. korrekt?", invoice_id)
    run_once(settings, datetime.now(UTC))
    notices = [m for m in _sent(config) if str(m["Subject"]).startswith("[mailbot] Berg")]
    assert len(notices) == 1  # never again for the same client and language
    assert db.execute("SELECT count(*) FROM events WHERE type = 'note' AND invoice = 'client:berg:de'"
                      ).fetchone() == (1,)  # fmt: skip
    capsys.readouterr()
    main(["--config", str(config), "check"])
    hints = [line for line in capsys.readouterr().out.splitlines() if line.startswith("hint: ")]
    assert hints == [
        "hint: Berg Logistik GmbH writes in German (3 replies); mailbot acknowledges in German, but "
        'invoices and reminders go out in English. To write everything in German, set language = "de" '
        "in [clients.berg] of mailbot.toml."
    ]


# The acknowledgment itself ----------------------------------------------------------------


def _ack(tmp_path: Path, language: str) -> str:
    """The acknowledgment of a payment claim to Berg (no language configured), claimed with
    ``language`` as learned, as the mailer builds it: its text part."""
    config = write_config(tmp_path, BERG, ledger=BERG_LEDGER)
    settings = load_settings(config)
    ledger = load_ledger(settings)
    row = OutboxRow(2, "2026-007", "ack", 1, "<ack@muster-design.example>", "claimed",
                    "2026-11-20T09:00:00+00:00", None, 0, None,
                    detail=detail_json(about="payment_claimed", language=language or None,
                                       subject="AW: Rechnung 2026-007"))  # fmt: skip
    raw = Mailer(settings).build_rows([row], ledger, {}, NOW)
    mail = message_from_bytes(raw, policy=policy.default)
    return str(mail["Subject"]) + "\n" + _text(mail)  # type: ignore[arg-type]


def test_the_ack_to_a_client_who_writes_german_is_german_dates_and_all(tmp_path):
    text = _ack(tmp_path, "de")
    assert "vielen Dank für Ihren Hinweis, dass die Rechnung 2026-007 bezahlt ist!" in text
    assert "Thank you" not in text
    assert "Guten Tag," in text and "USt-IdNr.: DE123456789" in text  # greeting and footer too


def test_an_ack_in_a_language_without_templates_is_wholly_in_the_configured_one(tmp_path):
    text = _ack(tmp_path, "it")
    assert "Thank you for letting us know that invoice 2026-007 is paid!" in text
    assert "Hello," in text and "VAT ID: DE123456789" in text
    assert _ack(tmp_path / "unlearned", "") == text
