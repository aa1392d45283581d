"""``run --once`` says why it could not do its work, one line on stderr, and exits 1."""

from __future__ import annotations

from pathlib import Path

from conftest import write_config
from servers.dovecot import free_port

from mailbot.cli.main import main
from mailbot.config.settings import load_settings
from mailbot.service.run_pass import one_pass_at_a_time


def _run_once(config: Path, capsys) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["--config", str(config), "run", "--once"])
    return code, capsys.readouterr().err


def _imap(port: int, user: str = "owner", password: str = "secret") -> str:
    return (f'\n[imap]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
            f'username = "{user}"\npassword = "{password}"\ntimeout = 5\n')  # fmt: skip


def test_a_pass_that_did_its_work_exits_0(tmp_path, capsys):
    code, err = _run_once(write_config(tmp_path), capsys)
    assert code == 0
    assert "mailbot:" not in err


def test_a_missing_ledger_is_unusable_and_exits_1(tmp_path, capsys):
    config = write_config(tmp_path)
    (tmp_path / "ledger.csv").unlink()
    code, err = _run_once(config, capsys)
    assert code == 1
    (line,) = [line for line in err.splitlines() if line.startswith("mailbot: the ledger cannot be used")]
    assert "ledger.csv" in line


def test_a_ledger_without_its_required_columns_is_unusable_and_exits_1(tmp_path, capsys):
    config = write_config(tmp_path, ledger="invoice,client\n2026-001,acme\n")
    code, err = _run_once(config, capsys)
    assert code == 1
    assert "mailbot: the ledger cannot be used" in err


def test_a_ledger_with_one_bad_row_is_usable_and_the_rest_goes_out(tmp_path, capsys):
    config = write_config(tmp_path)
    ledger = tmp_path / "ledger.csv"
    ledger.write_text(ledger.read_text() + "2026-009,acme,not-a-date,,Extra,1,,100.00,19,\n")
    code, err = _run_once(config, capsys)
    assert "the ledger cannot be used" not in err
    assert "2 sent" in err
    assert code == 0


def test_a_refused_imap_login_exits_1_saying_the_inbox_could_not_be_read(tmp_path, capsys, dovecot):
    config = write_config(tmp_path, _imap(dovecot.port, dovecot.user, "not-the-password"))
    code, err = _run_once(config, capsys)
    assert code == 1
    (line,) = [line for line in err.splitlines() if line.startswith("mailbot: the inbox could not be read")]
    assert f"127.0.0.1:{dovecot.port}" in line
    assert "not-the-password" not in err
    assert "2 sent" in err  # the sending still happened


def test_an_unreachable_imap_server_exits_1(tmp_path, capsys):
    config = write_config(tmp_path, _imap(free_port()))
    code, err = _run_once(config, capsys)
    assert code == 1
    assert "mailbot: the inbox could not be read" in err


def test_a_held_lock_exits_1_and_does_nothing(tmp_path, capsys):
    config = write_config(tmp_path)
    state = load_settings(config).state_path
    with one_pass_at_a_time(state) as alone:
        assert alone
        code, err = _run_once(config, capsys)
    assert code == 1
    assert f"mailbot: another pass is running on {state}" in err
    assert not list((tmp_path / "var" / "mail" / "outbox" / "new").glob("*"))
    code, _ = _run_once(config, capsys)  # the lock released: the pass does its work
    assert code == 0
    assert len(list((tmp_path / "var" / "mail" / "outbox" / "new").glob("*"))) == 2
