"""How a chase mail looks and what it asks for (issue 12, part 1), rendered as sent.

Each test builds the real mail from outbox rows the way the sending step does
(``Mailer.build_rows``) and reads its text and HTML parts as the client would.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from decimal import Decimal
from email import message_from_bytes, policy
from email.message import EmailMessage
from html import unescape
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import BASE_CONFIG, write_config

from mailbot.config.settings import load_settings
from mailbot.decide.policy import group_facts
from mailbot.ledger.read import load_ledger
from mailbot.outbound.context import amount_asked
from mailbot.outbound.mails import Mailer
from mailbot.records.rows import OutboxRow

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 12, 7, 10, 0, tzinfo=BERLIN)  # a Monday; pay-by dates are a week on: 14 Dec
# Per client: two invoices overdue, one not due until 18 December (the "eleven more days").
LEDGER = """\
invoice,client,issue_date,due_date,description,quantity,unit_price,tax_rate
2026-101,acme,2026-11-02,2026-11-16,Brand workshop,1,1000.00,19
2026-102,acme,2026-11-03,2026-11-17,Logo design,1,500.00,19
2026-103,acme,2026-11-20,2026-12-18,Business cards,1,200.00,19
2026-201,kaiser,2026-11-02,2026-11-16,Markenworkshop,1,1000.00,19
2026-202,kaiser,2026-11-03,2026-11-17,Logoentwurf,1,500.00,19
2026-203,kaiser,2026-11-20,2026-12-18,Visitenkarten,1,200.00,19
"""
LADDER = ("heads_up", "friendly", "firm_warm", "firm", "final")


class Mail:
    """A built mail as its reader sees it: subject, headers, text part, visible HTML words."""

    def __init__(self, raw: bytes):
        self.raw = raw
        self.msg: EmailMessage = message_from_bytes(raw, policy=policy.default)  # type: ignore[assignment]
        self.subject = str(self.msg["Subject"])
        self.text = self.msg.get_body(("plain",)).get_content().replace("\r\n", "\n")
        html = self.msg.get_body(("html",)).get_content()
        words = unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<head.*?</head>", "", html, flags=re.S)))
        self.html = re.sub(r"[ \t\r\n]+", " ", words).strip()  # (a no-break space stays one)

    def both(self, words: str) -> bool:
        """The words show in the plain-text part and in the HTML part (the parts are equivalent)."""
        return words in re.sub(r"[ \t\n]+", " ", self.text) and words in self.html


@pytest.fixture
def setup(tmp_path: Path):
    config = write_config(tmp_path, ledger=LEDGER, base=BASE_CONFIG)
    settings = load_settings(config)
    return settings, load_ledger(settings)


def _row(n: int, invoice: str, kind: str = "invoice", step: int = 0, tone: str | None = None,
         status: str = "sent", message_id: str = "", **detail) -> OutboxRow:  # fmt: skip
    at = "2026-11-02T09:00:00+00:00"
    return OutboxRow(n, invoice, kind, step, message_id or f"<{kind}-{invoice}-{step}@muster-design.example>",  # type: ignore[arg-type]
                     status, at, at if status == "sent" else None, 1, None, tone=tone,  # type: ignore[arg-type]
                     detail=json.dumps(detail) if detail else None)  # fmt: skip


def _mail(
    setup, mail: list[tuple[str, str, int, str]], history: dict[str, int] | None = None, **detail
) -> Mail:
    """Build the chase mail whose rows are ``mail`` (invoice, kind, step, tone), each invoice of
    the client having had its invoice mail and the first ``history[invoice]`` ladder steps sent."""
    settings, ledger = setup
    client = ledger.invoices[mail[0][0]].client_id
    sent = [_row(i, inv.number) for i, inv in enumerate(ledger.of_client(client), 1)]
    for number, steps in (history or {}).items():
        sent += [_row(len(sent) + 1, number, "reminder", s, LADDER[s - 1]) for s in range(1, steps + 1)]
    mid = "<chase@muster-design.example>"
    rows = [_row(100 + i, number, kind, step, tone, "claimed", mid, **detail) for i, (number, kind, step, tone)
            in enumerate(mail)]  # fmt: skip
    facts = group_facts(sent + rows, [])
    return Mail(Mailer(settings).build_rows(rows, ledger, facts, NOW))


# --- A mail asks only for what is due --------------------------------------------------------


def test_statement_asks_only_for_what_is_due(setup):
    mail = _mail(setup, [("2026-101", "reminder", 2, "friendly"), ("2026-102", "reminder", 2, "friendly")])
    # 1,190.00 + 595.00; the 238.00 of 2026-103 (due 18 Dec) is not asked for (not 2,023.00)
    assert "Amount: €1,785.00" in mail.text and "Amount €1,785.00" in mail.html  # how to pay
    assert "€2,023.00" not in mail.text and "€2,023.00" not in mail.html
    assert "Amount due: €1,785.00" in mail.text and "Amount due €1,785.00" in mail.html  # the box
    assert "Total due now: €1,785.00" in mail.text and "Total due now €1,785.00" in mail.html
    # one transfer, one reference: the numbers of the invoices paid now, nothing else
    assert "Reference: 2026-101, 2026-102\n" in mail.text
    assert "with the invoice numbers as the reference" in mail.text and "RF" not in mail.text
    owed_now = mail.text.split("Due now:")[1].split("Coming up")[0]
    assert "2026-101" in owed_now and "2026-102" in owed_now and "2026-103" not in owed_now


def test_invoices_not_yet_due_are_listed_apart_and_ask_for_nothing(setup):
    mail = _mail(setup, [("2026-101", "reminder", 2, "friendly"), ("2026-102", "reminder", 2, "friendly")])
    coming = mail.text.split("Coming up")[1].split("How to pay")[0]
    assert "For your overview; nothing to pay yet:" in coming
    assert "- 2026-103 of 20 November 2026, due 18 December 2026: €238.00" in coming
    assert mail.both("Coming up For your overview; nothing to pay yet:")
    assert "2026-103" in mail.html.split("Coming up")[1]


def test_a_single_reminder_asks_for_its_own_invoice_and_shows_what_comes_up(setup):
    mail = _mail(setup, [("2026-101", "reminder", 2, "friendly")])
    assert "Amount due: €1,190.00" in mail.text and "€1,190.00" in mail.html
    assert "Due now:" not in mail.text  # one invoice needs no list
    assert "2026-103" in mail.text.split("Coming up")[1] and "2026-102" not in mail.text.split("Coming up")[1]
    assert mail.subject == "Re: Invoice 2026-101 from Muster Design: 1,190.00 EUR due 16 Nov 2026"


def test_a_german_statement_asks_only_for_what_is_due(setup):
    mail = _mail(setup, [("2026-201", "reminder", 2, "friendly"), ("2026-202", "reminder", 2, "friendly")])
    assert "Zu zahlender Betrag: 1.785,00\u00a0€" in mail.text and "1.785,00\u00a0€" in mail.html
    assert "2.023,00" not in mail.text and "2.023,00" not in mail.html
    assert mail.both("Jetzt fällig:") and mail.both("Demnächst fällig")
    assert (
        "- 2026-203 vom 20. November 2026, fällig 18. Dezember 2026: 238,00\u00a0€"
        in mail.text.split("Demnächst fällig")[1]
    )


# --- The kind of a mail is visible at a glance --------------------------------------------------


@pytest.mark.parametrize(
    ("step", "tone", "before", "heading"),
    [
        (1, "heads_up", 0, "A friendly heads-up"),
        (2, "friendly", 1, "Reminder"),
        (3, "firm_warm", 2, "Second reminder"),
        (4, "firm", 3, "Third reminder"),
    ],
)
def test_a_reminder_says_which_reminder_it_is_in_its_heading_and_amount_box(
    setup, step, tone, before, heading
):
    mail = _mail(setup, [("2026-101", "reminder", step, tone)], history={"2026-101": before})
    assert mail.text.startswith(f"{heading}\n{'=' * len(heading)}\n")
    assert f"{heading}\nAmount due: €1,190.00" in mail.text
    assert mail.html.count(heading) >= 2  # the heading, and the label of the amount box
    assert mail.html.split("Hello")[0].strip().endswith(heading)


def test_final_notice_shows_its_deadline_in_the_amount_box(setup):
    mail = _mail(setup, [("2026-101", "final", 5, "final")], history={"2026-101": 4})
    box = "Final notice\nAmount due: €1,190.00\nPlease pay by Monday, 14 December 2026\n"
    assert box in mail.text
    assert "Final notice Amount due €1,190.00 Please pay by Monday, 14 December 2026" in mail.html
    paragraphs = mail.text.split("Hello Jane Smith,")[1].split("Final notice\nAmount due")[0]
    assert "Please pay by the date below" in paragraphs
    assert (
        "If the payment hasn't arrived by Monday, 14 December 2026 and we haven't heard from you"
        in paragraphs
    )
    assert mail.text.startswith("Final notice\n============\n")


def test_final_notice_has_its_own_subject_and_stays_in_the_invoice_thread(setup):
    final = _mail(setup, [("2026-101", "final", 5, "final")], history={"2026-101": 4})
    friendly = _mail(setup, [("2026-101", "reminder", 2, "friendly")], history={"2026-101": 1})
    assert final.subject == (
        "Re: Final notice for invoice 2026-101 from Muster Design: 1,190.00 EUR, please pay by 14 Dec 2026"
    )
    assert final.subject != friendly.subject and friendly.subject.startswith("Re: Invoice 2026-101")
    assert final.msg["In-Reply-To"] == "<invoice-2026-101-0@muster-design.example>"
    assert "<invoice-2026-101-0@muster-design.example>" in final.msg["References"]
    assert "Coming up" not in final.text  # a final notice is about its own invoice only


def test_a_german_final_notice_says_so_with_its_deadline_in_the_box(setup):
    mail = _mail(setup, [("2026-201", "final", 5, "final")], history={"2026-201": 4})
    assert (
        "Letzte Zahlungserinnerung\nZu zahlender Betrag: 1.190,00\u00a0€\nBitte bezahlen Sie bis Montag, 14. Dezember 2026\n"
        in mail.text
    )
    assert (
        "Letzte Zahlungserinnerung Zu zahlender Betrag 1.190,00\u00a0€ Bitte bezahlen Sie bis Montag, 14. Dezember 2026"
        in mail.html
    )
    assert mail.subject.startswith("AW: Letzte Zahlungserinnerung zur Rechnung 2026-201") or mail.subject.startswith(
        "Re: Letzte Zahlungserinnerung zur Rechnung 2026-201")  # fmt: skip


def test_a_german_second_reminder_is_named_so(setup):
    mail = _mail(setup, [("2026-201", "reminder", 3, "firm_warm")], history={"2026-201": 2})
    assert mail.text.startswith("Zweite Zahlungserinnerung\n")
    assert mail.html.count("Zweite Zahlungserinnerung") >= 2


# --- The promise follow-up names the promised date ------------------------------------------------


def test_promise_followup_names_the_promised_date(setup):
    mail = _mail(setup, [("2026-101", "reminder", 101, "promise_followup")], history={"2026-101": 2},
                 promised="2026-12-04")  # fmt: skip
    words = "invoice 2026-101 (€1,190.00) would be paid on Friday, 4 December 2026"
    assert mail.both(words)
    assert mail.text.startswith("Your planned payment\n")


def test_a_promise_followup_travelling_with_another_reminder_still_names_its_date(setup):
    settings, ledger = setup
    client = "acme"
    sent = [_row(i, inv.number) for i, inv in enumerate(ledger.of_client(client), 1)]
    mid = "<chase@muster-design.example>"
    rows = [
        _row(100, "2026-101", "reminder", 2, "friendly", "claimed", mid),
        _row(101, "2026-102", "reminder", 101, "promise_followup", "claimed", mid, promised="2026-12-04"),
    ]
    mail = Mail(Mailer(settings).build_rows(rows, ledger, group_facts(sent + rows, []), NOW))
    assert mail.both("About invoice 2026-102: you let us know it would be paid on Friday, 4 December 2026")


def test_a_german_promise_followup_names_the_promised_date(setup):
    mail = _mail(setup, [("2026-201", "reminder", 101, "promise_followup")], history={"2026-201": 2},
                 promised="2026-12-04")  # fmt: skip
    assert mail.both("dass die Rechnung 2026-201 (1.190,00\u00a0€) am Freitag, 4. Dezember 2026 bezahlt wird")


def test_promised_date_reaches_the_template_only_as_a_date(setup):
    """The follow-up reads ``promised`` from the outbox row (a date, parsed); nothing else of it."""
    mail = _mail(setup, [("2026-101", "reminder", 101, "promise_followup")], history={"2026-101": 2},
                 promised="2026-12-04")  # fmt: skip
    assert "2026-12-04" not in mail.text and date(2026, 12, 4).strftime("%A") in mail.text


# --- Preview and escaping --------------------------------------------------------------------


def test_preview_of_a_ladder_step_shows_which_reminder_it_will_be(tmp_path, capsys):
    from mailbot.cli.main import main

    config = write_config(tmp_path)
    assert main(["--config", str(config), "preview", "2026-001", "--kind", "reminder", "--step", "3"]) == 0
    text = capsys.readouterr().out.replace("\r\n", "\n")
    assert "Second reminder\n===============" in text  # heads-up, then the first reminder: this is the second
    assert main(["--config", str(config), "preview", "2026-001", "--kind", "final"]) == 0
    final = capsys.readouterr().out.replace("\r\n", "\n")
    assert final.startswith("Subject: Re: Final notice for invoice 2026-001") and "Please pay by " in final


HOSTILE = '<b>Muster</b> {{ 6*7 }} & "Co"'


def test_what_an_owner_typed_shows_literally_in_a_final_notice_and_its_coming_up_list(tmp_path):
    base = BASE_CONFIG.replace('name = "Muster Design"', "name = '" + HOSTILE + "'")
    ledger = LEDGER.replace("Business cards", '"<i>cards</i> {{ 7*7 }}"')
    settings = load_settings(write_config(tmp_path, ledger=ledger, base=base))
    final = _mail((settings, load_ledger(settings)), [("2026-101", "final", 5, "final")], {"2026-101": 4})
    assert final.subject.startswith(f"Re: Final notice for invoice 2026-101 from {HOSTILE}:")
    raw_html = final.msg.get_body(("html",)).get_content()
    assert "<b>Muster</b>" not in raw_html and "&lt;b&gt;Muster&lt;/b&gt; {{ 6*7 }} &amp;" in raw_html
    assert "42" not in final.text and "42" not in raw_html
    statement = _mail((settings, load_ledger(settings)), [("2026-101", "reminder", 2, "friendly")])
    assert "2026-103" in statement.text.split("Coming up")[1] and "49" not in statement.text


def test_the_amount_a_plan_reports_is_the_amount_the_mail_asks_for(setup):
    _settings, ledger = setup
    asked = amount_asked([(ledger.invoices[n], Decimal(0)) for n in ("2026-101", "2026-102")])
    mail = _mail(setup, [("2026-101", "reminder", 2, "friendly"), ("2026-102", "reminder", 2, "friendly")])
    assert asked == Decimal("1785.00") and f"Amount: €{asked:,}" in mail.text


# --- Issue 15: the reviewers' template findings --------------------------------------------------

LATE_FEE = '\n[chase.late_fee]\nenabled = true\npreset = "eu_b2b"\nbase_rate = 2.27\nfrom_step = 2\n'


@pytest.fixture
def fee_setup(tmp_path: Path):
    settings = load_settings(write_config(tmp_path, LATE_FEE, ledger=LEDGER, base=BASE_CONFIG))
    return settings, load_ledger(settings)


def test_statement_tables_head_their_columns_with_their_own_words(setup):
    mail = _mail(setup, [("2026-101", "reminder", 2, "friendly"), ("2026-102", "reminder", 2, "friendly")])
    # Two columns, that fit a phone: each invoice with its dates under its number, and its amount.
    assert mail.html.count("Invoice number Open amount") == 2  # due now, coming up
    assert "2026-101 Invoice date 2 November 2026 · Due date 16 November 2026 €1,190.00" in mail.html
    german = _mail(setup, [("2026-201", "reminder", 2, "friendly"), ("2026-202", "reminder", 2, "friendly")])
    assert german.html.count("Rechnungsnummer Offener Betrag") == 2
    assert german.html.count("Rechnungsdatum") >= 3 and german.html.count("Fällig am") == 3
    assert "Rechnungsdatum fällig offen" not in german.html  # the inline words are not headers


def test_a_heads_up_statement_does_not_call_the_invoices_due_now(setup):
    mail = _mail(setup, [("2026-101", "reminder", 1, "heads_up"), ("2026-102", "reminder", 1, "heads_up")])
    assert mail.both("A quick note about the invoices that will soon be due:")
    assert "now due" not in mail.text and "now due" not in mail.html
    overdue = _mail(setup, [("2026-101", "reminder", 2, "friendly"), ("2026-102", "reminder", 2, "friendly")])
    assert overdue.both("A quick note about the invoices that are now due:")


def test_the_late_fee_sentence_stands_on_its_own_once_the_note_is_not_repeated(fee_setup):
    first = _mail(fee_setup, [("2026-101", "reminder", 2, "friendly")], {"2026-101": 1})
    assert first.both("Please note: from this reminder on, the late payment costs in our terms apply.")
    later = _mail(fee_setup, [("2026-101", "reminder", 3, "firm_warm")], {"2026-101": 2})
    assert "Please note" not in later.text  # stated once ...
    assert later.both(
        "The late payment costs in our terms are a flat fee of €40.00 and interest of"
    )  # ... yet clear
    assert "They are" not in later.text and "They are" not in later.html


def test_line_items_multiply_with_the_multiplication_sign_in_a_7bit_clean_mail(setup):
    mail = _mail(setup, [("2026-101", "reminder", 2, "friendly")])
    assert "- Brand workshop: 1 × €1,000.00 = €1,000.00" in mail.text
    assert " x €1,000.00" not in mail.text
    assert max(mail.raw) < 128  # the × travels encoded (quoted-printable or base64 UTF-8), never as 8 bits
