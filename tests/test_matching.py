"""Which open invoice(s) a received payment pays (decide.matching): never a guess."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from mailbot.config.settings import Client
from mailbot.decide.matching import Book, OpenInvoice, Received, match
from mailbot.decide.payers import name_key, payer_is
from mailbot.decide.receivable import open_invoices
from mailbot.ledger.invoices import Invoice, LineItem
from mailbot.ledger.references import fi_reference, references_of, rf_reference
from mailbot.records.facts import Facts
from mailbot.records.rows import Event

KAISER = ("Kaiser & Söhne GmbH", "buchhaltung@kaiser-soehne.example")
ACME = ("Acme Ltd", "ap@acme.example")
VIRTA = ("Virta Oy", "laskut@virta.example")


def invoice(number: str, balance: str, names=KAISER, currency: str = "EUR", client: str = "") -> OpenInvoice:
    return OpenInvoice(number, client or names[0], names, currency, Decimal(balance), references_of(number))


def paid(amount: str, text: str = "", payer: str = "", currency: str = "EUR", email: str = "") -> Received:
    return Received(Decimal(amount), currency, date(2026, 11, 20), payer, text, email)


OPEN = [
    invoice("2026-001", "3998.40", ACME),
    invoice("2026-002", "500.00", ACME),
    invoice("2026-004", "1053.23"),
    invoice("2026-005", "1053.23"),
    invoice("2026-007", "700.00", VIRTA),
    invoice("2026-008", "200.00", ACME, currency="USD"),
]


def test_an_invoice_number_and_its_exact_balance_is_paid():
    found = match(paid("1053.23", "Rechnung 2026-004 vielen Dank"), OPEN)
    assert (found.outcome, found.recorded) == ("paid", True)
    assert [(s.invoice, s.amount) for s in found.settles] == [("2026-004", Decimal("1053.23"))]
    assert found.how == "invoice number 2026-004"


def test_less_than_the_balance_is_a_partial_payment_and_says_what_stays_open():
    found = match(paid("1000.00", "Invoice 2026-001, first part"), OPEN)
    assert found.outcome == "partial" and found.recorded
    assert found.settles[0].amount == Decimal("1000.00")
    assert "2998.40 EUR of 2026-001 stays open" in found.reason


def test_more_than_the_balance_is_recorded_as_overpaid_and_the_excess_named():
    found = match(paid("600.00", "2026-002"), OPEN)
    assert found.outcome == "overpaid" and found.recorded
    assert found.settles[0].amount == Decimal("600.00")
    assert "100.00 EUR more than was open on 2026-002" in found.reason


def test_a_payment_in_another_currency_is_never_matched_automatically():
    found = match(paid("1053.23", "2026-004", currency="CHF"), OPEN)
    assert (found.outcome, found.recorded, found.settles) == ("other_currency", False, ())
    assert found.candidates == ("2026-004",)
    assert "CHF" in found.reason and "2026-004 in EUR" in found.reason


def test_several_invoices_named_and_paid_exactly_are_each_settled():
    found = match(paid("4498.40", "Rg. 2026-001 + 2026-002"), OPEN)
    assert found.outcome == "several"
    assert [(s.invoice, s.amount) for s in found.settles] == [
        ("2026-001", Decimal("3998.40")),
        ("2026-002", Decimal("500.00")),
    ]


def test_several_invoices_named_with_another_total_go_to_the_owner_listed():
    found = match(paid("500.00", "2026-001 2026-002"), OPEN)
    assert (found.outcome, found.settles) == ("ambiguous", ())
    assert found.candidates == ("2026-001", "2026-002")
    assert "2026-001, 2026-002" in found.reason


def test_only_closed_invoices_named_is_not_open():
    found = match(paid("100.00", "Rechnung 2026-003"), OPEN, frozenset({"2026-003"}))
    assert (found.outcome, found.candidates) == ("not_open", ("2026-003",))
    assert not found.recorded


def test_a_closed_invoices_reference_is_not_open_too():
    found = match(paid("100.00", f"viite {fi_reference('2026-003')}"), OPEN, frozenset({"2026-003"}))
    assert (found.outcome, found.candidates) == ("not_open", ("2026-003",))


def test_an_rf_reference_names_its_invoice_as_banks_print_it():
    rf = rf_reference("2026-007")
    found = match(paid("700.00", f"{rf[:4]} {rf[4:8]} {rf[8:]}"), OPEN)
    assert (found.outcome, found.settles[0].invoice) == ("paid", "2026-007")
    assert found.how == f"RF reference {rf}"


def test_a_finnish_reference_names_its_invoice():
    found = match(paid("700.00", f"Viitenumero {fi_reference('2026-007')}"), OPEN)
    assert (found.outcome, found.settles[0].invoice) == ("paid", "2026-007")
    assert found.how.startswith("Finnish reference")


def test_a_reference_two_open_invoices_share_names_neither():
    shared = [invoice("2026-010", "50.00"), invoice("2026/010", "50.00")]
    found = match(paid("50.00", rf_reference("2026-010")), shared)
    assert (found.outcome, set(found.candidates)) == ("ambiguous", {"2026-010", "2026/010"})


def test_nothing_named_exact_balance_and_the_clients_name_is_paid():
    found = match(paid("700.00", "Lasku marraskuu", payer="VIRTA OY"), OPEN)
    assert (found.outcome, found.settles[0].invoice, found.how) == ("paid", "2026-007", "amount and payer")


def test_nothing_named_payer_with_another_legal_form_and_written_umlauts_is_the_client():
    client = [invoice("2026-004", "1053.23")]
    found = match(paid("1053.23", "Abschlag", payer="KAISER UND SOEHNE"), client)
    assert (found.outcome, found.settles[0].invoice) == ("paid", "2026-004")


def test_nothing_named_two_invoices_of_the_payer_with_that_balance_are_ambiguous():
    found = match(paid("1053.23", "Abschlag", payer="Kaiser und Söhne GmbH"), OPEN)
    assert (found.outcome, found.candidates) == ("ambiguous", ("2026-004", "2026-005"))
    assert not found.settles


def test_the_same_amount_from_another_clients_payer_is_never_matched():
    found = match(paid("700.00", "Payment", payer="Acme Ltd"), OPEN)
    assert (found.outcome, found.settles) == ("unknown", ())
    assert found.candidates == ("2026-007",)
    assert "names no open invoice" in found.reason and "2026-007" in found.reason


def test_the_exact_balance_without_a_payer_is_unknown():
    assert match(paid("700.00", "Payment"), OPEN).outcome == "unknown"


def test_a_payer_email_of_the_client_matches():
    found = match(paid("500.00", "PayPal payment", payer="J. Smith", email="AP@acme.example"), OPEN)
    assert (found.outcome, found.settles[0].invoice) == ("paid", "2026-002")


def test_the_exact_balance_in_another_currency_without_a_name_is_unknown():
    assert match(paid("200.00", "", payer="Acme Ltd", currency="EUR"), OPEN).outcome == "unknown"
    assert match(paid("200.00", "", payer="Acme Ltd", currency="USD"), OPEN).outcome == "paid"


def test_a_number_inside_another_token_names_nothing():
    assert match(paid("1053.23", "Ref X2026-004 and 2026-0045"), OPEN).outcome == "unknown"


@pytest.mark.parametrize(
    ("payer", "client"),
    [
        ("KAISER UND SOEHNE GMBH", "Kaiser & Söhne GmbH"),
        ("Kaiser + Sohne", "Kaiser & Söhne GmbH"),
        ("Virta", "Virta Oy"),
        ("OY VIRTA AB", "Virta Oy"),
        ("Mostogradnja d.o.o.", "MOSTOGRADNJA DOO"),
        ("Dupont SARL", "Dupont S.A.R.L."),
        ("Acme Limited", "ACME LTD."),
        ("GLOBEX", "Globex Corporation"),
        ("Müller AG", "Mueller"),
    ],
)
def test_payer_names_match_across_case_diacritics_and_legal_forms(payer, client):
    assert name_key(payer) == name_key(client)
    assert payer_is(frozenset({name_key(client)}), payer)


@pytest.mark.parametrize(
    ("payer", "client"), [("Acme Holdings Ltd", "Acme Ltd"), ("Kaiser", "Kaiser & Söhne")]
)
def test_a_payer_whose_name_only_contains_the_clients_is_not_the_client(payer, client):
    assert name_key(payer) != name_key(client)


def test_the_book_sees_what_earlier_payments_left():
    book = Book(OPEN)
    first = book.match(paid("1000.00", "2026-001"))
    book.record(first)
    second = book.match(paid("2998.40", "2026-001 rest"))
    assert (first.outcome, second.outcome) == ("partial", "paid")
    book.record(second)
    third = book.match(paid("1.00", "2026-001"))
    assert (third.outcome, third.candidates) == ("not_open", ("2026-001",))


def test_the_book_matches_the_rest_by_amount_and_payer_after_a_partial_payment():
    book = Book(OPEN)
    book.record(book.match(paid("600.00", "2026-007")))
    found = book.match(paid("100.00", "", payer="Virta Oy"))
    assert (found.outcome, found.settles[0].invoice) == ("paid", "2026-007")


def test_a_settled_invoices_reference_no_longer_names_an_open_one():
    book = Book(OPEN)
    book.record(book.match(paid("700.00", "2026-007")))
    assert book.match(paid("700.00", fi_reference("2026-007"))).outcome == "not_open"


def _ledger_invoice(number: str, client: str, net: str, **fields) -> Invoice:
    return Invoice(
        number,
        client,
        1,
        items=[LineItem(2, "Work", Decimal(1), "", Decimal(net), Decimal(0), Decimal(0), Decimal(net))],
        **fields,
    )


def test_open_invoices_come_from_the_ledger_the_payments_recorded_and_the_clients():
    clients = {"acme": Client(name="Acme Ltd", email=["ap@acme.example"], cc=["boss@acme.example"])}
    ledger = [
        _ledger_invoice("A-1", "acme", "100.00"),
        _ledger_invoice("A-2", "acme", "100.00", cancelled=True),
        _ledger_invoice("A-3", "acme", "100.00", paid_on=date(2026, 11, 1)),
        _ledger_invoice("A-4", "acme", "100.00"),
    ]
    payment = Event(
        "A-4", "2026-11-20T10:00:00Z", "payment", detail='{"amount": "40.00", "on": "2026-11-20"}'
    )
    found, closed = open_invoices(ledger, {"A-4": Facts(events=[payment])}, clients)
    assert [(i.number, i.balance) for i in found] == [("A-1", Decimal("100.00")), ("A-4", Decimal("60.00"))]
    assert closed == {"A-2", "A-3"}
    assert found[0].names == ("Acme Ltd", "ap@acme.example", "boss@acme.example")
    assert found[0].references == references_of("A-1")


def test_several_invoices_named_one_in_another_currency_are_never_matched_automatically():
    found = match(paid("4198.40", "2026-001 2026-008"), OPEN)
    assert (found.outcome, found.candidates, found.settles) == (
        "other_currency",
        ("2026-001", "2026-008"),
        (),
    )


def test_an_open_invoice_named_beside_a_closed_one_is_the_one_paid():
    found = match(paid("500.00", "2026-002 (2026-003 was paid)"), OPEN, frozenset({"2026-003"}))
    assert (found.outcome, found.candidates) == ("paid", ("2026-002",))


def test_a_payer_written_as_the_clients_address_matches():
    found = match(paid("700.00", "", payer="Laskut@Virta.example"), OPEN)
    assert (found.outcome, found.settles[0].invoice) == ("paid", "2026-007")
