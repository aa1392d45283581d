"""IMAP over TLS against a real Dovecot with ``ssl = required``; ``check --connect`` logs in as the worker.

The certificate is self-signed and made at test time (tests/servers/dovecot.py), so
it verifies only with ``[imap] ca_file`` pointing at it.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from conftest import write_config
from test_imap import reply

from mailbot.cli.main import main


def _config(tmp_path: Path, server, security: str, extra: str = "") -> Path:
    port = server.ssl_port if security == "ssl" else server.port
    imap = (
        f'\n[imap]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "{security}"\n'
        f'username = "{server.user}"\npassword = "{server.password}"\ntimeout = 10\n{extra}'
    )
    return write_config(tmp_path, imap)


def _invoice_id(config: Path) -> str:
    db = sqlite3.connect(config.parent / "var" / "mailbot.db")
    try:
        return db.execute("SELECT message_id FROM outbox WHERE invoice = '2026-001'").fetchone()[0]
    finally:
        db.close()


@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_worker_reads_a_reply_over_tls_with_the_test_ca(tmp_path, dovecot_tls, security, capsys):
    config = _config(tmp_path, dovecot_tls, security, f'ca_file = "{dovecot_tls.ca_file}"\n')
    assert main(["--config", str(config), "run", "--once"]) == 0  # sends the invoice, reads an empty inbox
    dovecot_tls.append(reply("tls1@acme.example", _invoice_id(config), "Paid today."))
    assert main(["--config", str(config), "run", "--once"]) == 0
    capsys.readouterr()
    assert main(["--config", str(config), "history", "2026-001", "--json"]) == 0
    events = json.loads(capsys.readouterr().out)
    assert any(e["type"] == "reply" and e["intent"] == "payment_claimed" for e in events), events
    assert main(["--config", str(config), "check", "--connect"]) == 0


@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_unknown_certificate_is_refused_clearly_by_check_and_worker(
    tmp_path, dovecot_tls, security, capsys, caplog
):
    config = _config(tmp_path, dovecot_tls, security)  # verify on (the default), no ca_file
    dovecot_tls.append(reply("tls2@acme.example", "", "Paid today.", subject="Re: Invoice 2026-001"))
    assert main(["--config", str(config), "check", "--connect"]) == 1
    out = capsys.readouterr().out
    assert f"imap 127.0.0.1:{_port(dovecot_tls, security)}: " in out and "CERTIFICATE_VERIFY_FAILED" in out
    assert "Traceback" not in out
    main(["--config", str(config), "run", "--once"])  # the pass still sends; the inbox waits
    said = [r for r in caplog.records if "CERTIFICATE_VERIFY_FAILED" in r.getMessage()]
    assert said and all(r.exc_info is None for r in said), "one clear line, no traceback"
    assert f"imap 127.0.0.1:{_port(dovecot_tls, security)}: " in said[0].getMessage()
    capsys.readouterr()
    assert main(["--config", str(config), "history", "2026-001", "--json"]) == 0
    assert not [e for e in json.loads(capsys.readouterr().out) if e["type"] == "reply"]


def _port(server, security: str) -> int:
    return server.ssl_port if security == "ssl" else server.port


def test_check_connect_selects_the_folder_the_worker_reads(tmp_path, dovecot, capsys, caplog):
    """A folder that does not exist fails in ``run``; ``check --connect`` says so too
    (it logs in and selects through the worker's own ``ImapInbox.connect``)."""
    imap = (
        f'\n[imap]\nhost = "127.0.0.1"\nport = {dovecot.port}\nsecurity = "none"\n'
        f'username = "{dovecot.user}"\npassword = "{dovecot.password}"\nfolder = "Nope"\ntimeout = 10\n'
    )
    config = write_config(tmp_path, imap)
    assert main(["--config", str(config), "check", "--connect"]) == 1
    out = capsys.readouterr().out
    problem = next(line for line in out.splitlines() if line.startswith(f"imap 127.0.0.1:{dovecot.port}: "))
    assert "Nope" in problem
    problem = problem.split(" (")[0]  # Dovecot appends its timing
    main(["--config", str(config), "run", "--once"])
    assert any(problem in r.getMessage() for r in caplog.records), "the worker fails the same way"
