"""A real Dovecot IMAP server on 127.0.0.1 for tests.

Why a real server: mailbot's IMAP code has to cope with what real servers do
(IDLE pushes, BYE on shutdown, UIDVALIDITY changes), and fakes tend to agree
with the code under test instead of with the protocol.

Each :class:`DovecotServer` runs its own ``dovecot -F`` master with its own
config file in a private temporary directory (base_dir, state_dir, logs, the
passwd-file and the Maildir all live there), listening only on 127.0.0.1 on a
free port. It never touches the system instance (/etc/dovecot, ports 143/993).

Startup takes a few tens of milliseconds and shutdown well under a second, so
the ``dovecot`` fixture is function-scoped: every test gets a fresh server and
an empty mailbox, and may stop/restart it freely.

Usage (``servers`` is importable because tests/ has no ``__init__.py``, so
pytest puts tests/ on sys.path; if that changes, import ``tests.servers.dovecot``)::

    # in tests/conftest.py:  pytest_plugins = ("servers.dovecot",)
    # or in one test module:
    from servers.dovecot import DovecotServer, dovecot_fixture  # noqa: F401

    def test_reads_reply(dovecot: DovecotServer) -> None:
        dovecot.append(b"Subject: Re: invoice 42\\r\\n\\r\\nPaid.\\r\\n")
        with dovecot.client() as imap:
            imap.select_folder("INBOX")
            assert imap.search("ALL") == [1]

Install the server with ``tests/servers/install_dovecot.sh`` (Debian
``dovecot-imapd``, 2.3.x on bookworm). Nothing is skipped: if dovecot is missing
or fails to start, the fixture errors with the reason and the log tail.
"""

from __future__ import annotations

import contextlib
import grp
import os
import pwd
import re
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Self

import pytest
from imapclient import IMAPClient, imap_utf7

HOST = "127.0.0.1"
# Debian puts dovecot in /usr/sbin, which is not on a normal user's PATH.
_SEARCH_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin", "/sbin"])
_INSTALL_HINT = "run tests/servers/install_dovecot.sh (installs Debian's dovecot-imapd)"


class DovecotError(RuntimeError):
    """Dovecot is missing, unsupported, or did not start/stop as expected."""


def dovecot_binary() -> str:
    """Path of the ``dovecot`` master binary, or a clear error saying how to get it."""
    path = shutil.which("dovecot", path=_SEARCH_PATH)
    if path is None:
        raise DovecotError(f"dovecot binary not found; {_INSTALL_HINT}")
    return path


def dovecot_version(binary: str | None = None) -> tuple[int, int]:
    """(major, minor) of the installed dovecot, from ``dovecot --version``.

    Config syntax changed incompatibly in 2.4 (``mail_driver``, named passdbs,
    ``dovecot_config_version``...), so the config we write depends on it.
    """
    out = subprocess.run(
        [binary or dovecot_binary(), "--version"],
        capture_output=True,
        text=True,
        check=True,
        timeout=10,
    ).stdout
    match = re.match(r"\s*(\d+)\.(\d+)", out)
    if match is None:
        raise DovecotError(f"cannot parse `dovecot --version` output: {out!r}")
    return int(match.group(1)), int(match.group(2))


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _run_as() -> tuple[str, int, str, int]:
    """(user, uid, group, gid) that dovecot's unprivileged processes and mail use.

    As root, dovecot refuses to access mail as uid 0 and wants non-root users
    for its internal/login processes, so we use ``nobody``/its group. As a
    normal user, dovecot cannot switch users at all, so everything runs as us.
    """
    entry = pwd.getpwnam("nobody") if os.geteuid() == 0 else pwd.getpwuid(os.geteuid())
    return entry.pw_name, entry.pw_uid, grp.getgrgid(entry.pw_gid).gr_name, entry.pw_gid


def _tail(path: Path, lines: int = 30) -> str:
    """Last lines of a log file, for error messages."""
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return "(no log file)"
    return "\n".join(text.splitlines()[-lines:]) or "(empty)"


def group_members(pgid: int) -> list[int]:
    """Pids of live (non-zombie) processes in a process group, read from /proc.

    ``os.killpg(pgid, 0)`` is not enough: it also succeeds for zombies that
    init has not reaped yet.
    """
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # Fields after "(comm)": state, ppid, pgrp, ...
        state, _ppid, pgrp = stat[stat.rfind(")") + 2 :].split()[:3]
        if int(pgrp) == pgid and state != "Z":
            pids.append(int(entry.name))
    return pids


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A throwaway self-signed certificate for localhost and 127.0.0.1 (it is its own CA).

    Made with the ``cryptography`` package when it is installed, else with
    ``openssl req`` (``install_dovecot.sh`` installs openssl)."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    try:
        _certificate_with_cryptography(cert, key)
    except ImportError:
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
             "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
             "-keyout", str(key), "-out", str(cert)],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
    cert.chmod(0o644)
    key.chmod(0o644)  # read by dovecot's unprivileged processes; a test key only
    return cert, key


def _certificate_with_cryptography(cert: Path, key: Path) -> None:
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    private = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(private.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName(
            [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(HOST))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(private, hashes.SHA256())
    )  # fmt: skip
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key.write_bytes(private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))  # fmt: skip


class DovecotServer:
    """One private Dovecot IMAP server (imap only, 127.0.0.1): plaintext, or with
    ``tls=True`` ``ssl = required`` (STARTTLS on ``port``, implicit TLS on
    ``ssl_port``) with a self-signed certificate made at start (``ca_file``).

    ``restart()`` keeps the port and the mail data, so connected clients are
    disconnected (they get ``* BYE`` or EOF) and must reconnect, like after a
    real server restart.
    """

    def __init__(
        self,
        user: str = "mailbot",
        password: str = "secret-password",  # throwaway test account
        *,
        startup_timeout: float = 10.0,
        tls: bool = False,
    ) -> None:
        self.host = HOST
        self.port = 0
        self.tls = tls
        self.ssl_port = 0
        self.user = user
        self.password = password
        self.startup_timeout = startup_timeout
        self.binary = dovecot_binary()
        self.version = dovecot_version(self.binary)
        if self.version[0] != 2 or self.version[1] > 3:
            raise DovecotError(
                f"dovecot {self.version[0]}.{self.version[1]} is not supported by this "
                "helper (it writes 2.3-style config; 2.4 renamed most settings)"
            )
        # Not pytest's tmp_path: that sits under a 0700 directory that the
        # `nobody` processes cannot traverse, and unix socket paths in base_dir
        # must stay short (108 bytes).
        self.root = Path(tempfile.mkdtemp(prefix="dovecot-"))
        self.root.chmod(0o755)
        self.config_path = self.root / "dovecot.conf"
        self.log_path = self.root / "dovecot.log"
        self.output_path = self.root / "dovecot.out"  # master's own stdout/stderr
        self.home = self.root / "home" / user
        self.maildir = self.home / "Maildir"
        self._process: subprocess.Popen[bytes] | None = None
        self._prepare_files()
        self.ca_file: Path | None = None
        if tls:
            self.ca_file, self.key_file = make_certificate(self.root)

    # ----------------------------------------------------------------- setup
    def _prepare_files(self) -> None:
        """Create passwd-file, home and an empty Maildir owned by the mail user."""
        _, uid, _, gid = _run_as()
        for sub in ("cur", "new", "tmp"):
            (self.maildir / sub).mkdir(parents=True, exist_ok=True)
        for path in (self.home, self.maildir, *self.maildir.iterdir()):
            os.chown(path, uid, gid)
        passwd = self.root / "passwd"
        # user:password:uid:gid:gecos:home:shell:extra -- read by auth as `nobody`.
        passwd.write_text(f"{self.user}:{{PLAIN}}{self.password}:{uid}:{gid}::{self.home}::\n")
        passwd.chmod(0o644)

    def _write_config(self) -> None:
        """Write a self-contained 2.3 config (nothing from /etc/dovecot is read)."""
        user, uid, group, gid = _run_as()
        root = self.root
        config = f"""\
# Generated by tests/servers/dovecot.py for dovecot {self.version[0]}.{self.version[1]}
base_dir = {root}/run
state_dir = {root}/state
log_path = {self.log_path}
info_log_path = {self.log_path}
protocols = imap
listen = {HOST}
{self._ssl_settings()}
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_max_userip_connections = 100
# Failed logins answer after ~0.5 s (imap-login minimum) instead of 2 s.
auth_failure_delay = 0
# Dovecot's processes run as these; the defaults ("dovecot"/"dovenull" and
# group "dovecot") only work as root with the Debian users present.
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
first_valid_uid = {uid}
last_valid_uid = {uid}
first_valid_gid = {gid}
last_valid_gid = {gid}
mail_location = maildir:~/Maildir
# IDLE uses inotify; this is only the fallback poll interval (default 30 s).
mailbox_idle_check_interval = 1 secs
namespace inbox {{
  inbox = yes
  separator = /
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/passwd
}}
service imap-login {{
  # chroot needs root; not needed for tests.
  chroot =
  inet_listener imap {{
    address = {HOST}
    port = {self.port}
  }}
  inet_listener imaps {{
    address = {HOST}
    port = {self.ssl_port if self.tls else 0}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
  # Disables auth penalty: after a failed login from 127.0.0.1 every later
  # login (even a correct one) was delayed up to 15 s.
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
"""
        self.config_path.write_text(config)

    def _ssl_settings(self) -> str:
        if not self.tls:
            return "ssl = no"
        return (f"ssl = required\nssl_cert = <{self.ca_file}\nssl_key = <{self.key_file}\n"
                "ssl_min_protocol = TLSv1.2")  # fmt: skip

    # ------------------------------------------------------------- lifecycle
    @property
    def pid(self) -> int | None:
        """Pid of the dovecot master (also its process group id), if started."""
        return self._process.pid if self._process is not None else None

    @property
    def running(self) -> bool:
        """True while our dovecot master process is alive."""
        return self._process is not None and self._process.poll() is None

    def start(self) -> None:
        """Start the master and wait until it greets IMAP clients.

        The first start picks a free port (retrying if another process grabs
        it in between); later starts reuse it so clients can reconnect.
        """
        if self.running:
            return
        attempts = 3 if self.port == 0 else 1
        for attempt in range(attempts):
            if attempts > 1:
                self.port = free_port()
                self.ssl_port = free_port() if self.tls else 0
            try:
                self._start_once()
                return
            except DovecotError:
                in_use = "Address already in use" in _tail(self.log_path) + _tail(self.output_path)
                if not in_use or attempt == attempts - 1:
                    raise

    def _start_once(self) -> None:
        self._write_config()
        # A master.pid left by a SIGKILLed master would make dovecot refuse to start.
        (self.root / "run" / "master.pid").unlink(missing_ok=True)
        with self.output_path.open("ab") as output:
            # -F: stay in the foreground so we own the pid. Own session: the
            # master and all its children share one process group we can kill.
            # Output goes to a file: a pipe nobody reads would block or hang
            # callers that capture output.
            self._process = subprocess.Popen(
                [self.binary, "-F", "-c", str(self.config_path)],
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + self.startup_timeout
        last_error = "no attempt"
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                last_error = f"dovecot exited with code {self._process.returncode}"
                break
            try:
                # A listening port is not enough: imap-login may still be
                # failing (e.g. chroot errors), so wait for the "* OK" greeting.
                with socket.create_connection((self.host, self.port), timeout=1) as sock:
                    greeting = sock.recv(512)
                if greeting.startswith(b"* OK"):
                    return
                last_error = f"unexpected greeting {greeting!r}"
            except OSError as exc:
                last_error = repr(exc)
            time.sleep(0.02)
        else:
            last_error = f"no IMAP greeting within {self.startup_timeout} s ({last_error})"
        self.stop()
        raise DovecotError(
            f"dovecot {self.version[0]}.{self.version[1]} did not start on "
            f"{self.host}:{self.port}: {last_error}\n"
            f"--- {self.output_path} ---\n{_tail(self.output_path)}\n"
            f"--- {self.log_path} ---\n{_tail(self.log_path)}\n"
            f"--- config {self.config_path} ---\n{self.config_path.read_text()}"
        )

    def stop(self, timeout: float = 10.0) -> None:
        """Stop dovecot and leave no process behind.

        SIGTERM goes to the whole process group at once: on SIGTERM to the
        master alone, dovecot 2.3 waits ~1 s and then exits leaving imap
        processes with connected clients (and log/stats) running. Signalled
        together, every process shuts down cleanly within milliseconds and
        connected clients receive ``* BYE Server shutting down.``.
        The master then sometimes sleeps a whole second in its shutdown path
        with no child left; it has nothing to save, so once it is alone for
        50 ms it gets SIGKILL. Anything alive after ``timeout`` gets SIGKILL.
        """
        process, self._process = self._process, None
        if process is None:
            return
        pgid = process.pid  # start_new_session made the master the group leader
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGTERM)
        started = time.monotonic()
        master_alone_since: float | None = None
        while members := group_members(pgid):
            now = time.monotonic()
            if now - started > 2 * timeout:
                raise DovecotError(f"dovecot processes survived SIGKILL: {members}")
            if now - started > timeout:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(pgid, signal.SIGKILL)
            elif members == [pgid]:
                master_alone_since = master_alone_since or now
                if now - master_alone_since > 0.05:
                    process.kill()
            time.sleep(0.005)
        process.wait(timeout=timeout)

    def restart(self) -> None:
        """Stop and start again on the same port with the same mail data."""
        self.stop()
        self.start()

    def close(self) -> None:
        """Stop the server and delete its directory (config, logs, mail)."""
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # --------------------------------------------------------------- helpers
    def client(self, timeout: float = 10.0) -> IMAPClient:
        """A new logged-in IMAPClient (over STARTTLS when ``tls``); the caller logs out."""
        imap = IMAPClient(self.host, self.port, ssl=False, timeout=timeout)
        if self.tls:
            imap.starttls(ssl.create_default_context(cafile=str(self.ca_file)))
        imap.login(self.user, self.password)
        return imap

    def append(self, raw: bytes, folder: str = "INBOX") -> None:
        """Deliver a raw RFC 5322 message with IMAP APPEND (as another client would)."""
        with self.client() as imap:
            imap.append(folder, raw)

    def create_folder(self, name: str) -> None:
        """Create and subscribe a folder (``/`` is the hierarchy separator)."""
        with self.client() as imap:
            imap.create_folder(name)
            imap.subscribe_folder(name)

    def folder_path(self, folder: str = "INBOX") -> Path:
        """On-disk Maildir++ directory of a folder (INBOX is the Maildir root)."""
        if folder.upper() == "INBOX":
            return self.maildir
        encoded = imap_utf7.encode(folder).decode("ascii")
        return self.maildir / ("." + encoded.replace("/", "."))

    def uidvalidity(self, folder: str = "INBOX") -> int:
        """Current UIDVALIDITY of a folder, as a client sees it."""
        with self.client() as imap:
            return int(imap.folder_status(folder, [b"UIDVALIDITY"])[b"UIDVALIDITY"])

    def change_uidvalidity(self, folder: str = "INBOX") -> int:
        """Make the folder's UIDVALIDITY change while keeping its messages.

        Dovecot keeps UIDs and UIDVALIDITY in ``dovecot-uidlist`` and the
        indexes; without them it rescans cur/ and new/ and assigns a new
        UIDVALIDITY (taken from ``dovecot-uidvalidity``, so it always differs
        from the old one). The mailbox-list index caches UIDVALIDITY for STATUS
        and goes too. The server is restarted to do this, so connected clients
        are disconnected. Returns the new UIDVALIDITY.
        """
        before = self.uidvalidity(folder)
        path = self.folder_path(folder)
        self.stop()
        patterns = ("dovecot-uidlist", "dovecot.index*")
        for pattern in patterns:
            for file in path.glob(pattern):
                file.unlink()
        for file in self.maildir.glob("dovecot.list.index*"):
            file.unlink()
        self.start()
        after = self.uidvalidity(folder)
        if after == before:
            raise DovecotError(f"UIDVALIDITY of {folder!r} did not change ({before})")
        return after


@pytest.fixture(name="dovecot")
def dovecot_fixture() -> Iterator[DovecotServer]:
    """A started, empty, function-scoped Dovecot server (errors, never skips)."""
    server = DovecotServer()
    try:
        server.start()
        yield server
    finally:
        server.close()


@pytest.fixture(name="dovecot_tls")
def dovecot_tls_fixture() -> Iterator[DovecotServer]:
    """The same with ``ssl = required``: STARTTLS on ``port``, TLS on ``ssl_port``, ``ca_file``."""
    server = DovecotServer(tls=True)
    try:
        server.start()
        yield server
    finally:
        server.close()
