"""A headless Chromium driven over the DevTools protocol, to lay mails out as a phone would.

Headless Chromium will not lay a window out narrower than 500 px, so each page gets its
true viewport from ``Emulation.setDeviceMetricsOverride`` (and dark mode from
``Emulation.setEmulatedMedia``). The protocol runs over ``--remote-debugging-pipe``
(NUL-separated JSON on file descriptors 3 and 4): no port, no network, no websocket
library; the messages are those of ``--remote-debugging-port``.

One ``Browser`` per test session; each ``Page`` is reused for many mails.
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--hide-scrollbars",
    "--remote-debugging-pipe",
]
TIMEOUT = 30.0


class ChromiumError(RuntimeError):
    pass


class Browser:
    """One Chromium process; ``call`` sends a DevTools command and waits for its answer."""

    def __init__(self, executable: str = CHROMIUM):
        self.profile = tempfile.mkdtemp(prefix="mailbot-chromium-")
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()

        def wire() -> None:  # in the child: fd 3 is what Chromium reads, fd 4 what it writes
            read, write = os.dup(to_chrome_r), os.dup(from_chrome_w)
            os.dup2(read, 3)
            os.dup2(write, 4)

        self.process = subprocess.Popen(
            [executable, *FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
            pass_fds=(3, 4), preexec_fn=wire,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buffer = b""
        self._next_id = 0

    def call(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> dict:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_chrome, json.dumps(message).encode() + b"\0")
        while True:
            answer = self._read()
            if answer.get("id") == self._next_id:
                if "error" in answer:
                    raise ChromiumError(f"{method}: {answer['error']}")
                return answer.get("result", {})

    def _read(self) -> dict:
        while b"\0" not in self._buffer:
            ready, _, _ = select.select([self._from_chrome], [], [], TIMEOUT)
            chunk = os.read(self._from_chrome, 1 << 20) if ready else b""
            if not chunk:
                raise ChromiumError("Chromium stopped answering")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def page(self) -> Page:
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        return Page(self, session)

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._to_chrome)
        os.close(self._from_chrome)
        shutil.rmtree(self.profile, ignore_errors=True)


class Page:
    """One tab: a viewport, a colour scheme and a document, each set again as often as needed."""

    def __init__(self, browser: Browser, session: str):
        self.browser = browser
        self.session = session
        self.call("Page.enable")

    def call(self, method: str, params: dict[str, Any] | None = None) -> dict:
        return self.browser.call(method, params, self.session)

    def emulate(self, width: int, dark: bool = False, height: int = 800) -> None:
        """A true ``width`` px viewport (a phone's, ``mobile``, below 500 px) in light or dark."""
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 500})  # fmt: skip
        scheme = "dark" if dark else "light"
        self.call(
            "Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": scheme}]}
        )

    def show(self, html: str) -> None:
        """``html`` as the document, laid out (images given as ``data:`` URIs decode too)."""
        frame = self.call("Page.getFrameTree")["frameTree"]["frame"]["id"]
        self.call("Page.setDocumentContent", {"frameId": frame, "html": html})
        self.evaluate("document.fonts.ready.then(() => Promise.all([...document.images].map("
                      "i => i.complete ? 0 : new Promise(r => { i.onload = i.onerror = r; }))))")  # fmt: skip

    def open(self, path: Path) -> None:
        """A file, as a browser opens it from disk (``preview --out``)."""
        self.call("Page.navigate", {"url": path.resolve().as_uri()})
        self.evaluate(
            "new Promise(r => document.readyState === 'complete' ? r() : addEventListener('load', r))"
        )

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate",
                           {"expression": expression, "returnByValue": True, "awaitPromise": True})  # fmt: skip
        if "exceptionDetails" in result:
            raise ChromiumError(f"{expression[:60]}...: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self, path: Path) -> None:
        """The whole mail, top to bottom, as a PNG."""
        data = self.call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})["data"]
        path.write_bytes(base64.b64decode(data))
