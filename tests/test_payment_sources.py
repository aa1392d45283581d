"""Trusted payment sources (issue 14, part 1): ``[[payments.sources]]`` in the config, and
``payment_source``, which says which source a mail comes from and whether to believe it.

A notification is believed only when its one From address is a source's sender and the
owner's own server's Authentication-Results show DMARC or an aligned DKIM pass; a
look-alike domain, a display name, a DMARC failure, a foreign server's pass, two From
addresses and a forwarded or resent copy are never believed.  Nothing here records a
payment yet."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from conftest import write_config

from mailbot.config.settings import ConfigError, PaymentSource, load_settings
from mailbot.inbound.parse import parse
from mailbot.inbound.sources import SourceVerdict, payment_source, source_of

OURS = "mx.muster-design.example"  # [imap] authserv_id
OWN = "muster-design.example"
SOURCES = [
    PaymentSource(name="PayPal", senders=["service@paypal.com", "@paypal.de"], kind="paypal"),
    PaymentSource(name="Stripe", senders=["@stripe.com"], kind="stripe"),
    PaymentSource(name="Wise", senders=["noreply@wise.com"], kind="wise"),
    PaymentSource(name="Commerzbank", senders=["info@mail.commerzbank.de"], kind="bank_mail"),
]

RECEIVED = (
    "Received: from {host} ({host} [{ip}])\r\n\tby mx.muster-design.example (Postfix) with ESMTPS id 4R9xQk2Lz1z9sVp\r\n"
    "\tfor <billing@muster-design.example>; Tue, 10 Nov 2026 09:14:03 +0100 (CET)\r\n"
)
BODY = "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{body}\r\n"

# -- realistic notifications, as the owner's server (Postfix + OpenDKIM/OpenDMARC) leaves them

PAYPAL = (
    "Return-Path: <service@paypal.com>\r\n"
    + RECEIVED.format(host="mx0.slc.paypal.com", ip="173.0.84.225")
    + "Authentication-Results: mx.muster-design.example;\r\n"
    '\tdkim=pass (2048-bit key; unprotected) header.d=paypal.com header.i=@paypal.com header.b="Qe3wPd1x";\r\n'
    "\tdkim-atps=neutral\r\n"
    "Authentication-Results: mx.muster-design.example; dmarc=pass (p=reject dis=none) header.from=paypal.com\r\n"
    "Authentication-Results: mx.muster-design.example; spf=pass smtp.mailfrom=paypal.com\r\n"
    "DKIM-Signature: v=1; a=rsa-sha256; d=paypal.com; s=pp-dkim1; c=relaxed/relaxed;\r\n"
    "\tq=dns/txt; t=1794729243; h=From:To:Subject:Date:Message-ID; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;\r\n"
    "\tb=Qe3wPd1xTq8mI0tQk0nZ2Vd5mHcbS9rR7Gm1o3V0m0Y=\r\n"
    'From: "service@paypal.com" <service@paypal.com>\r\n'
    "To: Muster Design GmbH <billing@muster-design.example>\r\n"
    "Subject: You've got money\r\n"
    "Date: Tue, 10 Nov 2026 00:13:57 -0800\r\n"
    "Message-ID: <A9.1C.07212.5F8A1E56@ccg01mail03>\r\n"
    "MIME-Version: 1.0\r\n"
    + BODY.format(
        body="Hello Muster Design GmbH,\r\n\r\nAcme Ltd sent you EUR 1,190.00 EUR.\r\n"
        "Note from Acme Ltd: Invoice 2026-001\r\nTransaction ID: 5TY05013RG002845M"
    )
)
PAYPAL_DE = (
    "Return-Path: <service@paypal.de>\r\n"
    + RECEIVED.format(host="mx2.phx.paypal.com", ip="66.211.170.88")
    + "Authentication-Results: mx.muster-design.example;\r\n"
    "\tdkim=pass header.d=paypal.de header.s=pp-dkim1;\r\n"
    "\tspf=pass (mx.muster-design.example: domain of service@paypal.de designates 66.211.170.88 as permitted sender)"
    " smtp.mailfrom=service@paypal.de;\r\n"
    "\tdmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=paypal.de\r\n"
    'From: "service@paypal.de" <service@paypal.de>\r\n'
    "To: billing@muster-design.example\r\n"
    "Subject: =?UTF-8?Q?Sie_haben_eine_Zahlung_erhalten?=\r\n"
    "Date: Tue, 10 Nov 2026 09:13:57 +0100\r\n"
    "Message-ID: <1794729237.3351@paypal.de>\r\n"
    "MIME-Version: 1.0\r\n"
    + BODY.format(
        body="Guten Tag Muster Design GmbH,\r\n\r\nKaiser & Söhne GmbH hat Ihnen 2.380,00 € EUR gesendet.\r\n"
        "Mitteilung: Rechnung 2026-002"
    )
)
STRIPE = (
    "Return-Path: <bounces+1542@em.stripe.com>\r\n"
    + RECEIVED.format(host="o1.em.stripe.com", ip="167.89.115.56")
    + "Authentication-Results: mx.muster-design.example;\r\n"
    "\tdkim=pass (2048-bit key) header.d=stripe.com header.i=@stripe.com header.b=kU9t1f3z;\r\n"
    "\tspf=pass smtp.mailfrom=bounces+1542@em.stripe.com;\r\n"
    "\tdmarc=pass (p=REJECT) header.from=stripe.com\r\n"
    "From: Stripe <notifications@stripe.com>\r\n"
    "Reply-To: Acme Ltd <ap@acme.example>\r\n"  # a customer's address: does not matter here
    "To: billing@muster-design.example\r\n"
    "Subject: Payment of €1,190.00 from ap@acme.example\r\n"
    "Date: Tue, 10 Nov 2026 08:02:11 +0000\r\n"
    "Message-ID: <0100018f3a2b4c5d-6e7f@email.stripe.com>\r\n"
    "MIME-Version: 1.0\r\n" + BODY.format(body="You received a payment of €1,190.00 from ap@acme.example.")
)
WISE = (
    "Return-Path: <bounce@mail.wise.com>\r\n"
    + RECEIVED.format(host="mta-216.mail.wise.com", ip="13.111.4.216")
    + "Authentication-Results: mx.muster-design.example;\r\n"  # DKIM only: no DMARC result
    "\tdkim=pass (1024-bit key) header.d=wise.com header.i=@wise.com header.b=Hq0Wn2sK\r\n"
    "From: Wise <noreply@wise.com>\r\n"
    "To: billing@muster-design.example\r\n"
    "Subject: You've received 1,190.00 EUR from ACME LTD\r\n"
    "Date: Tue, 10 Nov 2026 10:31:40 +0000\r\n"
    "Message-ID: <20261110103140.5a1f@wise.com>\r\n"
    "MIME-Version: 1.0\r\n" + BODY.format(body="ACME LTD sent you 1,190.00 EUR. Reference: 2026-001")
)
BANK = (
    "Return-Path: <info@mail.commerzbank.de>\r\n"
    + RECEIVED.format(host="mout.commerzbank.de", ip="193.28.132.20")
    + "Authentication-Results: mx.muster-design.example;\r\n"  # signed by the parent domain: aligned
    "\tdkim=pass header.d=commerzbank.de header.s=cb2026\r\n"
    "Authentication-Results: mx.muster-design.example; spf=pass smtp.mailfrom=mail.commerzbank.de\r\n"
    "From: Commerzbank <info@mail.commerzbank.de>\r\n"
    "To: Muster Design GmbH <billing@muster-design.example>\r\n"
    "Subject: =?UTF-8?Q?Zahlungseingang_auf_Ihrem_Gesch=C3=A4ftskonto?=\r\n"
    "Date: Tue, 10 Nov 2026 11:02:09 +0100\r\n"
    "Message-ID: <kontowecker.88123@mail.commerzbank.de>\r\n"
    "MIME-Version: 1.0\r\n"
    + BODY.format(
        body="Sehr geehrte Damen und Herren,\r\n\r\nauf Ihrem Konto DE89 3704 0044 0532 0130 00 ist ein "
        "Zahlungseingang von 2.380,00 EUR verbucht worden.\r\nAuftraggeber: Kaiser & Soehne GmbH\r\n"
        "Verwendungszweck: Rechnung 2026-002"
    )
)


def _verdict(raw: str, expect_ours: bool = True, authserv_id: str = OURS) -> SourceVerdict:
    return payment_source(parse(raw.encode()), SOURCES, authserv_id, OWN, expect_ours)


def _notification(
    head: str, subject: str = "You've got money", body: str = "Acme Ltd sent you EUR 1,190.00."
) -> str:
    """A notification mail: ``head`` holds its From and any authentication headers."""
    return (
        f"{head}To: billing@muster-design.example\r\nSubject: {subject}\r\n"
        "Date: Tue, 10 Nov 2026 09:13:57 +0100\r\nMessage-ID: <n1@forged.example>\r\nMIME-Version: 1.0\r\n"
        + BODY.format(body=body)
    )


def _ours_pass(domain: str) -> str:
    return (
        f"Authentication-Results: mx.muster-design.example;\r\n\tdkim=pass header.d={domain};\r\n"
        f"\tspf=pass smtp.mailfrom={domain};\r\n\tdmarc=pass (p=reject) header.from={domain}\r\n"
    )


# -- genuine notifications are trusted, with their source -----------------------------


@pytest.mark.parametrize(
    ("raw", "name", "kind"),
    [
        (PAYPAL, "PayPal", "paypal"),
        (PAYPAL_DE, "PayPal", "paypal"),
        (STRIPE, "Stripe", "stripe"),
        (WISE, "Wise", "wise"),
        (BANK, "Commerzbank", "bank_mail"),
    ],
    ids=["paypal.com", "paypal.de", "stripe", "wise_dkim_only", "german_bank_parent_dkim"],
)
def test_a_genuine_notification_with_our_servers_pass_is_trusted_and_names_its_source(raw, name, kind):
    verdict = _verdict(raw)
    assert verdict == SourceVerdict(name, kind, True, verdict.reason, ours=True), verdict
    assert "DMARC or aligned DKIM passed" in verdict.reason


def test_our_own_domains_hosts_count_as_our_server_when_no_authserv_id_is_set():
    assert _verdict(PAYPAL, authserv_id="").trusted


# -- forged or doubtful ones never are ------------------------------------------------


@pytest.mark.parametrize(
    "sender",
    [
        "service@paypa1.com",
        "service@paypal.com.evil.example",
        "service@paypal-com.example",
        "service@mail.paypal.de",  # a subdomain that is not listed
        "service@xn--pypal-4ve.com",  # pаypal.com with a Cyrillic а
        "service@paypal.de.",
        "notifications@stripe.com.evil.example",
        "noreply@wise.co",
        "alerts@wise.com",  # Wise lists one address, not its domain
    ],
)
def test_a_look_alike_sender_is_no_source_even_when_its_own_dmarc_passes(sender):
    domain = sender.rsplit("@", 1)[1]
    verdict = _verdict(_notification(_ours_pass(domain) + f"From: PayPal <{sender}>\r\n"))
    assert (verdict.source, verdict.trusted) == ("", False), verdict
    assert "is not a configured payment source" in verdict.reason


@pytest.mark.parametrize(
    "from_header",
    [
        "PayPal <pay@evil.example>",
        '"service@paypal.com" <pay@evil.example>',
        '"PayPal <service@paypal.com>" <pay@evil.example>',
        "=?UTF-8?Q?service=40paypal=2Ecom?= <pay@evil.example>",
    ],
)
def test_a_display_name_naming_a_source_never_counts(from_header):
    verdict = _verdict(_notification(_ours_pass("evil.example") + f"From: {from_header}\r\n"))
    assert (verdict.source, verdict.trusted) == ("", False), verdict
    assert "pay@evil.example is not a configured payment source" in verdict.reason


def test_dmarc_fail_at_our_server_is_untrusted():
    head = (
        "Authentication-Results: mx.muster-design.example;\r\n\tdkim=none (message not signed);\r\n"
        "\tspf=softfail smtp.mailfrom=paypal.com;\r\n\tdmarc=fail (p=reject dis=none) header.from=paypal.com\r\n"
        "From: service@paypal.com\r\n"
    )
    verdict = _verdict(_notification(head))
    assert (verdict.source, verdict.trusted) == ("PayPal", False), verdict
    assert verdict.reason == "our server reports dmarc=fail"


def test_dmarc_fail_for_the_source_by_any_other_server_is_untrusted_despite_our_pass():
    provider = (
        "ARC-Authentication-Results: i=1; mx.google.com;\r\n\tdkim=none;\r\n"
        "\tspf=pass smtp.mailfrom=vps-cheap.example;\r\n\tdmarc=fail (p=REJECT) header.from=paypal.com\r\n"
    )
    verdict = _verdict(_notification(_ours_pass("paypal.com") + provider + "From: service@paypal.com\r\n"))
    assert not verdict.trusted
    assert verdict.reason == "mx.google.com reports dmarc=fail for paypal.com"


@pytest.mark.parametrize("expect_ours", [True, False])
def test_a_notification_without_a_header_of_ours_is_never_trusted(expect_ours):
    head = "Return-Path: <service@paypal.com>\r\nFrom: service@paypal.com\r\n"
    verdict = _verdict(_notification(head), expect_ours=expect_ours)
    assert (verdict.source, verdict.trusted, verdict.ours) == ("PayPal", False, False), verdict
    if expect_ours:
        assert verdict.reason == "no Authentication-Results of our server, which writes them"


@pytest.mark.parametrize(
    "server",
    ["mx.evil.example", "mx.muster-design.example.evil.example", "muster-design.example.evil.example"],
)
@pytest.mark.parametrize("authserv_id", [OURS, ""])
def test_a_pass_from_a_foreign_authserv_id_only_is_untrusted(server, authserv_id):
    head = (
        f"Authentication-Results: {server};\r\n\tdkim=pass header.d=paypal.com;\r\n"
        "\tdmarc=pass (p=reject) header.from=paypal.com\r\nFrom: service@paypal.com\r\n"
    )
    verdict = _verdict(_notification(head), authserv_id=authserv_id)
    assert (verdict.trusted, verdict.ours) == (False, False), verdict


def test_a_forged_pass_below_our_servers_topmost_verdict_does_not_count():
    head = (
        "Authentication-Results: mx.muster-design.example;\r\n\tdkim=none;\r\n"
        "\tspf=none smtp.mailfrom=vps-cheap.example;\r\n\tdmarc=none header.from=paypal.com\r\n"
        + _ours_pass("paypal.com")  # written by the sender, under ours
        + "From: service@paypal.com\r\n"
    )
    verdict = _verdict(_notification(head))
    assert not verdict.trusted
    assert verdict.reason == "our server reports neither DMARC nor aligned DKIM passed"


def test_a_dkim_pass_of_another_domain_is_not_aligned():
    head = (
        "Authentication-Results: mx.muster-design.example;\r\n\tdkim=pass header.d=evil.example;\r\n"
        "\tspf=pass smtp.mailfrom=evil.example\r\nFrom: service@paypal.com\r\n"
    )
    assert not _verdict(_notification(head)).trusted


@pytest.mark.parametrize(
    ("from_lines", "reason"),
    [
        ("From: service@paypal.com, pay@evil.example\r\n", "From names 2 addresses"),
        ("From: PayPal <service@paypal.com>, Mallory <pay@evil.example>\r\n", "From names 2 addresses"),
        ("From: service@paypal.com\r\nFrom: pay@evil.example\r\n", "2 From headers"),
    ],
)
def test_two_from_addresses_are_untrusted(from_lines, reason):
    verdict = _verdict(_notification(_ours_pass("paypal.com") + from_lines))
    assert (verdict.trusted, verdict.reason) == (False, reason)


def test_a_reply_to_elsewhere_does_not_matter_for_a_notification():
    verdict = _verdict(STRIPE)
    assert parse(STRIPE.encode()).reply_tos == ["ap@acme.example"]
    assert verdict.trusted


def test_a_forwarded_copy_from_the_owners_colleague_is_untrusted():
    forwarded = _notification(
        _ours_pass(OWN) + "From: Lena Vogel <lena@muster-design.example>\r\n",
        subject="Fwd: You've got money",
        body="FYI, see below.\r\n\r\n---------- Forwarded message ---------\r\n"
        "From: service@paypal.com <service@paypal.com>\r\nSubject: You've got money\r\n\r\n"
        "Acme Ltd sent you EUR 1,190.00 EUR.",
    )
    verdict = _verdict(forwarded)
    assert (verdict.source, verdict.trusted) == ("", False), verdict
    assert (
        verdict.reason == "sender lena@muster-design.example is of our own domain: a forwarded copy at most"
    )


def test_a_resent_copy_of_a_genuine_notification_is_untrusted():
    """Redirected unchanged, its DKIM still passes: it may be a payment to someone else."""
    resent = (
        "Resent-From: Lena Vogel <lena@muster-design.example>\r\n"
        "Resent-To: billing@muster-design.example\r\nResent-Date: Tue, 10 Nov 2026 12:00:00 +0100\r\n"
        + PAYPAL
    )
    verdict = _verdict(resent)
    assert (verdict.source, verdict.trusted) == ("PayPal", False), verdict
    assert verdict.reason.startswith("a resent copy (Resent-From: ")


def test_a_source_in_the_owners_own_domain_is_never_trusted():
    sources = [PaymentSource(name="Ours", senders=["@muster-design.example"], kind="generic")]
    mail = parse(_notification(_ours_pass(OWN) + "From: billing@muster-design.example\r\n").encode())
    assert not payment_source(mail, sources, OURS, OWN, True).trusted


def test_exact_addresses_come_before_domains_and_domains_are_exact():
    sources = [
        PaymentSource(name="Bank", senders=["@bank.example"], kind="bank_mail"),
        PaymentSource(name="Bank camt", senders=["camt@bank.example"], kind="camt"),
    ]
    assert source_of("CAMT@Bank.Example", sources) == sources[1]
    assert source_of("info@bank.example", sources) == sources[0]
    assert source_of("info@sub.bank.example", sources) is None
    assert source_of("bank.example", sources) is None
    assert source_of("", sources) is None


def test_a_mail_without_any_from_is_untrusted():
    verdict = _verdict(_notification(_ours_pass("paypal.com")))
    assert (verdict.source, verdict.trusted) == ("", False)


# -- the config ------------------------------------------------------------------------


GOOD = """
[[payments.sources]]
name = "PayPal"
senders = ["Service@PayPal.com", "@PayPal.DE"]
kind = "paypal"

[[payments.sources]]
name = "Commerzbank"
senders = "@commerzbank.de"
kind = "bank_mail"
"""


def _problem(tmp_path: Path, extra: str) -> tuple[str, str]:
    """The one problem of the base config plus ``extra``, and the line of the file it names."""
    config = write_config(tmp_path, extra)
    with pytest.raises(ConfigError) as caught:
        load_settings(config)
    (problem,) = caught.value.problems
    assert problem.file == str(config)
    text = config.read_text(encoding="utf-8")
    return problem.message, text.splitlines()[problem.line - 1]


def test_payment_sources_are_read_lower_cased_and_default_to_none(tmp_path):
    assert load_settings(write_config(tmp_path / "none")).payments.sources == []
    sources = load_settings(write_config(tmp_path / "two", GOOD)).payments.sources
    assert sources == [
        PaymentSource(name="PayPal", senders=["service@paypal.com", "@paypal.de"], kind="paypal"),
        PaymentSource(name="Commerzbank", senders=["@commerzbank.de"], kind="bank_mail"),
    ]


@pytest.mark.parametrize("kind", ["paypal", "stripe", "wise", "bank_mail", "camt", "generic"])
def test_every_kind_of_source_is_accepted(tmp_path, kind):
    extra = f'[[payments.sources]]\nname = "S"\nsenders = ["a@s.example"]\nkind = "{kind}"\n'
    assert load_settings(write_config(tmp_path, extra)).payments.sources[0].kind == kind


BAD_SECOND = 'name = "Wise"\nsenders = ["noreply@wise.com"]\nkind = "wise"\n'


@pytest.mark.parametrize(
    ("entry", "line", "message"),
    [
        ('kind = "venmo"', 'kind = "venmo"', "[payments.sources] kind: Input should be 'paypal', 'stripe',"),
        (
            'senders = ["paypal.com"]',
            'senders = ["paypal.com"]',
            "[payments.sources] senders: 'paypal.com' is not",
        ),
        ('senders = ["@paypal"]', 'senders = ["@paypal"]', "[payments.sources] senders: '@paypal' is not an"),
        ('senders = ["a@b@paypal.com"]', 'senders = ["a@b@paypal.com"]', "[payments.sources] senders: 'a@b@"),
        (
            'senders = ["@-paypal.com"]',
            'senders = ["@-paypal.com"]',
            "[payments.sources] senders: '@-paypal.com'",
        ),
        ('senders = ["PayPal <service@paypal.com>"]', "senders = [", "[payments.sources] senders: 'PayPal <"),
        ('senders = ["service@paypal.com\\r\\nBcc: x@evil.example"]', "senders = [", "must be on one line"),
        ('senders = ["service@paypal.com\\u0000"]', "senders = [", "holds the control character U+0000"),
        ("senders = []", "senders = []", "[payments.sources] senders: give at least one address or @domain"),
        (
            'name = "Pay\\u000bPal"',
            'name = "Pay',
            "[payments.sources] name: holds the control character U+000B",
        ),
        ('name = "  "', 'name = "  "', "[payments.sources] name: give the source a name"),
        ("kind = 3", "kind = 3", "[payments.sources] kind: Input should be"),
        ('colour = "blue"', 'colour = "blue"', "[payments.sources] colour: unknown key (a typo?)"),
    ],
)
def test_a_bad_source_is_a_problem_at_its_line_in_the_right_table(tmp_path, entry, line, message):
    """The bad key is in the second of two tables: the problem names its line in that one."""
    key = entry.split(" =", 1)[0]
    second = [row for row in BAD_SECOND.splitlines() if not row.startswith(key + " ")] + [entry]
    first = '[[payments.sources]]\nname = "PayPal"\nsenders = ["service@paypal.com"]\nkind = "paypal"\n'
    extra = first + "\n[[payments.sources]]\n" + "\n".join(second) + "\n"
    config = write_config(tmp_path, extra)
    with pytest.raises(ConfigError) as caught:
        load_settings(config)
    (problem,) = caught.value.problems
    lines = config.read_text(encoding="utf-8").splitlines()
    second_table = len(lines) - lines[::-1].index("[[payments.sources]]")
    assert problem.file == str(config)
    assert message in problem.message, problem.message
    assert problem.line > second_table and lines[problem.line - 1].startswith(line), (problem, second_table)


def test_a_source_missing_a_key_is_a_problem_at_its_table(tmp_path):
    found, at = _problem(tmp_path, GOOD + '\n[[payments.sources]]\nname = "Wise"\nkind = "wise"\n')
    assert found == "[payments.sources] senders: required key is missing"
    assert at == "[[payments.sources]]"
    assert (tmp_path / "mailbot.toml").read_text(encoding="utf-8").count("[[payments.sources]]") == 3


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('[[payments.sources]]\nname = "paypal"\nsenders = ["x@pp.example"]\nkind = "paypal"\n',
         "[payments] sources: two sources are named 'paypal'"),
        ('[[payments.sources]]\nname = "Other"\nsenders = ["@PAYPAL.de"]\nkind = "generic"\n',
         "[payments] sources: @paypal.de is a sender of both 'PayPal' and 'Other'"),
    ],
)  # fmt: skip
def test_two_sources_with_one_name_or_one_sender_are_a_problem(tmp_path, extra, message):
    found, at = _problem(tmp_path, GOOD + "\n" + extra)
    assert (found, at) == (message, "[[payments.sources]]")


def test_payment_sources_can_come_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(
        "MAILBOT_PAYMENTS__SOURCES", '[{"name": "Wise", "senders": ["NoReply@Wise.com"], "kind": "wise"}]'
    )
    sources = load_settings(write_config(tmp_path)).payments.sources
    assert sources == [PaymentSource(name="Wise", senders=["noreply@wise.com"], kind="wise")]


def test_the_shipped_example_sources_load_when_uncommented(tmp_path):
    shipped = (Path(__file__).parent.parent / "config" / "mailbot.toml").read_text(encoding="utf-8")
    block = re.search(r"^# \[\[payments\.sources\]\]\n(?:#.*\n)+", shipped, re.M)
    assert block is not None
    extra = re.sub(r"^# ?", "", block.group(), flags=re.M)
    sources = load_settings(write_config(tmp_path, extra)).payments.sources
    assert [s.kind for s in sources] == ["paypal", "bank_mail"]
    assert os.environ.get("MAILBOT_PAYMENTS__SOURCES") is None
