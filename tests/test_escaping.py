"""Whatever a client or owner typed shows literally: never markup, never a template, never a header."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy

import pytest
from conftest import BASE_CONFIG, write_config

from mailbot.config.settings import ConfigError, load_settings
from mailbot.ledger.read import load_ledger
from mailbot.outbound.compose import Envelope, HeaderInjection, Rendered, Threading, compose
from mailbot.outbound.mails import Mailer

HOSTILE = '<script>alert(1)</script> & Söhne "{{7*7}}"'
HOSTILE_TOML = (
    BASE_CONFIG
    + """
[clients.evil]
name = '<script>alert(1)</script> & Söhne "{{7*7}}"'
contact = '<script>alert(1)</script> & Söhne "{{7*7}}"'
email = "x@evil.example"
note = "<img src=x onerror=alert(2)> {% raw %}{{ config }}{% endraw %}"
"""
)
LEDGER = (
    "invoice,client,issue_date,description,quantity,unit_price,project\n"
    '2026-666,evil,2026-11-02,"<b>bold</b> {{7*7}} & more",1,100.00,"<i>x</i>"\n'
)


@pytest.fixture
def hostile_mail(tmp_path):
    config = write_config(tmp_path, ledger=LEDGER, base=HOSTILE_TOML)
    settings = load_settings(config)
    invoice = load_ledger(settings).invoices["2026-666"]
    raw = Mailer(settings).build(invoice, "invoice", "<x@muster-design.example>", datetime.now(UTC))
    return message_from_bytes(raw, policy=policy.default)


def test_hostile_client_name_is_escaped_in_html(hostile_mail):
    html = hostile_mail.get_body(("html",)).get_content()
    assert "<script>" not in html and "<b>bold" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Söhne &#34;{{7*7}}&#34;" in html
    assert "&lt;b&gt;bold&lt;/b&gt; {{7*7}} &amp; more" in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html
    assert "49" not in html  # no template ever evaluated what the client typed


def test_hostile_client_name_shows_literally_in_text(hostile_mail):
    text = hostile_mail.get_body(("plain",)).get_content()
    assert f"Hello {HOSTILE}," in text
    assert "<b>bold</b> {{7*7}} & more" in text
    assert "{% raw %}{{ config }}{% endraw %}" in text
    assert "49" not in text


def test_hostile_client_name_survives_headers_literally(hostile_mail):
    assert hostile_mail["To"].addresses[0].display_name == HOSTILE
    assert hostile_mail["To"].addresses[0].addr_spec == "x@evil.example"


@pytest.mark.parametrize("field", ["subject", "from_name", "to_name", "message_id"])
@pytest.mark.parametrize("evil", ["a\r\nBcc: victim@example.com", "a\nX: y", "a\rb"])
def test_line_breaks_in_any_header_are_refused(field, evil):
    rendered = Rendered(subject="Invoice", html="<p>x</p>", text="x")
    envelope = {"from_name": "Shop", "from_addr": "a@b.example", "to": ["c@d.example"]}
    threading = {"message_id": "<m@b.example>"}
    if field == "subject":
        rendered = Rendered(subject=evil, html="<p>x</p>", text="x")
    elif field == "message_id":
        threading["message_id"] = evil
    else:
        envelope[field] = evil
    with pytest.raises(HeaderInjection):
        compose(rendered, Envelope(**envelope), Threading(**threading), datetime.now(UTC))


def test_line_break_in_a_configured_name_is_a_config_error(tmp_path):
    config = write_config(tmp_path, base=BASE_CONFIG.replace(
        'name = "Acme Ltd"', 'name = "Acme\\r\\nBcc: x@evil.example"'))  # fmt: skip
    with pytest.raises(ConfigError) as caught:
        load_settings(config)
    message = str(caught.value)
    assert "[clients.acme] name: must be on one line" in message
    assert f"{config}:" in message
