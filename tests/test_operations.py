"""Operations: the systemd unit, the Docker image, the log formats and the progress bar."""

from __future__ import annotations

import fnmatch
import json
import os
import pty
import select
import shlex
import shutil
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

from conftest import BASE_LEDGER, ROOT, write_config

UNIT = ROOT / "docs" / "mailbot.service"
BAR = "━"  # rich's bar; with "n/total" the sure sign of a progress bar


def _unit(text: str) -> dict[str, dict[str, list[str]]]:
    """A systemd unit file: section -> key -> values (a key may repeat)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        assert current is not None, f"a key outside any section: {line}"
        key, sep, value = line.partition("=")
        assert sep, f"not KEY=VALUE: {line}"
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def test_the_systemd_unit_restarts_on_failure_sandboxed_with_a_state_directory():
    service = _unit(UNIT.read_text())["Service"]
    wanted = {
        "Type": "notify", "Restart": "on-failure", "ProtectSystem": "strict", "ProtectHome": "yes",
        "NoNewPrivileges": "yes", "PrivateTmp": "yes", "StateDirectory": "mailbot",
    }  # fmt: skip
    assert {key: service.get(key, [""])[-1] for key in wanted} == wanted
    assert service["EnvironmentFile"] and "/bin/kill -HUP $MAINPID" in service["ExecReload"]
    exec_start = shlex.split(service["ExecStart"][0])
    assert Path(exec_start[0]).name == "mailbot" and exec_start[-1] == "run"
    # The state mailbot writes is where the sandbox lets it write.
    env = dict(value.split("=", 1) for value in service["Environment"])
    writable = ["/var/lib/" + service["StateDirectory"][0], *service.get("ReadWritePaths", [])]
    for key in ("MAILBOT_STATE__PATH", "MAILBOT_MAIL__DIR"):
        assert any(env[key].startswith(place + "/") for place in writable), key
    # The stop bound (10 s) fits in the time systemd gives before SIGKILL.
    assert float(service["TimeoutStopSec"][0].removesuffix("s")) > 10


def test_systemd_analyze_verifies_the_unit_without_a_warning(tmp_path):
    """``systemd-analyze verify`` checks every key and value; it wants ExecStart's binary
    to exist, so the copy points at the installed ``mailbot``."""
    analyze, mailbot = shutil.which("systemd-analyze"), shutil.which("mailbot")
    assert analyze and mailbot, "systemd-analyze and an installed mailbot are needed"
    unit = tmp_path / "mailbot.service"
    unit.write_text(UNIT.read_text().replace("/usr/local/bin/mailbot", mailbot))
    done = subprocess.run([analyze, "verify", str(unit)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stderr.strip() == "", done.stderr


def _instructions(text: str) -> list[tuple[str, str]]:
    """A Dockerfile's instructions, continuation lines joined."""
    joined = text.replace("\\\n", " ")
    found = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _sep, rest = line.partition(" ")
            found.append((word.upper(), " ".join(rest.split())))
    return found


def _ignored(path: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatch(path, p) or fnmatch.fnmatch(path.split("/")[0], p) for p in patterns)


def test_the_docker_image_runs_the_worker_as_a_user_with_a_health_check_and_a_state_volume():
    steps = _instructions((ROOT / "Dockerfile").read_text())
    first = dict(reversed(steps))  # the first of each instruction
    last = dict(steps)
    assert first["ARG"] == "BASE=python:3.11-slim"  # (another mirror's copy: --build-arg BASE=...)
    assert first["FROM"] == "${BASE}"
    assert last["USER"] not in ("root", "0", "")
    assert last["HEALTHCHECK"].endswith('CMD ["mailbot", "health"]')
    assert json.loads(last["CMD"]) == ["mailbot", "run"]
    assert any(word == "RUN" and "pip install ." in rest for word, rest in steps)
    volume = json.loads(last["VOLUME"])[0]
    env = " ".join(rest for word, rest in steps if word == "ENV")
    assert f"MAILBOT_STATE__PATH={volume}/" in env and f"MAILBOT_MAIL__DIR={volume}/" in env


def test_the_docker_build_context_holds_everything_pip_install_needs():
    """Every COPY source exists and is not in .dockerignore, and what the wheel takes
    (the package, README, the force-included templates and config) is copied."""
    patterns = [
        line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]  # fmt: skip
    copied = []
    for word, rest in _instructions((ROOT / "Dockerfile").read_text()):
        if word == "COPY":
            sources = rest.split()[:-1]
            for source in sources:
                assert (ROOT / source).exists(), source
                assert not _ignored(source, patterns), f"{source} is in .dockerignore"
            copied += sources
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    needed = {"pyproject.toml", project["project"]["readme"], "mailbot"}
    needed |= set(project["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"])
    assert needed <= set(copied), needed - set(copied)


def test_the_procfile_runs_the_worker():
    assert (ROOT / "Procfile").read_text().strip() == "worker: mailbot run"


def _run_once(config: Path, *options: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mailbot", "--config", str(config), *options, "run", "--once"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip


def test_json_logs_are_one_object_a_line_with_the_invoice_of_each_outcome(tmp_path):
    config = write_config(tmp_path)
    done = _run_once(config, "--log-format", "json")
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    summary = lines.pop()  # the command's summary for the person, not a log record
    assert summary.startswith("2 sent")
    records = [json.loads(line) for line in lines]  # every log line is one JSON object
    assert records and all({"at", "level", "logger", "message"} <= set(r) for r in records)
    sent = {r["invoice"]: r for r in records if "invoice sent to" in r["message"]}
    assert set(sent) == {"2026-001", "2026-004"}
    assert sent["2026-001"]["level"] == "INFO" and sent["2026-001"]["logger"] == "mailbot.service.sending"
    assert sent["2026-001"]["at"].endswith("+00:00")


def test_the_log_format_can_come_from_the_environment(tmp_path):
    config = write_config(tmp_path)
    done = _run_once(config, env={**os.environ, "MAILBOT_LOG_FORMAT": "json"})
    assert json.loads(done.stderr.splitlines()[0])["level"] == "INFO", done.stderr


def test_text_logs_have_one_line_per_outcome_naming_the_invoice(tmp_path):
    config = write_config(tmp_path)
    done = _run_once(config)
    outcomes = [line for line in done.stderr.splitlines() if "invoice sent to" in line]
    assert len(outcomes) == 2
    assert "INFO mailbot.service.sending: invoice 2026-001: invoice sent to ap@acme.example" in outcomes[0]


def _many(count: int) -> str:
    rows = [f"2026-{n:03d},acme,2026-11-02,2026-11-16,Work,1,,100.00,19,\n" for n in range(100, 100 + count)]
    return BASE_LEDGER + "".join(rows)


def _at_a_terminal(config: Path) -> str:
    """``run --once`` with stderr (and stdout) on a pseudo-terminal: what it showed."""
    master, slave = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "mailbot", "--config", str(config), "run", "--once"],
        cwd=ROOT, stdout=slave, stderr=slave, env={**os.environ, "COLUMNS": "100"},
    )  # fmt: skip
    os.close(slave)
    shown = b""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the other end closed: the process is gone
                break
            if not chunk:
                break
            shown += chunk
        elif process.poll() is not None:
            break
    process.wait(timeout=30)
    os.close(master)
    return shown.decode("utf-8", "replace")


def test_a_batch_of_more_than_20_mails_shows_a_progress_bar_at_a_terminal(tmp_path):
    config = write_config(tmp_path, ledger=_many(23))
    shown = _at_a_terminal(config)
    assert BAR in shown and "25/25" in shown, shown[-2000:]


def test_a_batch_of_20_mails_shows_no_bar_even_at_a_terminal(tmp_path):
    config = write_config(tmp_path, ledger=_many(18))
    shown = _at_a_terminal(config)
    assert "20 sent" in shown and BAR not in shown, shown[-2000:]


def test_piped_output_of_a_big_batch_has_no_progress_bar(tmp_path):
    config = write_config(tmp_path, ledger=_many(23))
    done = _run_once(config)
    assert "25 sent" in done.stderr
    output = done.stdout + done.stderr
    assert BAR not in output and "25/25" not in output and "\r" not in output and "\x1b[" not in output


def test_the_service_in_json_writes_nothing_but_json_lines_on_stderr(tmp_path):
    config = write_config(tmp_path)
    process = subprocess.Popen(
        [sys.executable, "-m", "mailbot", "--config", str(config), "--log-format", "json", "run"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    outbox = tmp_path / "var" / "mail" / "outbox" / "new"
    deadline = time.monotonic() + 60  # start and the first pass (two invoices): slow under load
    while len(list(outbox.glob("*"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)  # the pass's last lines, then the wait
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=30)
    records = [json.loads(line) for line in err.splitlines()]
    assert process.returncode == 0 and out == ""
    assert [r["message"] for r in records][-1] == "mailbot stopped"
    assert {r.get("invoice") for r in records if "sent to" in r["message"]} == {"2026-001", "2026-004"}
