"""What the owner typed in the config shows literally in every mail: never evaluated as a template.

Owner values (business name, phone, legal note, bank details) used to be pasted into
the template source before Jinja compiled it: ``{{ 6*7 }}`` printed 42 and ``{#1}``
broke every mail.  They are ordinary (autoescaped) values now.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy

import pytest
from conftest import BASE_CONFIG, write_config

from mailbot.config.settings import load_settings
from mailbot.ledger.read import load_ledger
from mailbot.outbound.mails import Mailer

NOW = datetime(2026, 11, 10, 10, 0, tzinfo=UTC)
TRICKY = "{{ 6*7 }} {#1} {% if %} <b>b</b> & Co"
TRICKY_HTML = "{{ 6*7 }} {#1} {% if %} &lt;b&gt;b&lt;/b&gt; &amp; Co"
OWNER_TOML = BASE_CONFIG.replace(
    'name = "Muster Design"',
    f'name = "Muster {TRICKY}"\nphone = "+49 {TRICKY}"\nlegal_note = "Note {TRICKY}"',
).replace(
    'bic = "COBADEFFXXX"',
    f'bic = "COBADEFFXXX"\nbank = "Bank {TRICKY}"\naccount_holder = "Holder {TRICKY}"',
)
IN_EVERY_MAIL = ["Muster ", "+49 ", "Note "]  # the footer
WITH_PAYMENT = ["Bank ", "Holder "]  # the payment details of invoices and reminders


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    settings = load_settings(write_config(tmp_path_factory.mktemp("owner"), base=OWNER_TOML))
    invoice = load_ledger(settings).invoices["2026-001"]
    mailer = Mailer(settings)

    def build(kind: str):
        raw = mailer.build(invoice, kind, "<x@muster-design.example>", NOW)
        return message_from_bytes(raw, policy=policy.default)

    return build


@pytest.mark.parametrize("kind", ["invoice", "reminder", "final", "ack", "receipt"])
def test_owner_values_that_look_like_templates_print_literally(built, kind):
    msg = built(kind)
    html = msg.get_body(("html",)).get_content()
    text = msg.get_body(("plain",)).get_content()
    fields = IN_EVERY_MAIL + (WITH_PAYMENT if kind in ("invoice", "reminder", "final") else [])
    for prefix in fields:
        assert prefix + TRICKY in text, (kind, prefix)
        assert prefix + TRICKY_HTML in html, (kind, prefix)
    assert "42" not in html.replace("<x@", "") and "<b>b</b>" not in html
    assert msg["From"].addresses[0].display_name == "Muster " + TRICKY
