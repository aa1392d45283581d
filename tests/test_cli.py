"""The commands as an owner or a script uses them: init, preview, status, history, exit codes."""

from __future__ import annotations

import base64
import json
from email import message_from_bytes, policy

import pytest
from conftest import write_config

from mailbot.cli.main import main
from mailbot.outbound.plate import on_light_plate

STATUS_KEYS = {
    "invoice", "client", "currency", "total", "balance", "issue_date", "due_date", "state",
    "reminders_sent", "last_reply", "next_action",
}  # fmt: skip
# A 1x1 transparent PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


def test_init_writes_a_starter_that_checks_clean_and_runs(tmp_path, capsys):
    target = tmp_path / "mybiz"
    assert main(["init", str(target)]) == 0
    config = target / "mailbot.toml"
    assert config.is_file() and (target / "ledger.csv").is_file()
    assert main(["--config", str(config), "check"]) == 0
    assert main(["--config", str(config), "run", "--once"]) == 0
    assert any((target / "var/mail/outbox/new").iterdir())
    # A second init never overwrites the owner's files.
    config.write_text(config.read_text() + "\n# mine\n")
    assert main(["init", str(target)]) == 0
    assert config.read_text().endswith("# mine\n")


def test_preview_writes_html_text_and_eml_without_sending(tmp_path, capsys):
    config = write_config(tmp_path)
    args = ["--config", str(config), "preview", "2026-004"]
    assert main([*args, "--out", str(tmp_path / "m.html")]) == 0
    assert main([*args, "--out", str(tmp_path / "m.txt")]) == 0
    assert main([*args, "--out", str(tmp_path / "m.eml")]) == 0
    assert main(args) == 0
    stdout = capsys.readouterr().out
    assert stdout.startswith("Subject: Rechnung 2026-004 von Muster Design")
    assert "<html" in (tmp_path / "m.html").read_text()
    assert "Guten Tag Frau Weber," in (tmp_path / "m.txt").read_text()
    eml = message_from_bytes((tmp_path / "m.eml").read_bytes(), policy=policy.default)
    assert eml["To"].addresses[0].addr_spec == "buchhaltung@kaiser-soehne.example"
    assert not (tmp_path / "var/mail/outbox").exists()
    assert main([*args, "--out", str(tmp_path / "m.pdf")]) == 0  # the invoice's PDF (test_pdf.py)
    assert (tmp_path / "m.pdf").read_bytes().startswith(b"%PDF-")
    assert main([*args, "--out", str(tmp_path / "m.doc")]) == 2


def test_preview_of_an_unknown_or_invalid_invoice_says_why(tmp_path, capsys):
    ledger = "invoice,client,issue_date,description,quantity,unit_price\n9,acme,2026-02-30,X,1,5\n"
    config = write_config(tmp_path, ledger=ledger)
    assert main(["--config", str(config), "preview", "nope"]) == 1
    assert main(["--config", str(config), "preview", "9"]) == 1
    err = capsys.readouterr().err
    assert "no invoice 'nope'" in err
    assert "ledger.csv:2: invoice 9: column 'issue_date': '2026-02-30' is not a real date" in err


def test_status_json_has_the_contract_shape(tmp_path, capsys):
    config = write_config(tmp_path)
    main(["--config", str(config), "run", "--once"])
    capsys.readouterr()
    assert main(["--config", str(config), "status", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["invoice"] for r in rows] == ["2026-001", "2026-004"]
    for row in rows:
        assert set(row) == STATUS_KEYS
        assert isinstance(row["total"], str) and isinstance(row["balance"], str)
    assert rows[0]["total"] == "3998.40" and rows[0]["balance"] == "3998.40"
    assert rows[0]["state"] == "overdue"  # due 2026-11-16, which has passed


def test_a_long_status_prints_plain_aligned_columns(tmp_path, capsys, monkeypatch):
    from mailbot.cli import output

    config = write_config(tmp_path)
    main(["--config", str(config), "run", "--once"])
    assert main(["--config", str(config), "status"]) == 0
    boxed = capsys.readouterr().out
    monkeypatch.setattr(output, "LONG_TABLE", 1)  # (rich took 100 s for 100,000 rows)
    assert main(["--config", str(config), "status"]) == 0
    header, rule, *lines = capsys.readouterr().out.splitlines()
    assert header.split() == ["invoice", "client", "total", "balance", "due", "state", "reminders", "next"]
    assert set(rule) == {"-", " "} and len(lines) == 2 and "┃" in boxed
    assert lines[0].split()[:6] == ["2026-001", "acme", "3998.40", "EUR", "3998.40", "2026-11-16"]
    assert lines[0].index("acme") == header.index("client")  # aligned under its header


def test_history_json_lists_the_sent_event_with_its_message_id(tmp_path, capsys):
    config = write_config(tmp_path)
    main(["--config", str(config), "run", "--once"])
    capsys.readouterr()
    assert main(["--config", str(config), "history", "2026-004", "--json"]) == 0
    (event,) = json.loads(capsys.readouterr().out)
    assert event["type"] == "sent" and event["kind"] == "invoice"
    assert event["message_id"].endswith("@muster-design.example>")
    assert event["detail"] == "to buchhaltung@kaiser-soehne.example, chef@kaiser-soehne.example"
    files = (tmp_path / "var/mail/outbox/new").iterdir()
    sent = [message_from_bytes(f.read_bytes(), policy=policy.default) for f in files]
    (mail,) = [m for m in sent if m["Message-ID"] == event["message_id"]]
    assert "2026-004" in mail["Subject"]
    assert main(["--config", str(config), "history", "nope"]) == 1


def test_no_command_or_a_bad_one_is_usage_error(capsys):
    assert main([]) == 2
    with pytest.raises(SystemExit) as caught:
        main(["frobnicate"])
    assert caught.value.code == 2


def test_missing_config_file_is_named(tmp_path, capsys):
    assert main(["--config", str(tmp_path / "none.toml"), "status"]) == 1
    assert f"{tmp_path / 'none.toml'}:0: config file not found" in capsys.readouterr().err


def test_logo_file_travels_inline_by_content_id(tmp_path):
    (tmp_path / "logo.png").write_bytes(PNG)
    config = write_config(tmp_path)
    config.write_text(
        config.read_text().replace('tax_id = "DE123456789"', 'tax_id = "DE123456789"\nlogo = "logo.png"', 1)
    )
    assert main(["--config", str(config), "run", "--once"]) == 0
    raw = next((tmp_path / "var/mail/outbox/new").iterdir()).read_bytes()
    msg = message_from_bytes(raw, policy=policy.default)
    assert msg.get_content_type() == "multipart/mixed"  # the mail, then the invoice's PDF
    assert [p.get_content_type() for p in msg.iter_parts()] == ["multipart/related", "application/pdf"]
    image = next(p for p in msg.walk() if p.get_content_type() == "image/png")
    assert image.get_content() == on_light_plate(PNG)[0]  # half transparent: on its white plate
    cid = image["Content-ID"].strip("<>")
    assert f'src="cid:{cid}"' in msg.get_body(("html",)).get_content()


def test_aging_groups_open_balances_by_days_overdue(tmp_path, capsys):
    config = write_config(tmp_path)
    main(["--config", str(config), "run", "--once"])
    capsys.readouterr()
    assert main(["--config", str(config), "aging", "--json"]) == 0
    rows = {r["client"]: r for r in json.loads(capsys.readouterr().out)}
    assert set(rows) == {"acme", "kaiser", "(all)"}
    # Open: 2026-001 (3998.40, due 2026-11-16, long past) and 2026-004 (1053.23).
    assert rows["acme"]["total"] == "3998.40" and rows["(all)"]["total"] == "5051.63"
    assert rows["acme"]["not_due"] == "0.00"


def test_preview_of_a_reminder_step_shows_its_tone(tmp_path, capsys):
    config = write_config(tmp_path)
    assert main(["--config", str(config), "preview", "2026-001", "--kind", "reminder", "--step", "4"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("Subject: Re: Invoice 2026-001 from Muster Design")
    assert "days overdue; it was due on Monday, 16 November 2026" in text
