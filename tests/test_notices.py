"""Reading payment notifications (issue 14 part 2): every fixture in tests/notices/ against
expected.toml, and the rules one at a time: notation, gross before fee, balances, rates
and quoted invoices never read as the payment, hostile input never raising."""

from __future__ import annotations

import time
import tomllib
from datetime import date
from decimal import Decimal
from email.message import EmailMessage
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailbot.inbound import notices
from mailbot.inbound.amounts import day_in, money_in
from mailbot.inbound.bank import StatementError, read_statement, read_statement_bytes
from mailbot.inbound.notices import Notice, read_notices, statement_attachments
from mailbot.inbound.parse import parse

HERE = Path(__file__).parent / "notices"
EXPECTED = tomllib.loads((HERE / "expected.toml").read_text(encoding="utf-8"))
KINDS = {"payment", "refund", "pending", "not_a_payment"}


def _read(name: str) -> list[Notice]:
    mail = parse((HERE / f"{name}.eml").read_bytes())
    return read_notices(mail, EXPECTED[name]["source"])


def _mismatches(got: list[Notice], want: list[dict]) -> list[str]:
    """What differs between the notices read and the expected reading, in words."""
    if len(got) != len(want):
        return [f"{len(got)} notices, expected {len(want)}: {got}"]
    wrong = []
    for i, (notice, expected) in enumerate(zip(got, want, strict=True)):
        received = notice.received
        actual = {
            "kind": notice.kind,
            "key": notice.key,
            "beneficiary": notice.beneficiary,
            "amount": str(received.amount) if received else None,
            "currency": received.currency if received else None,
            "on": received.on.isoformat() if received and received.on else None,
            "payer": received.payer if received else None,
            "payer_email": received.payer_email if received else None,
        }
        for field, value in expected.items():
            if field == "text_contains":
                text = received.text if received else ""
                wrong += [f"{i}: text {text!r} lacks {w!r}" for w in value if w not in text]
            elif actual[field] != value:
                wrong.append(f"{i}: {field} is {actual[field]!r}, expected {value!r} ({notice.reason})")
    return wrong


def test_every_fixture_has_an_expected_reading_and_every_reading_a_fixture():
    assert {p.stem for p in HERE.glob("*.eml")} == set(EXPECTED)
    assert len(EXPECTED) >= 20


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_notification_fixture_reads_as_expected(name):
    assert _mismatches(_read(name), EXPECTED[name]["notices"]) == []


def test_a_payment_notice_says_how_much_in_which_currency_and_when():
    for name in EXPECTED:
        for notice in _read(name):
            assert notice.kind in KINDS
            if notice.kind == "payment":
                assert notice.received is not None, name
                assert notice.received.amount > 0 and len(notice.received.currency) == 3, name
                assert notice.received.on is not None, name


def test_reading_a_notification_takes_a_few_milliseconds():
    mails = [(parse((HERE / f"{n}.eml").read_bytes()), e["source"]) for n, e in EXPECTED.items()]
    read_notices(*mails[0])  # (patterns compiled)
    start = time.perf_counter()
    for mail, kind in mails * 5:
        read_notices(mail, kind)
    per_mail = (time.perf_counter() - start) / (len(mails) * 5)
    assert per_mail < 0.025, f"{per_mail * 1000:.1f} ms per mail"


# --- amounts ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "amount", "currency"),
    [
        ("1,190.00 EUR", "1190.00", "EUR"),
        ("1.190,00 €", "1190.00", "EUR"),
        ("EUR 1.190,00", "1190.00", "EUR"),
        ("1 190,00 EUR", "1190.00", "EUR"),
        ("1\u00a0190,00\u00a0€", "1190.00", "EUR"),
        ("€1,190", "1190", "EUR"),
        ("€1.190", "1190", "EUR"),
        ("$1,250.00 USD", "1250.00", "USD"),
        ("£500", "500", "GBP"),
        ("CHF 2'380.50", "2380.50", "CHF"),
        ("1.190,00 Euro", "1190.00", "EUR"),
        ("12,5 EUR", "12.5", "EUR"),
        ("1,234,567.89 USD", "1234567.89", "USD"),
    ],
)
def test_amounts_in_english_and_german_notation(written, amount, currency):
    found = money_in(f"Betrag: {written}")
    assert [(m.amount, m.currency) for m in found] == [(Decimal(amount), currency)]


@pytest.mark.parametrize(
    "text", ["Invoice RE-2026-0042", "5TY05013RG002845M", "Kd-Nr. 1021", "06.12.2026", "1190"]
)
def test_a_number_without_a_currency_is_no_amount(text):
    assert money_in(text) == []


def test_a_minus_right_before_the_amount_is_negative_a_dash_between_words_is_not():
    assert money_in("Fee: -€29.98 EUR")[0].amount == Decimal("-29.98")
    assert money_in("Zahlung – 5,00 €")[0].amount == Decimal("5.00")


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("Nov 28, 2026 14:32:07 CET", date(2026, 11, 28)),
        ("2. Dezember 2026", date(2026, 12, 2)),
        ("3 December 2026", date(2026, 12, 3)),
        ("03.12.2026", date(2026, 12, 3)),
        ("2026-12-01", date(2026, 12, 1)),
        ("31.02.2026", None),
    ],
)
def test_days_in_the_shapes_services_print(text, day):
    assert day_in(text) == day


# --- which amount ----------------------------------------------------------------------


def _mail(subject: str, body: str, html: bool = False, date_header: str = "Fri, 04 Dec 2026 10:00:00 +0100"):
    msg = EmailMessage()
    msg["From"] = "service@paypal.de"
    msg["To"] = "owner@muster-design.de"
    msg["Subject"] = subject
    msg["Date"] = date_header
    msg["Message-ID"] = "<t@paypal.de>"
    msg.set_content(body, subtype="html" if html else "plain")
    return parse(bytes(msg))


def _one(subject: str, body: str, kind: str = "paypal", **kw) -> Notice:
    found = read_notices(_mail(subject, body, **kw), kind)
    assert len(found) == 1
    return found[0]


def test_paypal_payment_is_read_at_the_gross_whatever_order_fee_and_net_come_in():
    body = (
        "Anna Becker sent you money\nNet amount: €1,160.02 EUR\nPayPal fee: -€29.98 EUR\n"
        "Gross amount: €1,190.00 EUR\nTransaction ID: 5TY05013RG002845M\n"
    )
    notice = _one("You've got money", body)
    assert notice.kind == "payment" and notice.received is not None
    assert notice.received.amount == Decimal("1190.00")


def test_a_balance_line_is_never_the_payment():
    notice = _one(
        "Zahlungseingang",
        "Auf Ihrem Konto ist Geld eingegangen.\nIhr Kontostand: 12.345,67 EUR\n",
        "bank_mail",
    )
    assert notice.kind == "not_a_payment" and "no amount" in notice.reason
    notice = _one("You've received money", "Your balance is now 5,230.10 EUR.\n", "wise")
    assert notice.kind == "not_a_payment"


def test_a_conversion_rate_or_converted_amount_is_never_the_payment():
    body = "John Miller sent you $1,250.00 USD\nConverted to €1,134.93 EUR\nExchange rate: 1 USD = 0.941171 EUR\n"
    notice = _one("You've got money", body)
    assert notice.received is not None
    assert (notice.received.amount, notice.received.currency) == (Decimal("1250.00"), "USD")


def test_an_amount_in_a_quoted_invoice_is_never_the_payment():
    body = (
        "Zahlungseingang: Ihr Kunde hat gezahlt, Details im Online-Banking.\n\n"
        "-----Ursprüngliche Nachricht-----\nRechnung RE-2026-0042\nBetrag: 1.190,00 EUR\n"
        "> Gesamtbetrag: 1.190,00 EUR\n"
    )
    notice = _one("Zahlungseingang", body, "bank_mail")
    assert notice.kind == "not_a_payment"


def test_two_different_amounts_named_as_received_make_no_payment():
    body = "Amount: €1,190.00\nAmount: €2,380.00\nTransaction ID: X1234567\n"
    notice = _one("Payment received", body, "generic")
    assert notice.kind == "not_a_payment" and "several amounts" in notice.reason


def test_an_invoice_total_or_amount_due_is_not_the_payment():
    body = "Payment received\nInvoice total: €2,000.00\nAmount due: €810.00\nAmount paid: €1,190.00\n"
    notice = _one("Payment received", body, "generic")
    assert notice.received is not None and notice.received.amount == Decimal("1190.00")


# --- kinds -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("subject", "body", "kind"),
    [
        (
            "Chargeback notification",
            "A chargeback of €200.00 EUR was filed.\nAmount: €200.00 EUR\n",
            "refund",
        ),
        ("Rückzahlung", "Sie haben eine Rückzahlung über 150,00 € gesendet.\nBetrag: 150,00 €\n", "refund"),
        ("Zahlung in Prüfung", "Zahlung über 640,00 € von Laura Schmidt ist in Prüfung.\n", "pending"),
        ("Zahlung zurückgehalten", "Wir haben die Zahlung über 640,00 € zurückgehalten.\n", "pending"),
        ("Payment is being processed", "Your payment of €640.00 is being processed.\n", "pending"),
        ("Auszahlung", "Ihre Auszahlung über 3.000,00 € auf Ihr Bankkonto ist unterwegs.\n", "not_a_payment"),
        (
            "Your password was changed",
            "You received this because your password changed. €5.00\n",
            "not_a_payment",
        ),
        ("Receipt for your payment", "You sent a payment of €50.00 EUR to Adobe Systems.\n", "not_a_payment"),
        ("Sie haben eine Zahlung gesendet", "Sie haben 50,00 € EUR an Adobe gesendet.\n", "not_a_payment"),
        ("Request for money", "Anna Becker requested €500.00 EUR from you.\n", "not_a_payment"),
        ("Lastschrift", "Lastschrift über 89,90 EUR von Telekom Deutschland GmbH.\n", "not_a_payment"),
    ],
)
def test_refunds_pending_payouts_and_security_mails_are_no_payment(subject, body, kind):
    assert _one(subject, body).kind == kind


def test_pending_paypal_mail_is_no_payment():
    body = "You received a payment of €640.00 EUR from Laura Schmidt, but the money is on hold.\n"
    notice = _one("Payment on hold", body)
    assert notice.kind == "pending" and notice.received is not None
    assert notice.received.amount == Decimal("640.00")


def test_a_mail_saying_nothing_about_money_is_no_payment():
    assert _one("Hello", "Just checking in about next week's meeting.\n", "generic").kind == "not_a_payment"


def test_a_payment_naming_only_the_payers_iban_has_no_beneficiary():
    body = "Zahlungseingang\nBetrag: 500,00 EUR\nIBAN des Auftraggebers: DE02 1203 0000 0000 2020 51\n"
    notice = _one("Zahlungseingang", body, "bank_mail")
    assert notice.kind == "payment" and notice.beneficiary == ""


def test_an_html_only_notification_is_read_from_its_table():
    html = (
        "<html><body><h1>Payment received</h1><table><tr><td>Amount</td><td>1.190,00&nbsp;€</td></tr>"
        "<tr><td>Verwendungszweck</td><td>RE-2026-0042</td></tr><tr><td>Fee</td><td>3,00 €</td></tr>"
        "</table></body></html>"
    )
    notice = _one("Zahlungseingang", html, "bank_mail", html=True)
    assert notice.kind == "payment" and notice.received is not None
    assert notice.received.amount == Decimal("1190.00") and "RE-2026-0042" in notice.received.text


def test_the_date_falls_back_to_the_mails_date():
    notice = _one("Payment received", "Amount: €10.00\n", "generic")
    assert notice.received is not None and notice.received.on == date(2026, 12, 4)


# --- hostile and odd input -------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "Payment received\nAmount: €1,000,000,000.00\n",
        "Payment received\nAmount: 99999999999999999999999999 EUR\n",
        "Payment received\nAmount: €0.00\n",
        "Payment received\nAmount: 1190.00\n",  # no currency
        "",
        "\x00\x01\x02 " * 1000,
        "Payment received\n" + "".join(f"Amount: €{i}.00\n" for i in range(1, 5_000)),
    ],
    ids=["billion", "26 digits", "zero", "no currency", "empty", "control characters", "5000 amounts"],
)
def test_hostile_or_odd_notifications_are_no_payment(body):
    notice = _one("Payment received", body, "generic")
    assert notice.kind == "not_a_payment"


def test_a_megabyte_of_html_is_read_quickly_and_is_no_payment():
    html = "<html><body>" + "<div><span>Payment received</span> <b>x</b></div>" * 25_000 + "</body></html>"
    assert len(html) > 1_000_000
    mail = _mail("Payment received", html, html=True)
    start = time.perf_counter()
    found = read_notices(mail, "generic")
    assert time.perf_counter() - start < 1.0
    assert [n.kind for n in found] == ["not_a_payment"]


def test_garbage_bytes_and_an_empty_mail_are_no_payment():
    for raw in (
        b"",
        b"\xff\xfe garbage \x00",
        b"Subject: x\r\n\r\n",
        b"From: a\r\nContent-Type: multipart/mixed\r\n\r\n--",
    ):
        assert [n.kind for n in read_notices(parse(raw), "paypal")] == ["not_a_payment"]


def test_read_notices_never_raises_even_when_a_reader_fails(monkeypatch):
    def broken(*args):
        raise RuntimeError("boom")

    monkeypatch.setattr(notices, "_amount", broken)
    found = read_notices(parse((HERE / "paypal_received_note.eml").read_bytes()), "paypal")
    assert [n.kind for n in found] == ["not_a_payment"] and "unreadable" in found[0].reason


@settings(max_examples=150, deadline=None)
@given(
    st.text(max_size=2_000),
    st.text(max_size=200),
    st.sampled_from(["paypal", "stripe", "wise", "bank_mail", "camt", "generic"]),
)
def test_any_text_gives_notices_of_known_kinds(body, subject, kind):
    mail = parse(b"Subject: x\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
    mail.text, mail.subject = body, subject
    for notice in read_notices(mail, kind):
        assert notice.kind in KINDS
        if notice.kind == "payment":
            assert notice.received is not None and notice.received.amount > 0


def test_reading_is_pure_the_same_mail_reads_the_same_and_is_left_unchanged():
    mail = parse((HERE / "camt054_bank_mail.eml").read_bytes())
    text = mail.text
    assert read_notices(mail, "bank_mail") == read_notices(mail, "bank_mail")
    assert mail.text == text


# --- camt statements attached ------------------------------------------------------------

CAMT = (HERE / "camt054_bank_mail.eml").read_bytes()


def _with_attachment(
    data: bytes, filename: str | None, ctype: str, subject: str = "Kontoinformation"
) -> bytes:
    msg = EmailMessage()
    msg["From"] = "kontoinfo@bank.example"
    msg["Subject"] = subject
    msg["Date"] = "Fri, 04 Dec 2026 18:05:00 +0100"
    msg.set_content("Anbei Ihre Umsätze.")
    maintype, subtype = ctype.split("/")
    msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return bytes(msg)


def _camt_xml() -> bytes:
    found = statement_attachments(parse(CAMT))
    assert [name for name, _ in found] == ["camt054_20261204.xml"]
    return found[0][1]


@pytest.mark.parametrize(
    ("filename", "ctype"),
    [("umsatz.xml", "application/octet-stream"), (None, "application/xml"), ("c.txt", "text/xml")],
)
def test_xml_statements_are_found_by_type_or_name(filename, ctype):
    found = statement_attachments(parse(_with_attachment(_camt_xml(), filename, ctype)))
    assert len(found) == 1 and found[0][1].startswith(b"<?xml")


def test_a_pdf_attachment_is_no_statement():
    assert statement_attachments(parse(_with_attachment(b"%PDF-1.7", "auszug.pdf", "application/pdf"))) == []


def test_an_oversized_attachment_is_left_out(monkeypatch):
    raw = _with_attachment(_camt_xml(), "umsatz.xml", "application/xml")
    assert len(statement_attachments(parse(raw))) == 1
    monkeypatch.setattr(notices, "MAX_STATEMENT_BYTES", 100)
    assert statement_attachments(parse(raw)) == []


def test_at_most_a_few_statements_are_read_from_one_mail():
    msg = EmailMessage()
    msg["From"] = "kontoinfo@bank.example"
    msg.set_content("x")
    for i in range(notices.MAX_STATEMENTS + 3):
        msg.add_attachment(_camt_xml(), maintype="application", subtype="xml", filename=f"{i}.xml")
    assert len(statement_attachments(parse(bytes(msg)))) == notices.MAX_STATEMENTS


def test_a_camt_attached_to_any_source_gives_one_notice_per_entry():
    raw = _with_attachment(_camt_xml(), "umsatz.xml", "application/xml")
    for kind in ("camt", "generic", "paypal"):
        assert [n.kind for n in read_notices(parse(raw), kind)] == [
            "payment",
            "pending",
            "payment",
            "not_a_payment",
        ]


def test_an_e_invoice_xml_attached_to_a_payment_mail_does_not_hide_the_payment():
    invoice = (
        b'<?xml version="1.0"?><Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>'
    )
    msg = EmailMessage()
    msg["From"] = "payments@portal.example"
    msg["Subject"] = "Payment received"
    msg.set_content("Payment received\nAmount: €1,190.00\nReference: RE-2026-0042\n")
    msg.add_attachment(invoice, maintype="application", subtype="xml", filename="invoice.xml")
    assert [n.kind for n in read_notices(parse(bytes(msg)), "generic")] == ["payment"]
    assert [n.kind for n in read_notices(parse(bytes(msg)), "camt")] == ["not_a_payment"]


def test_a_camt_source_mail_without_a_statement_is_no_payment():
    found = read_notices(_mail("Kontoinformation", "Betrag: 500,00 EUR Gutschrift"), "camt")
    assert [n.kind for n in found] == ["not_a_payment"] and "no camt" in found[0].reason


def test_hostile_xml_attached_is_no_payment():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
        b"<Document><Ntry>&b;</Ntry></Document>"
    )
    found = read_notices(parse(_with_attachment(bomb, "x.xml", "application/xml")), "camt")
    assert [n.kind for n in found] == ["not_a_payment"]


def test_statement_bytes_read_as_the_file_does_with_the_account(tmp_path):
    path = tmp_path / "camt054.xml"
    path.write_bytes(_camt_xml())
    from_file, from_bytes = read_statement(path), read_statement_bytes(_camt_xml(), "mail")
    assert from_file == from_bytes
    assert {e.account for e in from_bytes} == {"DE89370400440532013000"}


def test_unreadable_statement_bytes_name_where_they_came_from():
    with pytest.raises(StatementError, match=r"^umsatz\.xml: not a readable camt XML file"):
        read_statement_bytes(b"not xml", "umsatz.xml")
    with pytest.raises(StatementError, match=r"no camt\.053/054 document"):
        read_statement_bytes(b"<Invoice/>", "invoice.xml")


def test_a_creditor_reference_or_a_broken_iban_is_no_beneficiary():
    for line in ("Auf Ihr Konto RF18 5390 0754 7034", "Auf Ihr Konto DE88 3704 0044 0532 0130 00"):
        notice = _one("Zahlungseingang", f"{line}\nBetrag: 500,00 EUR\n", "bank_mail")
        assert notice.kind == "payment" and notice.beneficiary == ""


def test_a_masked_account_is_kept_as_the_bank_writes_it():
    notice = _one(
        "Zahlungseingang",
        "Eingang auf Ihrem Konto DE89 **** **** **** 3000 00\nBetrag: 500,00 EUR\n",
        "bank_mail",
    )
    assert notice.beneficiary == "DE89************300000"


# --- real mail beyond the first fixtures (dev14): kinds, amounts, payers ------------------


def _kind_amount(notice: Notice) -> tuple[str, Decimal | None, str | None]:
    received = notice.received
    return notice.kind, received.amount if received else None, received.currency if received else None


def test_a_payment_mail_mentioning_the_next_payout_stays_a_payment():
    body = (
        "New payment received\n\nAmount:       €249.90\nCustomer:     Sabine Krämer\n"
        "Description:  Order 10472\n\nThe payment is added to your balance and paid out to your bank"
        " account with your next payout.\n"
    )
    notice = _one("New payment from Sabine Krämer", body, "generic")
    assert _kind_amount(notice) == ("payment", Decimal("249.90"), "EUR")
    sumup = "Lukas Brenner hat Ihren Zahlungslink bezahlt.\n\nBetrag:  180,00 €\nGebühr (2,5 %):  4,50 €\n"
    sumup += "Auszahlungsbetrag:  175,50 €\nDer Auszahlungsbetrag wird auf Ihr Bankkonto überwiesen.\n"
    notice = _one("Ihr Zahlungslink wurde bezahlt: 180,00 €", sumup, "generic")
    assert _kind_amount(notice) == ("payment", Decimal("180.00"), "EUR")
    assert notice.received is not None and notice.received.payer == "Lukas Brenner"


def test_a_stripe_sepa_direct_debit_payment_is_a_payment_not_a_debit_of_the_owner():
    body = (
        "Sie haben eine Zahlung über 1.250,00 € von Nordlicht GmbH erhalten\n\nBetrag   1.250,00 €\n"
        "Zahlungsmethode   SEPA-Lastschrift\nKunde   Nordlicht GmbH · buchhaltung@nordlicht.de\n"
        "Zahlungs-ID   pi_3QtA91Ex7vR1a9Bd1cD5hK2e\n"
    )
    notice = _one("Zahlung über 1.250,00 € von Nordlicht GmbH", body, "stripe")
    assert _kind_amount(notice) == ("payment", Decimal("1250.00"), "EUR")
    assert notice.received is not None and notice.received.payer == "Nordlicht GmbH"
    debit = _one(
        "Lastschrift",
        "Wir haben eine SEPA-Lastschrift über 49,00 € von Ihrem Konto abgebucht.\n",
        "bank_mail",
    )
    assert debit.kind == "not_a_payment"


def test_a_processing_fee_line_does_not_make_a_paid_invoice_pending():
    body = "You've been paid!\n\nAmount paid        $1,075.00\nProcessing fee     -$31.48\nNet   $1,043.52\n"
    notice = _one("Invoice #000142 paid by Bright Path Counseling", body, "generic")
    assert _kind_amount(notice) == ("payment", Decimal("1075.00"), "USD")
    still = _one("Payment received", "Amount: $500.00 USD\nYour payment is still processing.\n", "generic")
    assert still.kind == "pending"
    held = _one("Payment received", "Amount: €500.00 EUR\nPending balance: €500.00 EUR\n", "paypal")
    assert held.kind == "pending"


def test_a_partial_refund_after_the_payment_leaves_it_a_payment_at_the_gross():
    body = (
        "You received a payment of $1,250.00 USD from Dorothy Kessler.\n\n"
        "A partial refund of $100.00 USD was issued to Dorothy Kessler.\n"
        "Gross amount:  $1,250.00 USD\nPartial refund:  -$100.00 USD\nTotal after refund:  $1,150.00 USD\n"
    )
    notice = _one("Payment received - $1,150.00 USD after partial refund", body)
    assert _kind_amount(notice) == ("payment", Decimal("1250.00"), "USD")
    refund = _one("Partial refund of a payment received", "You refunded $100.00 USD of a payment.\n")
    assert refund.kind == "refund"


def test_a_refund_the_body_names_before_the_payment_is_a_refund_whatever_the_subject():
    body = "This payment was reversed by the buyer's bank.\nYou received a payment of €300.00 EUR on Dec 1.\n"
    assert _one("Payment received from Tom Berg", body).kind == "refund"


def test_the_subject_names_a_payout_even_when_the_body_lists_refunds_in_it():
    body = (
        "Ihre Auszahlung über 4.812,37 € ist unterwegs zu Ihrem Bankkonto.\n\nBetrag  4.812,37 €\n"
        "Die Auszahlung umfasst 6 Zahlungen und 1 Rückerstattung.\n"
    )
    assert _one("Ihre Auszahlung über 4.812,37 € ist unterwegs", body, "stripe").kind == "not_a_payment"


def test_a_disputed_payment_is_a_refund_even_when_no_amount_is_named_as_received():
    body = (
        "Nate Sorensen disputed a $420.00 payment with their card issuer.\n"
        "The disputed amount of $420.00 and a $15.00 dispute fee have been withdrawn from your balance.\n"
    )
    notice = _one("A payment has been disputed", body, "stripe")
    assert notice.kind == "refund"


def test_an_incoming_payment_being_reviewed_is_pending_never_a_payment():
    body = (
        "We've received a payment of £1,500.00 from HOLLOWAY & PARK LTD to your GBP account, but we"
        " need to review it before we can add it to your balance.\n\nAmount:  £1,500.00\n"
    )
    assert _one("We're reviewing an incoming payment", body, "generic").kind == "pending"
    held = _one(
        "You received a payment", "You received €800.00 EUR from Jan Ode. We're reviewing it.\n", "generic"
    )
    assert held.kind == "pending"


def test_money_on_its_way_is_pending_in_english_and_german():
    de = "Fenja Ohlsen hat dir 600,00 EUR geschickt. Das Geld ist auf dem Weg zu dir.\n"
    assert _one("Fenja Ohlsen schickt dir 600,00 EUR", de, "wise").kind == "pending"
    en = "Funds of €600.00 from Fenja Ohlsen are on their way to your account.\n"
    assert _one("Incoming transfer", en, "wise").kind == "pending"


def test_informal_german_wise_mail_is_a_payment_with_its_transfer_number():
    body = (
        "Thornbury & Cole Ltd hat dir 875,00 GBP gesendet.\n"
        "875,00 GBP → 1.003,12 EUR (Wechselkurs 1 GBP = 1,14643 EUR)\n"
        "Absender: Thornbury & Cole Ltd\nÜberweisungsnummer: #1190355621\n"
    )
    notice = _one("Du hast 875,00 GBP erhalten", body, "wise")
    assert _kind_amount(notice) == ("payment", Decimal("875.00"), "GBP")
    assert notice.key == "1190355621"
    assert notice.received is not None and notice.received.payer == "Thornbury & Cole Ltd"


def test_a_bank_advisors_answer_that_the_payment_came_in_is_one_and_not_yet_is_none():
    body = (
        "Die Zahlung ist heute auf Ihrem Geschäftskonto eingegangen.\n\nBetrag:  2.400,00 EUR\n"
        "Auftraggeber:  Keller Gartenbau GmbH & Co. KG\n\n-----Ursprüngliche Nachricht-----\n"
        "Ist die Zahlung über 2.400,00 EUR eingegangen? Letzten Monat kamen 600,00 EUR.\n"
    )
    notice = _one("AW: Zahlung Firma Keller eingegangen?", body, "bank_mail")
    assert _kind_amount(notice) == ("payment", Decimal("2400.00"), "EUR")
    assert notice.received is not None and notice.received.payer == "Keller Gartenbau GmbH & Co. KG"
    not_yet = _one(
        "AW: Zahlung eingegangen?", "Die Zahlung über 2.400,00 EUR ist noch nicht eingegangen.\n", "bank_mail"
    )
    assert not_yet.kind != "payment"


@pytest.mark.parametrize(
    ("line", "payer"),
    [
        ("Von:  Schreinerei Adler e.K.", "Schreinerei Adler e.K."),
        ("Auftraggeber:  Hoffmann Design UG (haftungsbeschränkt)", "Hoffmann Design UG (haftungsbeschränkt)"),
        ("Auftraggeber:  Bergwerk Digital AG, Bahnhofstrasse 12, 8001 Zürich", "Bergwerk Digital AG"),
        ("Kunde:  Brandt & Söhne KG · buchhaltung@brandt-soehne.de", "Brandt & Söhne KG"),
        ("Hanna Virtanen paid your invoice 2026-0199 for €640.00 EUR.", "Hanna Virtanen"),
        ("Müller Bau GmbH & Co. KG hat Ihre Rechnung bezahlt.", "Müller Bau GmbH & Co. KG"),
    ],
)
def test_the_payer_keeps_its_legal_form_and_loses_its_address(line, payer):
    notice = _one("Zahlungseingang", f"{line}\nBetrag:  640,00 EUR\n", "bank_mail")
    assert notice.received is not None and notice.received.payer == payer


def test_a_finnish_bank_credit_is_read():
    body = (
        "tilillesi FI37 5000 0120 4567 89 on saapunut maksu.\n\nMaksaja       Laura Mäkinen\n"
        "Summa         890,00 EUR\nKirjauspäivä  29.11.2026\nViesti        Lasku 2026-0215\n\n"
        "Tilin saldo: 6 402,18 EUR\n"
    )
    notice = _one("Tilillesi on saapunut maksu", body, "bank_mail")
    assert _kind_amount(notice) == ("payment", Decimal("890.00"), "EUR")
    assert notice.received is not None and notice.received.payer == "Laura Mäkinen"
    assert notice.received.on == date(2026, 11, 29) and "2026-0215" in notice.received.text


def test_a_bank_mail_with_two_credits_gives_one_payment_each():
    body = (
        "Auf Ihrem Konto sind 2 Zahlungen eingegangen:\n\nBetrag: 500,00 EUR\nAuftraggeber: Anna Becker\n"
        "Verwendungszweck: RE-2026-0042\n\nBetrag: 300,00 EUR\nAuftraggeber: Tom Berg GmbH\n"
        "Verwendungszweck: RE-2026-0043\n"
    )
    found = read_notices(_mail("2 neue Gutschriften", body), "bank_mail")
    read = [
        (n.kind, n.received.amount if n.received else None, n.received.payer if n.received else "")
        for n in found
    ]
    assert read == [
        ("payment", Decimal("500.00"), "Anna Becker"),
        ("payment", Decimal("300.00"), "Tom Berg GmbH"),
    ]
    assert "RE-2026-0043" in (found[1].received.text if found[1].received else "")


def test_of_several_bank_entries_a_debit_or_a_total_is_never_a_payment():
    body = (
        "Neue Umsätze auf Ihrem Konto:\n\nBetrag: 500,00 EUR\nAuftraggeber: Anna Becker\n\n"
        "Betrag: 49,00 EUR\nEmpfänger: Telekom Deutschland GmbH\n\n"
        "Betrag: -19,99 EUR\nAuftraggeber: Stadtwerke\n"
    )
    found = read_notices(_mail("Zahlungseingang und Umsätze", body), "bank_mail")
    assert [n.kind for n in found] == ["payment", "not_a_payment", "not_a_payment"]
    with_total = body.replace("Neue Umsätze auf Ihrem Konto:", "Gesamt: 549,00 EUR")
    found = read_notices(_mail("Zahlungseingang", with_total), "bank_mail")
    assert [n.kind for n in found] == ["not_a_payment"]
    together = "Zahlungen eingegangen:\nBetrag: 500,00 EUR\nBetrag: 300,00 EUR\nAuftraggeber: Anna Becker\n"
    assert [n.kind for n in read_notices(_mail("Zahlungseingang", together), "bank_mail")] == [
        "not_a_payment"
    ]


def test_a_payout_on_its_way_to_the_bank_is_no_payment_and_a_chargeback_is_a_refund():
    payout = _one(
        "Your money is on its way", "€4,812.37 is on its way to your bank account ending 4417.\n", "stripe"
    )
    assert payout.kind == "not_a_payment"
    assert _one("Chargeback received", "A chargeback of €120.00 was made.\n", "stripe").kind == "refund"


def test_a_swift_transfer_is_read_at_the_amount_sent_not_after_the_receiving_fee():
    body = (
        "An incoming SWIFT transfer has been credited to your account.\n\nInstructed amount: USD 2,000.00\n"
        "Receiving fee: USD 15.00\nCredited amount: USD 1,985.00\nOrdering party: ACME CORP\n"
    )
    notice = _one("Incoming international payment", body, "bank_mail")
    assert _kind_amount(notice) == ("payment", Decimal("2000.00"), "USD")


def test_a_bank_credit_whose_amount_follows_a_colon_on_the_next_line_is_read():
    body = "Auf Ihrem Konto wurde folgender Betrag gutgeschrieben:\n+ 890,00 EUR\nvon: Huber Elektro GmbH\n"
    notice = _one("Neue Gutschrift", body, "bank_mail")
    assert _kind_amount(notice) == ("payment", Decimal("890.00"), "EUR")
    assert notice.received is not None and notice.received.payer == "Huber Elektro GmbH"


@pytest.mark.parametrize("cte", ["base64", "quoted-printable"])
def test_an_encoded_html_only_austrian_instant_transfer_is_read(cte):
    html = (
        "<html><body><h2>Eingang einer Echtzeitüberweisung</h2><table>"
        "<tr><td>Betrag</td><td>EUR 1.450,00</td></tr><tr><td>Auftraggeber</td><td>Gruber &amp; Partner OG</td></tr>"
        "<tr><td>Zahlungsreferenz</td><td>RE-2026-077</td></tr></table></body></html>"
    )
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = (
        "info@george.at",
        "owner@muster-design.at",
        "Neuer Zahlungseingang",
    )
    msg.set_content(html, subtype="html", cte=cte)
    assert cte in bytes(msg).decode().lower()
    found = read_notices(parse(bytes(msg)), "bank_mail")
    assert len(found) == 1 and _kind_amount(found[0]) == ("payment", Decimal("1450.00"), "EUR")
    assert found[0].received is not None and found[0].received.payer == "Gruber & Partner OG"
    assert "RE-2026-077" in found[0].received.text


def test_an_invoicing_tools_paid_mail_names_the_payer_after_a_greeting():
    notice = _one(
        "Invoice INV-0042 was paid",
        "Great news! Bright Co paid invoice INV-0042.\nAmount paid: €800.00\n",
        "generic",
    )
    assert _kind_amount(notice) == ("payment", Decimal("800.00"), "EUR")
    assert notice.received is not None and notice.received.payer == "Bright Co"


def test_a_payment_being_checked_in_german_is_pending():
    body = "Sie haben 900,00 € EUR von Ines Wolf erhalten. Die Zahlung wird derzeit überprüft.\n"
    assert _one("Neue Zahlung", body).kind == "pending"


def test_an_order_style_paypal_mail_reads_the_total_and_the_note_not_the_item_table():
    body = (
        "Sie haben eine Zahlung über 1.190,00 € EUR von Jana Lenz erhalten.\n\nBestelldetails\n"
        "Beschreibung                     Stückpreis      Anzahl   Betrag\n"
        "Webdesign Paket                  1.000,00 € EUR  1        1.000,00 € EUR\n"
        "Zwischensumme   1.000,00 € EUR\nMwSt.   190,00 € EUR\nGesamtbetrag   1.190,00 € EUR\n\n"
        "Anweisungen an den Verkäufer\nRechnung RE-2026-0099\n\nTransaktionscode: 5TY05013RG002845M\n"
    )
    notice = _one("Sie haben eine Bestellung erhalten", body)
    assert _kind_amount(notice) == ("payment", Decimal("1190.00"), "EUR")
    assert notice.received is not None and notice.received.text == "Rechnung RE-2026-0099"
    english = (
        "You received a payment of $480.00 USD from Mark Dunn\n\nItem name: Logo design\n"
        "Item number: INV-2026-0123\nQuantity: 1\nPrice: $480.00 USD\nTotal: $480.00 USD\n"
    )
    notice = _one("Notification of payment received", english)
    assert notice.received is not None and "INV-2026-0123" in notice.received.text


@pytest.mark.parametrize(
    ("subject", "body"),
    [
        ("Neue Rechnung", "Sie haben eine Rechnung von Hosting AG erhalten.\nRechnungsbetrag: 59,00 EUR\n"),
        ("Rechnung von Hosting AG", "Hosting AG hat Ihnen eine Rechnung gesendet.\nBetrag: 59,00 EUR\n"),
        (
            "Invoice INV-77 from Acme",
            "Acme sent you an invoice.\nAmount: $59.00 USD\nThe invoice must be paid by Dec 15.\n",
        ),
        ("Your invoice", "Invoice INV-77 is to be paid by Dec 15, 2026.\nTotal: €59.00\n"),
    ],
)
def test_an_invoice_sent_to_the_owner_is_never_a_payment(subject, body):
    assert _one(subject, body, "generic").kind != "payment"


def test_a_summary_and_a_detail_block_of_one_transfer_are_not_two_payments():
    body = (
        "You received USD 2,000.00 from ACME CORP.\n\nAmount received: USD 1,985.00\n"
        "Sender: ACME CORP\nReference: INV-300\n"
    )
    found = read_notices(_mail("Incoming SWIFT transfer", body), "bank_mail")
    assert [n.kind for n in found] == ["not_a_payment"]


def test_bank_entries_apart_by_a_rule_are_read_one_by_one():
    body = (
        "Zahlungseingänge heute\n----------\nBetrag: 120,00 EUR\nAuftraggeber: Eva Stein\n"
        "----------\nBetrag: 80,00 EUR\nAuftraggeber: Ole Brandt\n"
    )
    found = read_notices(_mail("Gutschriften", body), "bank_mail")
    assert [(n.kind, n.received.payer if n.received else "") for n in found] == [
        ("payment", "Eva Stein"),
        ("payment", "Ole Brandt"),
    ]


def test_a_revolut_transfer_that_has_arrived_is_a_payment_and_one_not_yet_arrived_is_not():
    body = "£1,500.00 from HOLLOWAY & PARK LTD has arrived in your GBP account.\n\nReference: INV-97\n"
    notice = _one("Money added to your account", body, "generic")
    assert _kind_amount(notice) == ("payment", Decimal("1500.00"), "GBP")
    assert notice.received is not None and notice.received.payer == "HOLLOWAY & PARK LTD"
    later = _one(
        "Transfer update",
        "£1,500.00 from HOLLOWAY & PARK LTD hasn't arrived in your account yet.\n",
        "generic",
    )
    assert later.kind != "payment"


def test_a_suppliers_thanks_for_the_owners_payment_is_never_a_payment():
    body = "Invoice INV-9 has been paid.\nThank you for your payment.\nAmount paid: €59.00\n"
    assert _one("Invoice INV-9 paid", body, "generic").kind == "not_a_payment"
    de = "Vielen Dank für Ihre Zahlung. Die Rechnung wurde beglichen.\nBetrag: 59,00 EUR\n"
    assert _one("Zahlung erhalten", de, "generic").kind == "not_a_payment"
