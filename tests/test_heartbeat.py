"""The heartbeat URL (``[service] heartbeat_url``), the healthchecks.io convention, against a
real HTTP server on 127.0.0.1: ``/start``, success, ``/fail`` with a reason; never slowing a
pass, never logging the URL's token."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from conftest import write_config
from test_health import FAST, _service, _wait_for

from mailbot.config.settings import ConfigError, load_settings
from mailbot.service.heartbeat import Heartbeat

TOKEN = "5f2c1d4e-secret-token"


@dataclass
class Pings:
    seen: list[tuple[str, str, bytes]] = field(default_factory=list)  # method, path, body
    status: int = 200

    def paths(self) -> list[str]:
        return [path for _, path, _ in self.seen]


def _handler(pings: Pings) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self, body: bytes) -> None:
            pings.seen.append((self.command, self.path, body))
            self.send_response(pings.status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"OK")

        def do_GET(self) -> None:
            self._answer(b"")

        def do_POST(self) -> None:
            self._answer(self.rfile.read(int(self.headers.get("Content-Length", "0"))))

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@pytest.fixture
def pings() -> Iterator[tuple[Pings, str]]:
    found = Pings()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(found))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield found, f"http://127.0.0.1:{server.server_address[1]}/ping/{TOKEN}"
    finally:
        server.shutdown()
        server.server_close()


def _wait_until(check, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError("not in time")


def test_each_pass_pings_start_then_success(tmp_path, pings):
    found, url = pings
    config = write_config(tmp_path)
    log_path = tmp_path / "service.log"
    with _service(config, log_path, env={"MAILBOT_SERVICE__HEARTBEAT_URL": url}, interval=FAST):
        _wait_for(log_path, "2026-004: invoice sent")
        _wait_until(lambda: found.paths().count(f"/ping/{TOKEN}") >= 2)
    paths = found.paths()
    assert paths[0] == f"/ping/{TOKEN}/start"
    assert paths[1] == f"/ping/{TOKEN}"
    assert {method for method, _, _ in found.seen} == {"GET"}
    assert TOKEN not in log_path.read_text()


def test_a_failed_pass_posts_its_reason_to_fail(tmp_path, pings):
    found, url = pings
    config = write_config(tmp_path)
    (tmp_path / "ledger.csv").unlink()
    log_path = tmp_path / "service.log"
    with _service(config, log_path, env={"MAILBOT_SERVICE__HEARTBEAT_URL": url}, interval=FAST):
        _wait_until(lambda: f"/ping/{TOKEN}/fail" in found.paths())
    method, _, body = next(ping for ping in found.seen if ping[1].endswith("/fail"))
    assert method == "POST"
    assert body.startswith(b"the ledger cannot be used")
    assert f"/ping/{TOKEN}" not in found.paths()  # no success among them


def test_a_failing_monitor_is_logged_by_host_only_and_the_passes_go_on(tmp_path, pings):
    found, url = pings
    found.status = 500
    config = write_config(tmp_path)
    log_path = tmp_path / "service.log"
    with _service(config, log_path, env={"MAILBOT_SERVICE__HEARTBEAT_URL": url}, interval=FAST):
        _wait_for(log_path, "heartbeat to 127.0.0.1 failed: HTTP 500")
        _wait_for(log_path, "2026-004: invoice sent")
    assert TOKEN not in log_path.read_text()


def test_a_hung_monitor_never_holds_up_the_caller():
    with socket.socket() as hung:  # accepts connections and never answers
        hung.bind(("127.0.0.1", 0))
        hung.listen()
        beat = Heartbeat(f"http://127.0.0.1:{hung.getsockname()[1]}/{TOKEN}", timeout=0.5)
        began = time.monotonic()
        for _ in range(50):  # more than the queue holds: the rest are dropped, not waited for
            beat.start()
            beat.ok()
        assert time.monotonic() - began < 0.2
        beat.close(wait=0.1)


def test_a_heartbeat_url_that_is_not_http_is_a_config_error_that_does_not_echo_it(tmp_path, monkeypatch):
    monkeypatch.setenv("MAILBOT_SERVICE__HEARTBEAT_URL", f"ftp://example.invalid/{TOKEN}")
    with pytest.raises(ConfigError) as caught:
        load_settings(write_config(tmp_path))
    text = " ".join(str(p) for p in caught.value.problems)
    assert "heartbeat" in text
    assert TOKEN not in text
