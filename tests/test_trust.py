"""Trust fails closed: a forged payment claim, contact change or bank change changes nothing,
acknowledges nobody and reaches the owner once; a request to pay elsewhere is always
a contact change (issue 11, part 7)."""

from __future__ import annotations

import json
import mailbox
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.utils import format_datetime
from pathlib import Path

import pytest
from conftest import write_config
from test_replies import KNOWN

from mailbot.cli.main import main
from mailbot.inbound.forward import needs_owner, summary
from mailbot.inbound.intents import classify_text
from mailbot.inbound.replies import classify

OWN_IBAN = "DE89370400440532013000"  # the owner's, as in tests/conftest.py
OURS_PASS = (
    "Authentication-Results: mx.muster-design.example;\r\n\tdkim=pass header.d=acme.example;\r\n"
    "\tspf=pass smtp.mailfrom=acme.example;\r\n\tdmarc=pass (p=reject) header.from=acme.example\r\n"
)
PROVIDER_FAIL = (
    "ARC-Authentication-Results: i=1; mx.google.com;\r\n\tdkim=none;\r\n"
    "\tspf=pass smtp.mailfrom=vps-cheap.example;\r\n\tdmarc=fail (p=NONE sp=NONE dis=NONE) header.from=acme.example\r\n"
    "Authentication-Results: mx.google.com;\r\n\tdkim=none;\r\n"
    "\tspf=pass smtp.mailfrom=vps-cheap.example;\r\n\tdmarc=fail (p=NONE sp=NONE dis=NONE) header.from=acme.example\r\n"
)


def _mail(head: str, body: str = "Paid yesterday, please stop the reminders.", msgid: str = "m1",
          in_reply_to: str = "") -> bytes:  # fmt: skip
    """A fresh reply to Acme's invoice; ``head`` holds From and any authentication headers."""
    thread = f"In-Reply-To: {in_reply_to}\r\nReferences: {in_reply_to}\r\n" if in_reply_to else ""
    return (
        f"{head}To: billing@muster-design.example\r\nSubject: Re: Invoice 2026-001\r\n"
        f"Date: {format_datetime(datetime.now(UTC))}\r\nMessage-ID: <{msgid}@acme.example>\r\n{thread}"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    ).encode()


# The four shapes the reliability run trusted: each a payment claim "from" Acme.
SPOOFS = {
    "no_header_of_ours_when_expected": "From: Tom Baker <ap@acme.example>\r\n",
    "dmarc_fail_by_the_providers_server": PROVIDER_FAIL + "From: Tom Baker <ap@acme.example>\r\n",
    "from_with_two_addresses": "From: Tom Baker <ap@acme.example>, Mallory <m@evil.example>\r\n",
    "two_from_headers": "From: Tom Baker <ap@acme.example>\r\nFrom: Mallory <m@evil.example>\r\n",
}


# -- classify: the pure reading -------------------------------------------------------


def test_two_from_headers_are_untrusted():
    reply = classify(_mail(OURS_PASS + SPOOFS["two_from_headers"]), KNOWN)
    assert (reply.intent, reply.client, reply.trusted) == ("payment_claimed", "acme", False)
    assert reply.trust_reason == "2 From headers"


def test_a_from_with_two_addresses_is_untrusted():
    reply = classify(_mail(OURS_PASS + SPOOFS["from_with_two_addresses"]), KNOWN)
    assert (reply.client, reply.trusted, reply.trust_reason) == ("acme", False, "From names 2 addresses")


def test_an_encoded_display_name_cannot_pose_as_the_address():
    """Decoding before reading addresses let ``=?..?= <evil>`` read as the client."""
    head = OURS_PASS + "From: =?utf-8?q?ap=40acme.example?= <m@evil.example>\r\n"
    reply = classify(_mail(head), KNOWN)
    assert (reply.sender, reply.client, reply.trusted) == ("m@evil.example", "", False)


def test_a_mail_without_our_header_is_untrusted_when_our_server_writes_them():
    raw = _mail(SPOOFS["no_header_of_ours_when_expected"])
    assert classify(raw, KNOWN).trusted  # nothing says a header is expected: the address decides
    reply = classify(raw, replace(KNOWN, expect_auth=True))
    assert (reply.client, reply.trusted) == ("acme", False)
    assert "no Authentication-Results of our server" in reply.trust_reason
    assert classify(_mail(OURS_PASS + "From: ap@acme.example\r\n"), replace(KNOWN, expect_auth=True)).trusted


def test_dmarc_fail_written_by_the_providers_server_is_untrusted():
    """Without ``authserv_id`` the provider's headers are not ours, but its DMARC failure for
    the client's domain still counts: only the sender of this very mail could have forged it."""
    reply = classify(_mail(SPOOFS["dmarc_fail_by_the_providers_server"]), KNOWN)
    assert (reply.client, reply.trusted) == ("acme", False)
    assert reply.trust_reason == "mx.google.com reports dmarc=fail for acme.example"


def test_dmarc_fail_in_any_header_of_ours_is_untrusted():
    head = (
        "Authentication-Results: mx.muster-design.example; dkim=pass header.d=acme.example\r\n"
        "Authentication-Results: mx.muster-design.example; dmarc=fail header.from=acme.example\r\n"
        "From: ap@acme.example\r\n"
    )
    reply = classify(_mail(head), KNOWN)
    assert (reply.trusted, reply.trust_reason) == (False, "our server reports dmarc=fail")


def test_a_pass_below_our_topmost_verdict_does_not_count():
    """Our server said "none"; a header with our name further down is the sender's."""
    head = (
        "Authentication-Results: mx.muster-design.example; dkim=none; spf=pass; dmarc=none\r\n"
        "Authentication-Results: mx.muster-design.example; dkim=pass header.d=acme.example; dmarc=pass\r\n"
        "From: ap@acme.example\r\n"
    )
    assert not classify(_mail(head), KNOWN).trusted


def test_one_header_per_method_makes_one_verdict():
    """Servers that write DMARC, SPF and DKIM in headers of their own: together they are the verdict."""
    head = (
        "Authentication-Results: mx.muster-design.example; spf=pass smtp.mailfrom=acme.example\r\n"
        "Authentication-Results: mx.muster-design.example; dkim=pass header.d=acme.example\r\n"
        "From: ap@acme.example\r\n"
    )
    assert classify(_mail(head), KNOWN).trusted


def test_a_dmarc_pass_for_another_domain_is_not_aligned():
    head = "Authentication-Results: mx.muster-design.example; dmarc=pass header.from=evil.example\r\n"
    assert not classify(_mail(head + "From: ap@acme.example\r\n"), KNOWN).trusted


def test_a_second_reply_to_elsewhere_is_untrusted():
    head = OURS_PASS + "From: ap@acme.example\r\nReply-To: ap@acme.example, m@evil.example\r\n"
    reply = classify(_mail(head), KNOWN)
    assert (reply.trusted, reply.trust_reason) == (False, "Reply-To m@evil.example is not the client's")


# -- a request to pay into another account --------------------------------------------

OWN = frozenset({OWN_IBAN})


@pytest.mark.parametrize(
    "words",
    [
        "Thanks! Please transfer to our new account IBAN GB29 NWBK 6016 1331 9268 19 from now on.",
        "Paid yesterday. Note that our bank account has changed, please use the details below.",
        "Vielen Dank! Bitte überweisen Sie künftig auf unser neues Konto.",
        "Danke, bezahlt. Unsere IBAN lautet jetzt AT61 1904 3002 3457 3201.",
        "Kiitos! Maksakaa jatkossa uudelle tilillemme.",
        "Merci ! Merci d'effectuer le virement sur notre nouveau compte.",
        "Hvala! Uplatu izvršite na naš novi račun.",
        "Хвала! Уплату извршите на наш нови рачун.",
        "Thank you. Kindly make all payments to the account below.",
        "Danke! Wir haben die Bank gewechselt.",
        "Kiitos. Pankkitilimme on vaihtunut.",
        "Merci de régler sur le RIB ci-joint.",
        "Убудуће уплате вршите на рачун 160-0000012345-67.",
    ],
)
def test_a_request_to_pay_into_another_account_is_a_contact_change(words):
    assert classify_text(words).intent == "contact_change"


@pytest.mark.parametrize(
    ("words", "intent"),
    [
        ("Paid yesterday to DE89 3704 0044 0532 0130 00, thanks.", "payment_claimed"),
        ("We paid yesterday from our account DE44 5001 0517 5407 3249 31.", "payment_claimed"),
        ("Thanks, received. Order AB12 3456 7890 1234 is fine.", "thanks"),
        ("Paid yesterday from a different bank account, sorry for the delay.", "payment_claimed"),
    ],
)
def test_the_owners_iban_quoted_back_or_the_payers_own_is_no_request(words, intent):
    assert classify_text(words, OWN).intent == intent


def test_an_auto_reply_asking_to_pay_elsewhere_goes_to_the_owner():
    head = OURS_PASS + "From: ap@acme.example\r\nAuto-Submitted: auto-replied\r\n"
    body = "I am out of the office. Please note our new bank account: IBAN GB29 NWBK 6016 1331 9268 19."
    reply = classify(_mail(head, body), replace(KNOWN, own_ibans=OWN))
    assert (reply.intent, reply.auto, reply.trusted) == ("contact_change", True, True)
    assert needs_owner(reply) == "contact_change"


# -- a real pass over the Maildir inbox -------------------------------------------------


def _drop(config: Path, raw: bytes) -> None:
    mailbox.Maildir(config.parent / "var" / "mail" / "inbox", create=True).add(raw)


def _invoice_id(config: Path) -> str:
    db = sqlite3.connect(config.parent / "var" / "mailbot.db")
    (found,) = db.execute(
        "SELECT message_id FROM outbox WHERE invoice = '2026-001' AND kind = 'invoice'"
    ).fetchone()
    return found


def _history(config: Path, capsys) -> list[dict]:
    capsys.readouterr()
    assert main(["--config", str(config), "history", "2026-001", "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def _state(config: Path, capsys) -> dict:
    capsys.readouterr()
    assert main(["--config", str(config), "status", "--json"]) == 0
    return next(row for row in json.loads(capsys.readouterr().out) if row["invoice"] == "2026-001")


def _outbox(config: Path) -> list:
    box = mailbox.Maildir(config.parent / "var" / "mail" / "outbox", create=False)
    return [message_from_bytes(m.as_bytes(), policy=policy.default) for m in box]


@pytest.mark.parametrize("shape", sorted(SPOOFS))
def test_a_spoofed_payment_claim_pauses_nothing_acknowledges_nobody_and_reaches_the_owner_once(
    tmp_path, capsys, shape
):
    extra = '\n[imap]\nauthserv_id = "mx.muster-design.example"\n'  # (no host: the Maildir inbox)
    config = write_config(tmp_path, extra if shape == "no_header_of_ours_when_expected" else "")
    assert main(["--config", str(config), "run", "--once"]) == 0
    before = _state(config, capsys)["state"]
    _drop(config, _mail(SPOOFS[shape], in_reply_to=_invoice_id(config)))
    assert main(["--config", str(config), "run", "--once"]) == 0
    assert main(["--config", str(config), "run", "--once"]) == 0

    row = _state(config, capsys)
    assert row["state"] == before == "overdue"
    assert (row["last_reply"]["intent"], row["last_reply"]["trusted"]) == ("payment_claimed", False)
    kinds = [(e["type"], e.get("kind")) for e in _history(config, capsys)]
    assert kinds == [("sent", "invoice"), ("reply", None), ("sent", "forward")]  # no ack, once
    forwards = [m for m in _outbox(config) if m["X-Mailbot"] == "forward"]
    assert len(forwards) == 1
    to_client = [m for m in _outbox(config) if "ap@acme.example" in str(m["To"])]
    assert [m["X-Mailbot"] for m in to_client] == [None]  # the invoice itself, nothing after it
    summary = forwards[0].get_body(("plain",)).get_content().splitlines()[0]
    assert "NOT verified: " in summary and "nothing was changed" in summary


def test_once_a_header_of_ours_was_seen_a_mail_without_one_is_untrusted(tmp_path, capsys):
    """No ``authserv_id``: the first mail carrying our server's header turns the rule on, and
    the state file remembers it for every later pass."""
    config = write_config(tmp_path)
    assert main(["--config", str(config), "run", "--once"]) == 0
    invoice_id = _invoice_id(config)
    _drop(config, _mail(OURS_PASS + "From: ap@acme.example\r\n", "Thanks, received.", "real", invoice_id))
    assert main(["--config", str(config), "run", "--once"]) == 0
    _drop(config, _mail(SPOOFS["no_header_of_ours_when_expected"], in_reply_to=invoice_id))
    assert main(["--config", str(config), "run", "--once"]) == 0

    replies = [e for e in _history(config, capsys) if e["type"] == "reply"]
    assert [(e["intent"], e["trusted"]) for e in replies] == [("thanks", True), ("payment_claimed", False)]
    assert _state(config, capsys)["state"] == "overdue"
    assert len([m for m in _outbox(config) if m["X-Mailbot"] == "forward"]) == 1


def test_a_genuine_payment_claim_still_counts(tmp_path, capsys):
    """The control: the same claim with our server's passing verdict moves the invoice."""
    config = write_config(tmp_path)
    assert main(["--config", str(config), "run", "--once"]) == 0
    _drop(config, _mail(OURS_PASS + "From: Tom Baker <ap@acme.example>\r\n", in_reply_to=_invoice_id(config)))
    assert main(["--config", str(config), "run", "--once"]) == 0
    assert _state(config, capsys)["state"] == "payment_claimed"


def test_a_thankful_mail_asking_to_pay_a_new_iban_goes_to_the_owner_and_changes_nothing(tmp_path, capsys):
    config = write_config(tmp_path)
    assert main(["--config", str(config), "run", "--once"]) == 0
    body = "Thanks for the invoice! Please transfer to our new account IBAN GB29 NWBK 6016 1331 9268 19."
    _drop(config, _mail(OURS_PASS + "From: ap@acme.example\r\n", body, in_reply_to=_invoice_id(config)))
    assert main(["--config", str(config), "run", "--once"]) == 0

    (event,) = [e for e in _history(config, capsys) if e["type"] == "reply"]
    assert (event["intent"], event["trusted"]) == ("contact_change", True)
    assert _state(config, capsys)["state"] == "overdue"
    (forward,) = [m for m in _outbox(config) if m["X-Mailbot"] == "forward"]
    assert forward.get_body(("plain",)).get_content().startswith("Contact change on invoice 2026-001")


def test_an_untrusted_bank_change_goes_to_the_owner_with_the_reason():
    body = "Please note our new bank details: IBAN GB29 NWBK 6016 1331 9268 19."
    reply = classify(_mail(PROVIDER_FAIL + "From: ap@acme.example\r\n", body), replace(KNOWN, own_ibans=OWN))
    assert (reply.intent, reply.trusted) == ("contact_change", False)
    assert needs_owner(reply) == "contact_change"
    line = summary(reply, "contact_change")
    assert "NOT verified: mx.google.com reports dmarc=fail for acme.example" in line


# -- a real pass over IMAP (Dovecot) and SMTP -------------------------------------------


def test_over_imap_a_spoof_after_genuine_mail_changes_nothing_and_is_forwarded_once(
    tmp_path, smtp_server, dovecot, capsys
):
    """The first genuine reply carries our server's header; the spoof that follows has
    none and two From headers. Nothing is paused, nobody but the owner gets mail."""
    config = _imap_config(tmp_path, smtp_server, dovecot)
    assert main(["--config", str(config), "run", "--once"]) == 0
    invoice_id = _invoice_id(config)
    dovecot.append(_mail(OURS_PASS + "From: ap@acme.example\r\n", "Thanks, received.", "real", invoice_id))
    assert main(["--config", str(config), "run", "--once"]) == 0
    sent_before = len(smtp_server.messages)
    dovecot.append(_mail(SPOOFS["two_from_headers"], msgid="spoof", in_reply_to=invoice_id))
    assert main(["--config", str(config), "run", "--once"]) == 0
    assert main(["--config", str(config), "run", "--once"]) == 0

    new = smtp_server.messages[sent_before:]
    assert [m.recipients for m in new] == [[IMAP_OWNER]]
    assert b"2 From headers" in new[0].raw
    row = _state(config, capsys)
    assert (row["state"], row["last_reply"]["trusted"]) == ("overdue", False)


IMAP_OWNER = "owner@muster-design.example"


def _imap_config(tmp_path: Path, smtp_server, dovecot) -> Path:
    imap = (
        f'\n[imap]\nhost = "127.0.0.1"\nport = {dovecot.port}\nsecurity = "none"\n'
        f'username = "{dovecot.user}"\npassword = "{dovecot.password}"\ntimeout = 10\n'
    )
    config = write_config(tmp_path, smtp_server.toml() + imap)
    text = config.read_text().replace(
        'tax_id = "DE123456789"', f'tax_id = "DE123456789"\nowner_email = "{IMAP_OWNER}"', 1
    )
    config.write_text(text)
    return config
