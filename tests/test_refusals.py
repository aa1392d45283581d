"""Delivery truth over a real SMTP server (aiosmtpd on 127.0.0.1) that refuses a recipient:
each refusal recorded per recipient, history never claiming delivery to a refused address,
the owner told once of each address refused for good, a refusal for now given up on after
``[service] refused_days``."""

from __future__ import annotations

import json
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path

from conftest import write_config

from mailbot.cli.main import main
from mailbot.config.settings import load_settings
from mailbot.service.clock import utcnow
from mailbot.service.run_pass import run_once

CC = "chef@kaiser-soehne.example"
TO = "buchhaltung@kaiser-soehne.example"


def _history(config: Path, invoice: str, capsys) -> list[dict]:
    capsys.readouterr()
    assert main(["--config", str(config), "history", invoice, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def _owner_notices(smtp_server) -> list:
    return [message_from_bytes(m.raw, policy=policy.default) for m in smtp_server.messages
            if b"X-Mailbot: notice" in m.raw]  # fmt: skip


def test_a_cc_refused_for_good_is_recorded_and_the_history_names_only_who_got_the_mail(
    tmp_path, smtp_server, capsys
):
    smtp_server.handler.reject[CC] = "550 5.1.1 <chef@kaiser-soehne.example>: no such user"
    config = write_config(tmp_path, smtp_server.toml())
    assert main(["--config", str(config), "run", "--once"]) == 0
    (kaiser,) = [m for m in smtp_server.messages if TO in m.recipients]
    assert kaiser.recipients == [TO]
    events = _history(config, "2026-004", capsys)
    (sent,) = [e for e in events if e["type"] == "sent"]
    assert TO in sent["detail"]
    assert CC not in sent["detail"]
    (refused,) = [e for e in events if e["type"] == "error"]
    assert refused["detail"].startswith(f"refused {CC} for good: 550 5.1.1")
    for _ in range(2):  # the notice goes out with the next pass; no second one after
        assert main(["--config", str(config), "run", "--once"]) == 0
    (notice,) = _owner_notices(smtp_server)
    assert "billing@muster-design.example" in str(notice["To"])
    assert CC in notice["Subject"]
    assert "refused for good" in notice.get_body(("plain",)).get_content()


def test_a_cc_refused_for_now_is_recorded_and_the_owner_is_not_bothered(tmp_path, smtp_server, capsys):
    smtp_server.handler.reject[CC] = "450 4.2.1 mailbox busy"
    config = write_config(tmp_path, smtp_server.toml())
    assert main(["--config", str(config), "run", "--once"]) == 0
    events = _history(config, "2026-004", capsys)
    (sent,) = [e for e in events if e["type"] == "sent"]
    assert CC not in sent["detail"]
    assert [e["detail"][:40] for e in events if e["type"] == "error"] == [
        f"refused {CC} for now: 450 4.2.1"[:40]
    ]
    main(["--config", str(config), "run", "--once"])
    assert _owner_notices(smtp_server) == []


def test_a_recipient_refused_for_now_beyond_the_limit_counts_as_refused_for_good(
    tmp_path, smtp_server, capsys
):
    smtp_server.handler.reject["ap@acme.example"] = "450 4.2.2 mailbox full"
    config = write_config(tmp_path, smtp_server.toml())
    settings = load_settings(config)
    start = utcnow()
    assert run_once(settings, start).retry == ["2026-001"]
    assert run_once(settings, start + timedelta(days=1)).retry == ["2026-001"]  # within 3 days: retried
    assert not _owner_notices(smtp_server)
    late = run_once(settings, start + timedelta(days=3, minutes=1))
    assert late.failed == ["2026-001"]
    capsys.readouterr()
    assert main(["--config", str(config), "status", "--json"]) == 0
    states = {row["invoice"]: row["state"] for row in json.loads(capsys.readouterr().out)}
    assert states["2026-001"] == "undeliverable"
    events = _history(config, "2026-001", capsys)
    assert any("given up after 3 days" in (e["detail"] or "") for e in events if e["type"] == "error")
    run_once(settings, start + timedelta(days=3, minutes=2))
    run_once(settings, start + timedelta(days=3, minutes=3))
    (notice,) = _owner_notices(smtp_server)
    assert "ap@acme.example" in notice["Subject"]
    assert not [m for m in smtp_server.messages if "ap@acme.example" in m.recipients]
