"""Whatever the owner or a client typed is data: every config field and every ledger column,
given template syntax, markup or control characters, either shows literally in every kind of
mail (text and HTML part, subject, names in the headers) or is refused by `mailbot check` as
``FILE:LINE``; a value `check` accepts never holds a mail.

The config's keys come from its pydantic models (``config_fields``) and the ledger's columns
from the reader, so a field or column added later is covered without a new test.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from config_fields import config_keys, toml_value, with_value
from conftest import BASE_LEDGER, write_config
from markupsafe import escape

from mailbot.cli.main import main
from mailbot.config.settings import ConfigError, Settings, load_settings
from mailbot.ledger.read import KNOWN, load_ledger
from mailbot.outbound.mails import Mailer
from mailbot.service.checks import check

PAYLOADS = [
    "{{ 6*7 }}",
    "{% if 1 %}x{% endif %}",
    "{# c #}",
    "${x}",
    "<script>",
    "\r",
    "\n",
    "\x00",
    "\x0b",
    "\x0c",
]
KINDS = ["invoice", "reminder", "final", "ack", "receipt"]
NOW = datetime(2026, 11, 10, 10, 0, tzinfo=UTC)
KEYS = list(config_keys())
LIST_KEYS = {("payment", "methods"), ("clients", "acme", "email"), ("clients", "acme", "cc"),
             ("clients", "acme", "domains")}  # fmt: skip
# Shown in some mail, so a payload that check accepts must be seen there (keeps the test honest).
SHOWN_KEYS = {
    ("business", "name"), ("business", "address"), ("business", "phone"), ("business", "tax_id"),
    ("business", "legal_note"), ("payment", "bic"), ("payment", "account_holder"), ("payment", "bank"),
    ("payment", "methods"), ("clients", "acme", "name"), ("clients", "acme", "contact"),
    ("clients", "acme", "address"), ("clients", "acme", "tax_id"), ("clients", "acme", "note"),
}  # fmt: skip
SHOWN_COLUMNS = {"description", "unit", "po_number", "project"}


@dataclass
class Outcome:
    refused: bool
    shown: bool = False


def _value(marker: str, payload: str) -> str:
    """What the field holds: a marker to find it by, the payload, an end mark."""
    return f"{marker}{payload}Q"


def _parts(msg: EmailMessage) -> dict[str, str]:
    """Every place a value can show: both bodies, the subject, the names in the headers."""
    headers = [msg[h] for h in ("From", "To", "Cc", "Reply-To") if msg[h] is not None]
    names = [a.display_name for h in headers for a in h.addresses]
    return {
        "text": msg.get_body(("plain",)).get_content(),
        "html": msg.get_body(("html",)).get_content(),
        "headers": "\n".join([str(msg["Subject"]), *names]),
    }


def _literal(where: str, payload: str) -> str:
    """The payload as it must show: as written, escaped in HTML; a line break as a break."""
    if payload.isspace():
        return r"(?:\s|<br\s*/?>|, )+"  # the lines of an address are joined by ", " in places
    return re.escape(str(escape(payload)) if where == "html" else payload)


def _assert_shown_literally(raws: list[bytes], marker: str, payload: str) -> bool:
    """Every place the marker shows, the payload follows as written; whether it showed."""
    shown = False
    for raw in raws:
        for where, text in _parts(message_from_bytes(raw, policy=policy.default)).items():
            for found in re.finditer(re.escape(marker), text):
                after = text[found.end() : found.end() + 60]
                assert re.match(_literal(where, payload) + "Q", after), (where, marker, payload, after)
                shown = True
    return shown


def _build_every_kind(settings: Settings, number: str) -> list[bytes]:
    """Every kind of mail for the invoice, as `run` would build it: none may be held."""
    invoice = load_ledger(settings).invoices[number]
    mailer = Mailer(settings)
    return [mailer.build(invoice, kind, "<m@muster-design.example>", NOW) for kind in KINDS]


def _refused_in_config(exc: ConfigError, config: Path, text: str, key: tuple[str, ...]) -> None:
    """Refused by the config: at the key's own line of the file."""
    for problem in exc.problems:
        assert problem.file == str(config), problem
        assert text.splitlines()[problem.line - 1].startswith(f'"{key[-1]}" = '), (problem, key)


def _try_config(directory: Path, key: tuple[str, ...], payload: str) -> Outcome:
    marker = "Q" + "_".join(key) + "Q"
    value = _value(marker, payload)
    text = with_value(key, [value] if key in LIST_KEYS else value)
    config = write_config(directory, base=text)
    try:
        settings = load_settings(config)
    except ConfigError as exc:
        _refused_in_config(exc, config, text, key)
        return Outcome(refused=True)
    report = check(settings)
    if report.problems:  # check says so, with the line (a path that leads nowhere, say)
        assert all(re.match(r"^.+:\d+: ", p) for p in report.problems), report.problems
        return Outcome(refused=True)
    return Outcome(
        refused=False, shown=_assert_shown_literally(_build_every_kind(settings, "2026-001"), marker, payload)
    )


@pytest.mark.parametrize("payload", PAYLOADS, ids=repr)
def test_every_config_field_shows_a_payload_literally_or_check_refuses_it(
    tmp_path, payload, first_run_window, business_hours_for_invoices, late_mail_notices
):  # (no environment override hides a file's value)
    shown, accepted = set(), set()
    for n, key in enumerate(KEYS):
        outcome = _try_config(tmp_path / str(n), key, payload)
        accepted |= {key} if not outcome.refused else set()
        shown |= {key} if outcome.shown else set()
    if not any(ch in payload for ch in "\r\n\x00\x0b\x0c"):  # text a field may hold
        assert shown >= SHOWN_KEYS, sorted(SHOWN_KEYS - shown)
    else:  # a control character: refused by every one-line field; a break only where lines are
        assert accepted <= {k for k in KEYS if k[-1] in ("address", "note", "legal_note")}, accepted


def _ledger_with(column: str, value: str) -> str:
    """The base ledger with every column, ``column`` of invoice 2026-001's first row set."""
    rows = list(csv.DictReader(io.StringIO(BASE_LEDGER)))
    header = ["invoice", *sorted(KNOWN - {"invoice"})]
    rows[0][column] = value
    out = io.StringIO()
    writer = csv.DictWriter(out, header, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writeheader()
    writer.writerows({c: row.get(c) or "" for c in header} for row in rows)
    return out.getvalue()


@pytest.mark.parametrize("payload", PAYLOADS, ids=repr)
def test_every_ledger_column_shows_a_payload_literally_or_check_refuses_it(tmp_path, payload):
    shown = set()
    for column in sorted(KNOWN):
        marker = f"Q{column}Q"
        directory = tmp_path / column
        settings = load_settings(
            write_config(directory, ledger=_ledger_with(column, _value(marker, payload)))
        )
        ledger = load_ledger(settings)
        refused = [p for p in ledger.problems if p.line == 2 and f"column '{column}'" in p.message]
        assert all(str(p).startswith(f"{directory / 'ledger.csv'}:2: ") for p in refused)
        assert ledger.invoices["2026-004"].valid, ledger.invoices["2026-004"].problems  # only its own
        if refused:  # and what follows from it: its second row now conflicts, say
            assert all("invoice 2026-001: " in p.message for p in ledger.problems if p not in refused)
        else:
            assert ledger.problems == []
            assert check(settings).problems == []
            if _assert_shown_literally(_build_every_kind(settings, "2026-001"), marker, payload):
                shown.add(column)
    if not any(ch in payload for ch in "\r\n\x00\x0b\x0c"):
        assert shown >= SHOWN_COLUMNS, sorted(SHOWN_COLUMNS - shown)


@pytest.mark.parametrize("char", ["\x00", "\x0b", "\x0c"], ids=repr)
def test_a_control_character_in_the_business_name_fails_check_and_run_sends_nothing_wrong(
    tmp_path, capsys, char
):
    """It once reached From and Reply-To (a vertical tab, a form feed) or held every mail
    (NUL) while `check` said all was well."""
    text = with_value(("business", "name"), f"Muster{char}Design")
    config = write_config(tmp_path, base=text)
    line = text.splitlines().index('"name" = ' + toml_value(f"Muster{char}Design")) + 1
    assert main(["--config", str(config), "check"]) == 1
    assert f"{config}:{line}: [business] name: holds the control character" in capsys.readouterr().out
    assert main(["--config", str(config), "run", "--once"]) == 1
    assert not (tmp_path / "var" / "mail" / "outbox" / "new").exists() or not any(
        (tmp_path / "var" / "mail" / "outbox" / "new").iterdir()
    )
