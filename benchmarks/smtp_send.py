"""SMTP send throughput: mailbot's ``SmtpOutbox`` against a bare ``smtplib`` loop.

    python benchmarks/smtp_send.py [--messages 1000] [--rounds 5]

Builds real invoice mails with ``Mailer.build`` (not timed), starts an aiosmtpd
``Controller`` on 127.0.0.1 (a free port) whose handler just accepts, then times,
alternating, (a) one ``smtplib.SMTP`` connection sending every message with
``sendmail`` and (b) ``mailbot.transport.SmtpOutbox`` sending them over its one
connection with ``send(raw, sender, recipients)``.  Each timing covers connect,
every message and QUIT.  Target: mailbot >= 80% of bare (ratio of the best rounds).

The server runs in its own process: in-process, its asyncio thread would fight the
sender for the GIL and both loops would mostly measure that.  The server counts what
it accepts, so a round that lost mails is an error, not a fast round.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import smtplib
import sys
import tempfile
import time
from pathlib import Path

import _common  # first: it puts the repository root on sys.path
from _common import NOW, free_port, machine, median, verdict

from mailbot.config.settings import Smtp, load_settings
from mailbot.ledger.read import load_ledger
from mailbot.outbound.mails import Mailer
from mailbot.outbound.transport import SmtpOutbox

TARGET = 0.80  # mailbot / bare
SEED = 4242


class _AcceptAll:
    """Accepts every mail; counts messages and bytes (shared with the parent)."""

    def __init__(self, count, size):
        self.count, self.size = count, size

    async def handle_DATA(self, server, session, envelope):
        with self.count.get_lock():
            self.count.value += 1
        with self.size.get_lock():
            self.size.value += len(envelope.original_content or b"")
        return "250 OK"


def _serve(port: int, ready, stop, count, size) -> None:
    from aiosmtpd.controller import Controller

    controller = Controller(_AcceptAll(count, size), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    stop.wait()
    controller.stop()


def prepare(n: int) -> list[tuple[bytes, str, list[str]]]:
    """``n`` real invoice mails (1-4 lines each, English and German) with their envelopes."""
    with tempfile.TemporaryDirectory(prefix="mailbot-bench-") as tmp:
        config, _ = _common.write_setup(Path(tmp), n, 1, 4, SEED)
        settings = load_settings(config)
        ledger = load_ledger(settings)
    assert not ledger.problems, ledger.problems[:3]
    mailer = Mailer(settings)
    out = []
    for i, invoice in enumerate(ledger.valid()):
        raw = mailer.build(invoice, "invoice", f"<smtp.{i}@muster-design.example>", NOW)
        envelope = mailer.envelope(settings.clients[invoice.client_id])
        out.append((raw, envelope.from_addr, envelope.recipients))
    return out


def bare(port: int, messages) -> float:
    t0 = time.perf_counter()
    client = smtplib.SMTP("127.0.0.1", port, timeout=30)
    for raw, sender, recipients in messages:
        client.sendmail(sender, recipients, raw)
    client.quit()
    return time.perf_counter() - t0


def mailbot(port: int, messages) -> float:
    config = Smtp(host="127.0.0.1", port=port, security="none")
    t0 = time.perf_counter()
    with SmtpOutbox(config) as outbox:
        for raw, sender, recipients in messages:
            outbox.send(raw, sender, recipients)
    return time.perf_counter() - t0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5, help="rounds of each, alternating")
    args = parser.parse_args()
    print(f"smtp_send benchmark: {machine()}")

    t0 = time.perf_counter()
    messages = prepare(args.messages)
    sizes = sorted(len(m[0]) for m in messages)
    total_mb = sum(sizes) / 1e6
    print(
        f"prepared {len(messages)} mails with Mailer.build in {time.perf_counter() - t0:.1f} s: "
        f"{sizes[0] / 1024:.1f}-{sizes[-1] / 1024:.1f} KiB (median "
        f"{sizes[len(sizes) // 2] / 1024:.1f} KiB), {total_mb:.1f} MB per round"
    )

    ctx = mp.get_context("spawn")
    count, size = ctx.Value("q", 0), ctx.Value("q", 0)
    ready, stop = ctx.Event(), ctx.Event()
    port = free_port()
    server = ctx.Process(target=_serve, args=(port, ready, stop, count, size), daemon=True)
    server.start()
    try:
        if not ready.wait(30):
            print("FAIL: the aiosmtpd server did not start")
            return 1
        print(f"aiosmtpd on 127.0.0.1:{port} (own process), handler accepts everything")
        bare(port, messages[:50])  # warm-up: both paths, connections and server code
        mailbot(port, messages[:50])
        times: dict[str, list[float]] = {"bare": [], "mailbot": []}
        for r in range(args.rounds):
            for name, func in (("bare", bare), ("mailbot", mailbot)):
                before = count.value
                seconds = func(port, messages)
                got = count.value - before
                if got != len(messages):
                    print(f"FAIL: round {r + 1} {name}: the server got {got}/{len(messages)}")
                    return 1
                times[name].append(seconds)
                print(f"  round {r + 1} {name:8s} {seconds:6.3f} s = "
                      f"{len(messages) / seconds:6.0f} mails/s, "
                      f"{total_mb / seconds:5.1f} MB/s")  # fmt: skip
    finally:
        stop.set()
        server.join(10)

    rate = {k: {"best": len(messages) / min(v), "median": len(messages) / median(v)}
            for k, v in times.items()}  # fmt: skip
    ratio_best = rate["mailbot"]["best"] / rate["bare"]["best"]
    ratio_median = rate["mailbot"]["median"] / rate["bare"]["median"]
    ok = ratio_best >= TARGET
    print("\n=== summary ===")
    for name in ("bare", "mailbot"):
        label = "smtplib bare" if name == "bare" else "SmtpOutbox  "
        print(f"{label}: {len(messages)} mails x {args.rounds} rounds, "
              f"best {rate[name]['best']:.0f} mails/s, "
              f"median {rate[name]['median']:.0f} mails/s")  # fmt: skip
    print(
        f"smtp send: mailbot/bare = {ratio_best:.0%} best, {ratio_median:.0%} median "
        f"(target >= {TARGET:.0%}: {verdict(ok)})"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
