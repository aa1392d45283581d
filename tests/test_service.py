"""The service (``mailbot run``) and its config: broken at start, broken while running."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from conftest import ROOT, write_config

from mailbot.cli.main import main


def test_run_with_a_broken_config_at_start_exits_1_naming_file_and_line(tmp_path, capsys):
    config = write_config(tmp_path)
    config.write_text(config.read_text() + "\n[smtp]\nport = 'twenty-five'\n")
    assert main(["--config", str(config), "run", "--interval", "0.2"]) == 1
    err = capsys.readouterr().err
    line = config.read_text().splitlines().index("port = 'twenty-five'") + 1
    assert f"{config}:{line}:" in err


def _save(path, text: str) -> None:
    """As editors save: a new file renamed over the old (never read half-written)."""
    partial = path.with_suffix(".part")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)


def _wait_for(path, text: str, seconds: float = 30) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = path.read_text(errors="replace") if path.exists() else ""
        if text in found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"{text!r} not in the log:\n{found[-3000:]}")


def test_a_broken_edit_while_running_keeps_the_last_good_config_and_is_logged_once(tmp_path):
    config = write_config(tmp_path)
    good = config.read_text()
    log_path = tmp_path / "service.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "mailbot", "--config", str(config), "run", "--interval", "0.2"],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        _wait_for(log_path, "mailbot running")
        _save(config, good + "\n[smtp\n")  # not TOML: the owner is mid-edit
        _wait_for(log_path, "the last good config stays in use")
        time.sleep(1.5)  # about seven more passes on the broken file
        ledger = tmp_path / "ledger.csv"  # a new invoice still goes out, on the last good config
        _save(ledger, ledger.read_text() + "2026-009,acme,2026-11-05,2026-11-19,Extra,1,,100.00,19,\n")
        _wait_for(log_path, "2026-009: invoice sent")
        _save(config, good.replace("Muster Design", "Muster Design Studio", 1))
        _wait_for(log_path, "read again without problems")
        assert process.poll() is None  # it kept running throughout
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    text = log_path.read_text()
    (error,) = [line for line in text.splitlines() if "the last good config stays in use" in line]
    assert f"ERROR mailbot.service.loop: {config}" in error  # (load_settings reads the file twice:
    assert "the pass failed" not in text  # a file replaced meanwhile is reported without its line)
    assert process.returncode == 0
