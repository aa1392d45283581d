"""Replies as clients write them: the corpus in tests/replies, each with its expected reading."""

from __future__ import annotations

import tomllib
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from mailbot.config.settings import Client
from mailbot.inbound.intents import classify_text, fold
from mailbot.inbound.replies import Known, classify

HERE = Path(__file__).parent / "replies"
EXPECTED = tomllib.loads((HERE / "expected.toml").read_text(encoding="utf-8"))
CASES = EXPECTED["cases"]
CLIENTS = {
    "acme": Client(name="Acme Ltd", email=["ap@acme.example", "jane.smith@acme.example"]),
    "kaiser": Client(name="Kaiser & Söhne", email="buchhaltung@kaiser-soehne.example", language="de"),
    "virtanen": Client(name="Virtanen Oy", email="laskut@virtanen.example", language="fi"),
    "petrovic": Client(name="Petrović d.o.o.", email="racuni@petrovic.example", language="sr"),
    "dupont": Client(name="Dupont SARL", email="compta@dupont.example", language="fr"),
    "jane": Client(name="Jane Doe", email="jane.doe.design@gmail.com"),
}
KNOWN = Known(
    sent=EXPECTED["sent"],
    open_invoices={
        "acme": ("2026-001", "2026-002"), "kaiser": ("2026-004",), "virtanen": ("2026-005",),
        "petrovic": ("2026-006",), "dupont": ("2026-007",), "jane": ("2026-008",),
    },
    clients=CLIENTS,
    own_domain="muster-design.example",
    own_addresses=frozenset({"billing@muster-design.example"}),
    own_ibans=frozenset({"DE89370400440532013000"}),
)  # fmt: skip


def test_corpus_is_large_and_covers_every_intent_and_language():
    assert len(CASES) >= 60
    assert {c["intent"] for c in CASES.values()} == {
        "payment_claimed", "promise_to_pay", "dispute", "question", "thanks",
        "contact_change", "auto_reply", "bounce", "other",
    }  # fmt: skip
    assert {"en", "de", "fi", "fr", "sr-Latn", "sr-Cyrl"} <= {c["language"] for c in CASES.values()}
    assert sorted(p.stem for p in (HERE / "corpus").glob("*.eml")) == sorted(CASES)


@pytest.fixture(scope="module")
def readings():
    def known(case: dict) -> Known:  # expect_auth: the owner's server is known to write headers
        return replace(KNOWN, expect_auth=case.get("expect_auth", False))

    return {
        name: classify((HERE / "corpus" / f"{name}.eml").read_bytes(), known(CASES[name])) for name in CASES
    }


@pytest.mark.parametrize("name", sorted(CASES))
def test_reply_is_read_as_expected(readings, name):
    case, reply = CASES[name], readings[name]
    assert (reply.intent, reply.invoice, reply.client, reply.trusted) == (
        case["intent"], case["invoice"], case["client"], case["trusted"]
    ), reply.trust_reason  # fmt: skip
    if case["intent"] in ("promise_to_pay", "auto_reply"):
        assert (reply.date.isoformat() if reply.date else None) == case.get("date")
    if case["intent"] == "bounce":
        assert (reply.failed_address, reply.permanent) == (case["failed_address"], case["permanent"])
        assert reply.auto
    if case["intent"] not in ("bounce", "auto_reply", "other"):
        assert reply.phrase, "every classification records the phrase that decided it"
        assert reply.phrase in fold(reply.new_words)
        assert fold(case["phrase"]) in fold(reply.new_words)  # the new words hold the client's sentence


@pytest.mark.parametrize(
    ("words", "intent"),
    [
        ("We have not paid yet, sorry - will do next week.", "promise_to_pay"),
        ("Die Rechnung ist noch nicht bezahlt, wir überweisen am Freitag.", "promise_to_pay"),
        ("Unfortunately this won't get paid before we get the corrected VAT.", "dispute"),
        ("Unfortunately this won't get paid before we have the PO number.", "other"),
        ("Ihr habt uns doppelt berechnet!", "dispute"),
        ("Virement effectué ce matin, merci.", "payment_claimed"),
        ("Hvala, primljeno.", "thanks"),
        ("Please update your records with our new bank details: IBAN ...", "contact_change"),
    ],
)
def test_more_phrasings_than_the_corpus(words, intent):
    assert classify_text(words).intent == intent


def test_quoted_history_never_decides():
    raw = (
        b"From: ap@acme.example\r\nTo: billing@muster-design.example\r\nSubject: Re: Invoice 2026-002\r\n"
        b"Date: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <q@acme.example>\r\n\r\n"
        b"Perfect, thanks.\r\n\r\nOn Mon, 23 Nov 2026 at 09:02, Muster Design <billing@muster-design.example> wrote:\r\n"
        b"> If you dispute this, or already paid, just reply.\r\n"
    )
    reply = classify(raw, KNOWN)
    assert (reply.intent, reply.phrase) == ("thanks", "thanks")
    assert reply.invoice == "2026-002" and reply.matched_by == "number"


def test_promised_weekday_is_resolved_against_the_reply_date():
    raw = (
        b"From: racuni@petrovic.example\r\nSubject: Odg: faktura\r\n"
        b"Date: Wed, 25 Nov 2026 16:00:00 +0100\r\nMessage-ID: <p@petrovic.example>\r\n\r\n"
        b"Platicemo do petka, izvinite.\r\n".replace(b"Platicemo", "Platićemo".encode())
    )
    reply = classify(raw, KNOWN)
    assert (reply.intent, reply.date, reply.invoice) == ("promise_to_pay", date(2026, 11, 27), "2026-006")
    assert reply.matched_by == "sender"


def test_unknown_sender_without_reference_stays_unmatched():
    raw = b"From: someone@else.example\r\nSubject: hello\r\n\r\nWe paid yesterday.\r\n"
    reply = classify(raw, KNOWN)
    assert (reply.intent, reply.invoice, reply.client, reply.trusted) == ("payment_claimed", "", "", False)


def test_a_clients_words_never_land_on_another_clients_invoice():
    known = Known(
        sent={"<inv-4@muster-design.example>": "2026-004"},
        open_invoices={"acme": ("2026-001", "2026-002"), "kaiser": ("2026-004",)},
        clients=CLIENTS, own_domain="muster-design.example",
        owners={"2026-001": "acme", "2026-002": "acme", "2026-004": "kaiser"},
    )  # fmt: skip
    words = b"\r\n\r\nThe amount is wrong: we were charged as in 2026-004.\r\n"
    fresh = classify(b"From: ap@acme.example\r\nSubject: budget" + words, known)
    assert fresh.invoice == ""  # acme has two open invoices and named neither
    threaded = classify(
        b"From: ap@acme.example\r\nIn-Reply-To: <inv-4@muster-design.example>\r\nSubject: x" + words, known
    )
    assert (threaded.invoice, threaded.trusted) == ("2026-004", False)
    assert "belongs to another client" in threaded.trust_reason


def test_a_message_id_that_is_not_ascii_is_not_taken_into_our_headers():
    """An acknowledgment writes the client's Message-ID into In-Reply-To; one with UTF-8
    (RFC 6532) cannot go into a 7-bit mail, so it is not read as an ID at all."""
    from mailbot.inbound.parse import parse

    raw = "From: a@client.example\r\nMessage-ID: <zahlung-ü@client.example>\r\nSubject: x\r\n\r\nbezahlt\r\n"
    assert parse(raw.encode()).message_id == ""
    assert parse(b"From: a@client.example\r\nMessage-ID: <ok.1@client.example>\r\n\r\nx\r\n").message_id == (
        "<ok.1@client.example>"
    )


def test_a_reply_from_a_clock_years_ahead_promises_for_a_day_near_the_day_it_is_read():
    raw = (
        b"From: laskut@virtanen.example\r\nTo: billing@muster-design.example\r\n"
        b"Subject: Re: Invoice 2026-005\r\nMessage-ID: <clock@virtanen.example>\r\n"
        b"In-Reply-To: <inv-2026-005.1a2b3c@muster-design.example>\r\n"
        b"Date: Thu, 07 Dec 2028 10:00:00 +0200\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        b"Maksamme perjantaina.\r\n"
    )
    reply = classify(raw, replace(KNOWN, today=date(2026, 12, 7)))
    assert (reply.intent, reply.date) == ("promise_to_pay", date(2026, 12, 11))
