"""Every mail mailbot writes is standard MIME: 7-bit, short lines, and it reads back the same.

Real mails through ``Mailer`` (every kind, every reminder tone, every shipped
language, hostile names), the owner's forwards and notices, and subjects of
2,000 characters; then over a real SMTP server (aiosmtpd on 127.0.0.1).
"""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.generator import BytesGenerator
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.utils import getaddresses

import pytest
from conftest import BASE_CONFIG, write_config

import mailbot.outbound.mails as mails_module
from mailbot.config.settings import load_settings
from mailbot.inbound.forward import to_owner
from mailbot.ledger.read import load_ledger
from mailbot.outbound.compose import (
    POLICY,
    Envelope,
    Extras,
    HeaderInjection,
    InlineImage,
    Rendered,
    Threading,
    compose,
    message,
    write,
)
from mailbot.outbound.mails import Mailer
from mailbot.outbound.sources import Sources
from mailbot.outbound.transport import SmtpOutbox

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
NAMES = {
    "angle": '<script>alert(1)</script> & Co "quoted", Ltd.',
    "lookalike": "=?utf-8?q?Evil=20Corp?= =?utf-8?b?SGk=?=",
    "emoji": "Café 😀 Ünïcödé",
    "cyrillic": "Сергей Петровић д.о.о.",
    "long": "Ω" + "Very Long Company Name Holding " * 10 + "ÆØÅ",
    "longword": "X" * 300,
}
LANGUAGES = sorted(Sources.of().languages)
KINDS = [("invoice", ""), ("final", ""), ("ack", ""), ("receipt", "")] + [
    ("reminder", tone)
    for tone in ("heads_up", "friendly", "firm_warm", "firm", "final", "promise_followup", "claim_check")
]
SUBJECTS = {
    "spaces": ("Zahlung für Rechnung 2026-004 " * 70)[:2000],
    "ascii_spaces": ("Invoice 2026-004 reminder " * 80)[:2000],
    "no_spaces": "X" * 2000,
    "no_spaces_non_ascii": "ü" * 2000,
    "lookalike": "=?utf-8?q?not_encoded?= " * 5,
}


def _toml_str(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A config with one client per hostile name and shipped language, and an invoice each."""
    clients, rows = [], ["invoice,client,issue_date,due_date,description,quantity,unit_price"]
    for n, (key, name) in enumerate(NAMES.items()):
        for lang in LANGUAGES:
            cid = f"{key}_{lang}".replace("-", "_").lower()
            clients.append(
                f"\n[clients.{cid}]\nname = {_toml_str(name)}\ncontact = {_toml_str(name)}\n"
                f'email = "{cid}@client.example"\ncc = ["boss@client.example"]\n'
                f'language = "{lang}"\n'
            )
            rows.append(
                f"2026-{n:02d}{lang},{cid},2026-10-01,2026-10-15,{name.replace(',', ' ')[:60]},1,100.00"
            )
    base = BASE_CONFIG.replace('name = "Muster Design"', f"name = {_toml_str(NAMES['angle'] + ' ✓')}")
    config = write_config(tmp_path_factory.mktemp("mime"), "".join(clients), "\n".join(rows) + "\n", base)
    settings = load_settings(config)
    return settings, load_ledger(settings)


@pytest.fixture
def built(world, monkeypatch):
    """Mailer.build, returning the raw bytes and what compose was given."""
    settings, ledger = world
    seen = {}

    def recording(rendered, envelope, threading, when, extras=None):
        seen.update(rendered=rendered, envelope=envelope)
        return compose(rendered, envelope, threading, when, extras)

    monkeypatch.setattr(mails_module, "compose", recording)
    mailer = Mailer(settings)

    def build(invoice, kind, tone):
        raw = mailer.build(invoice, kind, "<mime.test@muster-design.example>", NOW, tone=tone)
        return raw, seen["rendered"], seen["envelope"]

    return ledger, build


def _display(raw_header: str) -> list[tuple[str, str]]:
    """Names and addresses read the RFC 2047 way (adjacent encoded words join without a space).

    ``policy.default`` puts a space between the encoded words of a long display
    name; ``decode_header`` follows RFC 2047 6.2.
    """
    return [(str(make_header(decode_header(name))), addr) for name, addr in getaddresses([raw_header])]


def assert_conformant(raw: bytes) -> EmailMessage:
    """7-bit, CRLF lines within 998 octets, headers within 78, every leaf part's encoding declared."""
    assert raw.isascii(), "a byte over 127 without 8-bit declared (mailbot never declares it)"
    assert b"\0" not in raw
    assert re.search(rb"[^\r]\n|\r[^\n]", raw) is None, "bare CR or LF"
    head, _, _ = raw.partition(b"\r\n\r\n")
    for line in raw.split(b"\r\n"):
        assert len(line) <= 998, line[:80]
    for line in head.split(b"\r\n"):  # a message id cannot fold inside; make_msgid's are ~80
        assert len(line) <= 78 or line.startswith((b"Message-ID: <", b"In-Reply-To: <", b" <")), line
    msg = message_from_bytes(raw, policy=policy.default)
    assert not msg.defects
    assert msg["MIME-Version"] == "1.0"
    for part in msg.walk():
        assert not part.defects, (part.get_content_type(), part.defects)
        if not part.is_multipart():
            assert part["Content-Transfer-Encoding"] in ("7bit", "quoted-printable", "base64")
    return msg  # type: ignore[return-value]


def assert_reads_back(raw: bytes, rendered: Rendered, envelope: Envelope) -> None:
    msg = assert_conformant(raw)
    assert msg["Subject"] == rendered.subject
    compat = message_from_bytes(raw)
    assert _display(compat["From"]) == [(envelope.from_name, envelope.from_addr)]
    assert _display(compat["Reply-To"]) == [(envelope.from_name, envelope.reply_to)]
    to = [(envelope.to_name if i == 0 else "", a) for i, a in enumerate(envelope.to)]
    assert _display(compat["To"]) == to
    assert [a.addr_spec for a in msg["To"].addresses] == list(envelope.to)
    cc = [a.addr_spec for a in msg["Cc"].addresses] if msg["Cc"] else []
    assert cc == list(envelope.cc)
    text = msg.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert text == rendered.text
    if rendered.html:
        html = msg.get_body(("html",)).get_content().replace("\r\n", "\n")
        assert html == rendered.html


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("name", list(NAMES))
@pytest.mark.parametrize(("kind", "tone"), KINDS)
def test_every_mail_kind_is_7bit_mime_that_reads_back_the_same(built, name, lang, kind, tone):
    ledger, build = built
    number = f"2026-{list(NAMES).index(name):02d}{lang}"
    raw, rendered, envelope = build(ledger.invoices[number], kind, tone)
    assert_reads_back(raw, rendered, envelope)
    msg = message_from_bytes(raw, policy=policy.default)
    if kind == "invoice":  # the invoice carries its PDF (issue 15): text and HTML, then the file
        assert msg.get_content_type() == "multipart/mixed"
        body, pdf = msg.iter_parts()
        assert pdf.get_content_type() == "application/pdf"
        assert pdf.get_content().startswith(b"%PDF-")
        msg = body
    asks_for_money = kind in ("invoice", "final") or (kind == "reminder" and tone != "claim_check")
    if asks_for_money:  # the payment QR code travels inline beside the words (issue 15)
        assert msg.get_content_type() == "multipart/related"
        msg, qr = msg.iter_parts()
        assert qr.get_content_type() == "image/png" and qr["Content-ID"].startswith("<payqr-")
    assert msg.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
    assert NAMES[name] in msg.get_body(("plain",)).get_content()


def test_short_hostile_names_read_back_exactly_with_the_default_policy(built):
    """Names that fit one encoded word need no RFC 2047 6.2 reading: any parser gets them."""
    ledger, build = built
    for key in ("angle", "lookalike", "emoji", "cyrillic"):
        raw, _, envelope = build(ledger.invoices[f"2026-{list(NAMES).index(key):02d}en"], "invoice", "")
        to = message_from_bytes(raw, policy=policy.default)["To"].addresses[0]
        assert (to.display_name, to.addr_spec) == (NAMES[key], envelope.to[0])


def test_a_plain_ascii_name_and_subject_stay_readable_in_the_raw_mail():
    envelope = Envelope("Muster Design", "billing@muster.example", ["ap@acme.example"], to_name="Jane Smith")
    raw = compose(Rendered("Invoice 2026-001", "<p>x</p>", "x"), envelope, Threading("<m@x>"), NOW)
    assert b"\r\nSubject: Invoice 2026-001\r\n" in raw
    assert b"\r\nTo: Jane Smith <ap@acme.example>\r\n" in raw


@pytest.mark.parametrize("subject", list(SUBJECTS))
def test_a_2000_character_subject_folds_within_the_line_limits(subject):
    rendered = Rendered(SUBJECTS[subject], "<p>Hallo</p>", "Hallo")
    envelope = Envelope("Shop", "a@shop.example", ["c@client.example"], reply_to="a@shop.example")
    raw = compose(rendered, envelope, Threading("<m@shop.example>"), NOW)
    assert_reads_back(raw, rendered, envelope)


def test_a_subject_that_looks_encoded_is_not_decoded_by_the_reader():
    rendered = Rendered("=?utf-8?q?Paid?= in full", "", "x")
    raw = compose(rendered, Envelope("S", "a@s.example", ["c@c.example"]), Threading("<m@s>"), NOW)
    assert message_from_bytes(raw, policy=policy.default)["Subject"] == "=?utf-8?q?Paid?= in full"


def test_inline_logo_travels_in_multipart_related_by_content_id():
    logo = InlineImage(cid="logo@shop.example", data=bytes(range(256)) * 40, subtype="png")
    rendered = Rendered("Rechnung", '<img src="cid:logo@shop.example">', "Rechnung für Sie")
    envelope = Envelope("Shöp", "a@shop.example", ["c@client.example"], reply_to="a@shop.example")
    raw = compose(rendered, envelope, Threading("<m@shop.example>"), NOW, Extras(images=[logo]))
    assert_reads_back(raw, rendered, envelope)
    msg = message_from_bytes(raw, policy=policy.default)
    assert msg.get_content_type() == "multipart/related"
    assert msg.get_param("type") == "multipart/alternative"
    alternative, image = msg.iter_parts()
    assert alternative.get_content_type() == "multipart/alternative"
    assert image["Content-ID"] == "<logo@shop.example>"
    assert image.get_content() == logo.data


ORIGINAL_7BIT = (
    b"From: =?utf-8?q?J=C3=B6rg?= <j@client.example>\r\nTo: billing@shop.example\r\n"
    b"Subject: =?utf-8?q?R=C3=BCckfrage?= 2026-004\r\nMessage-ID: <orig@client.example>\r\n"
    b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: quoted-printable\r\n\r\nGr=C3=BC=C3=9Fe, was ist das?\r\n"
)
ORIGINAL_8BIT = (
    "From: Jörg Müller <j@client.example>\r\nTo: billing@shop.example\r\n"
    "Subject: Rückfrage zu 2026-004 ✓\r\nMessage-ID: <orig8@client.example>\r\n"
    "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: 8bit\r\n\r\nGrüße, was ist das? Счёт 😀\r\n"
).encode()
SUBJECT_OF = {"7bit": "Rückfrage 2026-004", "8bit": "Rückfrage zu 2026-004 ✓"}
TEXT_OF = {"7bit": "Grüße, was ist das?\n", "8bit": "Grüße, was ist das? Счёт 😀\n"}


def _to_owner(attachment: bytes | None, subject: str = "[mailbot] dispute: Rückfrage") -> bytes:
    text = "dispute on invoice 2026-004 from j@client.example (verified): Grüße.\n"
    return to_owner("forward", subject, text, NAMES["emoji"], "billing@shop.example",
                    "owner@shop.example", "<fwd@shop.example>", NOW, attachment)  # fmt: skip


@pytest.mark.parametrize(("original", "raw"), [("7bit", ORIGINAL_7BIT), ("8bit", ORIGINAL_8BIT)])
def test_forward_attaches_the_original_7bit_clean_and_readable(original, raw):
    forward = _to_owner(raw)
    msg = assert_conformant(forward)
    assert msg.get_content_type() == "multipart/mixed"
    assert msg["Auto-Submitted"] == "auto-generated" and msg["X-Mailbot"] == "forward"
    summary, attached = msg.iter_parts()
    assert "dispute on invoice 2026-004" in summary.get_content()
    assert attached.get_content_type() == "message/rfc822"
    inner = attached.get_content()
    assert inner["Subject"] == SUBJECT_OF[original]
    assert inner.get_content().replace("\r\n", "\n") == TEXT_OF[original]
    if original == "7bit":  # a 7-bit original travels byte for byte
        assert ORIGINAL_7BIT in forward


def test_forward_of_a_mail_with_an_overlong_line_attaches_it_as_a_file():
    raw = b"Subject: x\r\n\r\n" + b"A" * 5000 + b"\r\n"
    msg = assert_conformant(_to_owner(raw))
    attached = list(msg.iter_parts())[1]
    assert attached.get_content_type() == "application/octet-stream"
    assert attached.get_filename() == "original.eml"
    assert attached.get_content() == raw.replace(b"\r\n", b"\n")


def test_owner_notice_is_plain_text_7bit():
    msg = assert_conformant(_to_owner(None, "[mailbot] invoice 2026-004: overpaid by 12,00 € ✓"))
    assert msg.get_content_type() == "text/plain"
    assert msg["Subject"] == "[mailbot] invoice 2026-004: overpaid by 12,00 € ✓"
    assert "Grüße" in msg.get_content()


@pytest.mark.parametrize("where", ["reply_to", "cc", "to", "header", "header_name", "cid", "references"])
@pytest.mark.parametrize("evil", ["a\r\nBcc: victim@example.com", "a\nX: y", "a\rb", "a\0b"])
def test_a_line_break_anywhere_in_a_header_is_refused(where, evil):
    envelope = {"from_name": "Shop", "from_addr": "a@b.example", "to": ["c@d.example"]}
    threading = {"message_id": "<m@b.example>"}
    extras = {}
    if where in ("reply_to", "cc", "to"):
        envelope[where] = evil if where == "reply_to" else [evil]
    elif where == "header":
        extras["headers"] = [("X-Mailbot", evil)]
    elif where == "header_name":
        extras["headers"] = [(evil, "x")]
    elif where == "cid":
        extras["images"] = [InlineImage(cid=evil, data=b"x", subtype="png")]
    else:
        threading["references"] = ("<r@b.example>", evil)
    with pytest.raises(HeaderInjection):
        compose(Rendered("S", "<p>x</p>", "x"), Envelope(**envelope), Threading(**threading), NOW,
                Extras(**extras))  # fmt: skip


def test_the_smtp_server_receives_the_built_mail_intact(built, smtp_server, tmp_path):
    ledger, build = built
    settings = load_settings(write_config(tmp_path, smtp_server.toml()))
    sent = []
    with SmtpOutbox(settings.smtp) as outbox:
        for number in (
            f"2026-{list(NAMES).index('cyrillic'):02d}de",
            f"2026-{list(NAMES).index('long'):02d}en",
        ):
            raw, rendered, envelope = build(ledger.invoices[number], "invoice", "")
            outbox.send(raw, envelope.from_addr, envelope.recipients)
            sent.append((raw, rendered, envelope))
        forward = _to_owner(ORIGINAL_8BIT)
        outbox.send(forward, "billing@shop.example", ["owner@shop.example"])
    received = smtp_server.messages
    assert [r.raw for r in received] == [raw for raw, _, _ in sent] + [forward]
    for got, (_, rendered, envelope) in zip(received, sent, strict=False):
        assert got.recipients == envelope.recipients
        assert_reads_back(got.raw, rendered, envelope)


@pytest.mark.parametrize(("kind", "tone"), KINDS)
def test_the_fast_generator_writes_the_same_bytes_as_the_stdlib(world, monkeypatch, kind, tone):
    """compose's generator overrides a private stdlib method for speed: every kind of mail,
    with an inline logo and as a forward too, must come out byte for byte as the
    stdlib's ``BytesGenerator`` writes it."""
    settings, ledger = world
    given = []
    monkeypatch.setattr(mails_module, "compose", lambda *args, **kw: given.append(args) or b"")
    Mailer(settings).build(ledger.invoices["2026-00de"], kind, "<m@muster-design.example>", NOW, tone=tone)
    rendered, envelope, threading, when = given[0][:4]
    logo = InlineImage(cid="logo@shop.example", data=bytes(range(256)) * 40, subtype="png")
    for extras in (Extras(), Extras(images=[logo]), Extras(attachment=ORIGINAL_8BIT)):
        msg = message(rendered, envelope, threading, when, extras)
        plain = io.BytesIO()
        BytesGenerator(plain, mangle_from_=False, policy=POLICY).flatten(msg)
        assert write(msg) == plain.getvalue()
