"""Secrets are never printed: every output of every command, at DEBUG, in both log formats,
against the real servers (aiosmtpd with AUTH, Dovecot), is searched for the passwords."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from conftest import ROOT, _Handler, write_config

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

SMTP_PASSWORD = "smtp-Pa55-7f3c9e"
WRONG_PASSWORD = "wrong-Pa55-a81b2d"  # a mistyped password is a secret too
COMMANDS = [
    ["check"], ["check", "--connect"], ["run", "--once"], ["run", "--once", "--dry-run"],
    ["status"], ["status", "--json"], ["history", "2026-001"], ["history", "2026-001", "--json"],
    ["plan"], ["aging"], ["state", "check"], ["export-payments"],
]  # fmt: skip


class _AuthSmtp:
    """aiosmtpd that insists on AUTH (PLAIN/LOGIN over plain text, on 127.0.0.1 only)."""

    def __init__(self) -> None:
        self.handler = _Handler()
        self.logins: list[bool] = []
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(
            self.handler, hostname="127.0.0.1", port=self.port, authenticator=self._check,
            auth_require_tls=False, auth_required=True,
        )  # fmt: skip

    def _check(self, _server, _session, _envelope, _mechanism, data) -> AuthResult:
        good = isinstance(data, LoginPassword) and data.password == SMTP_PASSWORD.encode()
        self.logins.append(good)
        return AuthResult(success=good, handled=False)  # (handled: aiosmtpd would not answer)


@pytest.fixture
def auth_smtp():
    server = _AuthSmtp()
    server.controller.start()
    try:
        yield server
    finally:
        server.controller.stop()


HEARTBEAT_TOKEN = "5e1f0c2a-hb-token-7d9b"  # a healthchecks.io check URL holds its token in the path


def _config(tmp_path: Path, smtp: _AuthSmtp, dovecot) -> Path:
    return write_config(
        tmp_path,
        f"""
        [smtp]
        host = "127.0.0.1"
        port = {smtp.port}
        security = "none"
        username = "billing"
        password = "{SMTP_PASSWORD}"

        [imap]
        host = "127.0.0.1"
        port = {dovecot.port}
        security = "none"
        username = "{dovecot.user}"
        password = "{dovecot.password}"

        [service]
        heartbeat_url = "http://127.0.0.1:9/ping/{HEARTBEAT_TOKEN}"
    """,
    )


def _mailbot(config: Path, *args: str, env: dict | None = None) -> str:
    """Everything the command wrote, stdout and stderr, at DEBUG."""
    done = subprocess.run(
        [sys.executable, "-m", "mailbot", "--config", str(config), "-v", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip
    return done.stdout + done.stderr


def _leaks(text: str, secrets: list[str]) -> list[str]:
    return [line for line in text.splitlines() if any(s in line for s in secrets)]


def _service(config: Path, env: dict | None = None) -> str:
    """``mailbot run`` for one pass and an IDLE, stopped with SIGTERM: its whole log."""
    log_path = config.parent / "service.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "mailbot", "--config", str(config), "-v", "--log-format", "json", "run"],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env,
        )  # fmt: skip
    deadline = time.monotonic() + 30
    while b"mailbot running" not in log_path.read_bytes() and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(2)  # the first pass and the IDLE command
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)
    return log_path.read_text()


def test_no_command_prints_a_password_at_debug_level(tmp_path, auth_smtp, dovecot):
    config = _config(tmp_path, auth_smtp, dovecot)
    secrets = [SMTP_PASSWORD, dovecot.password, HEARTBEAT_TOKEN]
    outputs = {" ".join(args): _mailbot(config, *args) for args in COMMANDS}
    outputs["--log-format json run --once"] = _mailbot(config, "--log-format", "json", "run", "--once")
    outputs["run"] = _service(config)
    assert auth_smtp.logins and all(auth_smtp.logins)  # the password was used, and right
    assert len(auth_smtp.handler.messages) == 2
    assert "DEBUG" in outputs["run --once"]  # DEBUG lines were printed, and searched
    leaks = {command: _leaks(text, secrets) for command, text in outputs.items()}
    assert leaks == {command: [] for command in outputs}


def test_a_wrong_password_in_the_environment_is_not_printed_either(tmp_path, auth_smtp, dovecot):
    config = _config(tmp_path, auth_smtp, dovecot)
    env = {**os.environ, "MAILBOT_SMTP__PASSWORD": WRONG_PASSWORD, "MAILBOT_IMAP__PASSWORD": WRONG_PASSWORD}
    outputs = {
        "check --connect": _mailbot(config, "check", "--connect", env=env),
        "run --once": _mailbot(config, "run", "--once", env=env),
        "run": _service(config, env=env),
    }
    assert auth_smtp.logins and not any(auth_smtp.logins)  # the wrong one was tried
    assert "login failed" in outputs["run --once"].lower()
    leaks = {command: _leaks(text, [WRONG_PASSWORD, SMTP_PASSWORD, dovecot.password])
             for command, text in outputs.items()}  # fmt: skip
    assert leaks == {command: [] for command in outputs}


@pytest.mark.parametrize(
    "mistake",
    ['password = ["{secret}"]', 'password = "{secret}"\nbogus = 1', 'password = "{secret}\\u0000"'],
    ids=["not a string", "an unknown key beside it", "a control character"],
)
def test_a_config_error_about_the_password_does_not_print_it(tmp_path, mistake):
    config = write_config(
        tmp_path, '\n[smtp]\nhost = "127.0.0.1"\n' + mistake.format(secret=SMTP_PASSWORD) + "\n"
    )
    for args in (["check"], ["run", "--once"]):
        text = _mailbot(config, *args)
        assert f"{config}:" in text  # the error is reported, naming the file
        assert _leaks(text, [SMTP_PASSWORD]) == []
