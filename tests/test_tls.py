"""SMTP over TLS against aiosmtpd: certificates are verified by default, a CA file can be trusted."""

from __future__ import annotations

import socket
import ssl
import subprocess
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from conftest import _Handler, write_config

from mailbot.cli.main import main


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1 (it is its own CA)."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.password == b"right-pw"
    return AuthResult(success=ok)


@pytest.fixture(params=["starttls", "ssl"])
def tls_server(request, certificate):
    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    handler, port = _Handler(), _free_port()
    if request.param == "ssl":
        controller = Controller(handler, hostname="127.0.0.1", port=port, ssl_context=context,
                                authenticator=_authenticator, auth_require_tls=False)  # fmt: skip
    else:
        controller = Controller(handler, hostname="127.0.0.1", port=port, tls_context=context,
                                require_starttls=True, authenticator=_authenticator)  # fmt: skip
    controller.start()
    yield request.param, port, handler, cert
    controller.stop()


def _toml(security: str, port: int, extra: str = "") -> str:
    return (f'\n[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "{security}"\n'
            f'username = "billing"\n{extra}')  # fmt: skip


def test_unknown_certificate_is_refused_by_default(tmp_path, tls_server, monkeypatch, capsys):
    security, port, handler, _cert = tls_server
    monkeypatch.setenv("MAILBOT_SMTP__PASSWORD", "right-pw")
    config = write_config(tmp_path, _toml(security, port))
    assert main(["--config", str(config), "run", "--once"]) == 1
    assert handler.messages == []
    assert main(["--config", str(config), "check", "--connect"]) == 1
    assert "CERTIFICATE_VERIFY_FAILED" in capsys.readouterr().out


def test_trusted_ca_file_sends_over_tls_with_login(tmp_path, tls_server, monkeypatch):
    security, port, handler, cert = tls_server
    monkeypatch.setenv("MAILBOT_SMTP__PASSWORD", "right-pw")
    config = write_config(tmp_path, _toml(security, port, f'ca_file = "{cert}"\n'))
    assert main(["--config", str(config), "check", "--connect"]) == 0
    assert main(["--config", str(config), "run", "--once"]) == 0
    subjects = sorted(
        message_from_bytes(m.raw, policy=policy.default)["Subject"].split()[1] for m in handler.messages
    )
    assert subjects == ["2026-001", "2026-004"]


def test_wrong_password_is_reported_and_nothing_is_lost(tmp_path, tls_server, monkeypatch, capsys):
    security, port, handler, cert = tls_server
    monkeypatch.setenv("MAILBOT_SMTP__PASSWORD", "wrong-pw")
    # aiosmtpd hangs after a failed AUTH LOGIN; a short time-out keeps the test quick.
    config = write_config(tmp_path, _toml(security, port, f'ca_file = "{cert}"\ntimeout = 2\n'))
    assert main(["--config", str(config), "run", "--once"]) == 1
    assert handler.messages == []
    monkeypatch.setenv("MAILBOT_SMTP__PASSWORD", "right-pw")
    assert main(["--config", str(config), "run", "--once"]) == 0
    assert len(handler.messages) == 2
    assert "wrong-pw" not in capsys.readouterr().err
