"""Render + compose throughput: invoice -> MIME bytes through ``Mailer.build`` (the real path).

    python benchmarks/render_compose.py [--invoices 10000] [--per-mail 2000] [--profile]

Generates (seeded) a config with English and German clients and a ledger of complete
invoices of 1-20 lines, loads both with mailbot's own loaders, warms up, then builds
every invoice mail in one process.  Target: >= 500 mails/s on one core.

Also: the same with the MJML compiled per mail (``Renderer(compile_per_mail=True)``)
on a subset (it is ~5 ms a mail; all 10,000 would not fit the time budget), compared
with the precompiled renderer on the very same subset; a per-step breakdown (context,
render, compose) from a sample; and the one-off costs (template compile, first mail).
``--profile`` adds a cProfile of the main loop (top 15 by tottime).
"""

from __future__ import annotations

import argparse
import cProfile
import email
import email.policy
import io
import pstats
import sys
import tempfile
import time
from pathlib import Path

import _common  # first: it puts the repository root on sys.path
from _common import NOW, machine, verdict

from mailbot.config.settings import load_settings
from mailbot.decide import policy
from mailbot.ledger.read import load_ledger
from mailbot.outbound.compose import Extras, Threading, compose
from mailbot.outbound.context import invoice_context
from mailbot.outbound.mails import Mailer
from mailbot.outbound.render import Renderer

TARGET = 500.0  # mails/s, one core (the issue)
SEED = 20261122


def message_ids(n: int) -> list[str]:
    return [f"<bench.{i}.invoice@muster-design.example>" for i in range(n)]


def build_all(mailer: Mailer, invoices, mids) -> tuple[float, float, int]:
    """Wall and CPU seconds to build every mail, and the bytes produced."""
    build = mailer.build
    total = 0
    cpu0, t0 = time.process_time(), time.perf_counter()
    for invoice, mid in zip(invoices, mids, strict=True):
        total += len(build(invoice, "invoice", mid, NOW))
    return time.perf_counter() - t0, time.process_time() - cpu0, total


def breakdown(mailer: Mailer, invoices) -> dict[str, float]:
    """Seconds spent per step over ``invoices``: the steps of ``Mailer.build``, timed apart."""
    settings, renderer = mailer.settings, mailer.renderer
    spent = {"context": 0.0, "render": 0.0, "compose": 0.0}
    clock = time.perf_counter
    for n, invoice in enumerate(invoices):
        t0 = clock()
        client = settings.clients[invoice.client_id]
        today = policy.local_date(NOW, client)
        logo_src = f"cid:{mailer.logo.cid}" if mailer.logo else settings.business.logo
        context = invoice_context(settings, invoice, client, today, logo_src)
        context["lang"] = client.language
        t1 = clock()
        rendered = renderer.render("invoice", context, client.language)
        t2 = clock()
        envelope = mailer.envelope(settings.clients[invoice.client_id])
        extras = Extras(images=[mailer.logo] if mailer.logo else [])
        compose(rendered, envelope, Threading(f"<bd.{n}@x.example>"), NOW, extras)
        t3 = clock()
        spent["context"] += t1 - t0
        spent["render"] += t2 - t1
        spent["compose"] += t3 - t2
    return spent


def one_off(settings, invoices_by_lang) -> dict[str, float]:
    """Cold costs in ms, each paid once per process: template compile per language, first mail."""
    costs = {}
    renderer = Renderer()
    mailer = Mailer(settings, renderer=renderer)
    for lang, invoice in invoices_by_lang.items():
        t0 = time.perf_counter()
        html_env, text_env = renderer.envs(lang)
        html_env.get_template("invoice/body.mjml")
        text_env.get_template("invoice/body.txt")
        text_env.get_template("invoice/subject.txt")
        costs[f"compile {lang}"] = (time.perf_counter() - t0) * 1e3
        t0 = time.perf_counter()
        mailer.build(invoice, "invoice", "<first@x.example>", NOW)
        costs[f"first mail {lang}"] = (time.perf_counter() - t0) * 1e3
        t0 = time.perf_counter()
        mailer.build(invoice, "invoice", "<second@x.example>", NOW)
        costs[f"same mail again {lang}"] = (time.perf_counter() - t0) * 1e3
    return costs


def check_mail(raw: bytes) -> None:
    """A sanity check that the benchmark builds real mails (not timed)."""
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert msg["Subject"] and msg["Message-ID"], "no Subject/Message-ID"
    assert msg.get_body(("html",)) is not None and msg.get_body(("plain",)) is not None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--invoices", type=int, default=10_000)
    parser.add_argument("--per-mail", type=int, default=2_000, help="compile_per_mail subset")
    parser.add_argument("--sample", type=int, default=1_000, help="breakdown sample")
    parser.add_argument("--profile", action="store_true", help="cProfile the main loop too")
    args = parser.parse_args()
    print(f"render_compose benchmark: {machine()}")

    with tempfile.TemporaryDirectory(prefix="mailbot-bench-") as tmp:
        t0 = time.perf_counter()
        config, rows = _common.write_setup(Path(tmp), args.invoices, 1, 20, SEED)
        gen_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        settings = load_settings(config)
        settings_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        ledger = load_ledger(settings)
        ledger_s = time.perf_counter() - t0
    if ledger.problems:
        for problem in ledger.problems[:10]:
            print(problem)
        print("FAIL: the generated ledger has problems")
        return 1
    invoices = ledger.valid()
    assert len(invoices) == args.invoices, len(invoices)
    langs = {settings.clients[i.client_id].language for i in invoices}
    n_lines = [len(i.items) for i in invoices]
    print(
        f"data: {len(invoices)} invoices, {len(rows)} CSV rows, lines/invoice "
        f"{min(n_lines)}-{max(n_lines)} (mean {sum(n_lines) / len(n_lines):.1f}), "
        f"{len(settings.clients)} clients, languages {sorted(langs)}"
    )
    print(
        f"setup: generate {gen_s:.2f} s, load_settings {settings_s * 1e3:.0f} ms, "
        f"load_ledger {ledger_s:.2f} s"
    )

    # One-off costs, in a fresh Mailer/Renderer, before anything else warms the caches.
    first_of = {}
    for inv in invoices:
        first_of.setdefault(settings.clients[inv.client_id].language.split("-")[0], inv)
    costs = one_off(settings, first_of)
    oneoff = ", ".join(f"{k} {v:.1f} ms" for k, v in costs.items())
    print(
        "\none-off (cold process; compile = MJML -> HTML, CSS inlining, Jinja compile of the "
        "3 templates; first mail also loads Babel locale data):\n  " + oneoff
    )

    mids = message_ids(len(invoices))
    mailer = Mailer(settings)
    for inv, mid in zip(invoices[:300], mids, strict=False):  # warm-up: every client, both langs
        check_mail(mailer.build(inv, "invoice", mid, NOW))

    # Main figure: every invoice, one process, one core. This machine is a shared VM
    # (CPU steal up to 50 % seen), so three rounds: the best is the code's speed, the
    # median shows the noise.
    rounds = []
    for number in range(1, 4):
        wall, cpu, total_bytes = build_all(mailer, invoices, mids)
        rounds.append(wall)
        print(
            f"precompiled round {number}: {len(invoices)} mails in {wall:.2f} s wall "
            f"({cpu:.2f} s CPU) = {len(invoices) / wall:.0f} mails/s, "
            f"{wall / len(invoices) * 1e3:.3f} ms/mail, "
            f"mean size {total_bytes / len(invoices) / 1024:.1f} KiB"
        )
    wall = min(rounds)
    rate = len(invoices) / wall
    median_rate = len(invoices) / sorted(rounds)[1]

    # MJML compiled per mail, on a subset; the precompiled renderer on the same subset.
    subset, sub_mids = invoices[: args.per_mail], mids[: args.per_mail]
    per_mail = Mailer(settings, renderer=Renderer(compile_per_mail=True))
    for inv, mid in zip(subset[:50], sub_mids, strict=False):
        check_mail(per_mail.build(inv, "invoice", mid, NOW))
    pm_wall, _, _ = build_all(per_mail, subset, sub_mids)
    pc_wall, _, _ = build_all(mailer, subset, sub_mids)
    pm_rate, pc_rate = len(subset) / pm_wall, len(subset) / pc_wall
    print(
        f"compile_per_mail: {len(subset)} mails in {pm_wall:.2f} s = {pm_rate:.0f} mails/s "
        f"({pm_wall / len(subset) * 1e3:.2f} ms/mail); precompiled on the same "
        f"{len(subset)}: {pc_rate:.0f} mails/s; precompiled is {pc_rate / pm_rate:.1f}x faster"
    )

    # Where the time goes: the steps of Mailer.build, timed apart on an even sample.
    step = max(1, len(invoices) // args.sample)
    sample = invoices[::step][: args.sample]
    breakdown(mailer, sample[:100])  # warm
    spent = breakdown(mailer, sample)
    whole = sum(spent.values())
    parts = ", ".join(f"{k} {v / len(sample) * 1e3:.3f} ms ({v / whole:.0%})" for k, v in spent.items())
    print(f"breakdown ({len(sample)}-mail sample, per mail): {parts}; "
          f"sum {whole / len(sample) * 1e3:.3f} ms")  # fmt: skip

    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        build_all(mailer, invoices[:2000], mids[:2000])
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(15)
        print("\ncProfile, 2000 mails, top 15 by tottime:\n" + out.getvalue())

    ok = rate >= TARGET
    print("\n=== summary ===")
    print(f"render+compose: {len(invoices)} mails in {wall:.1f} s = {rate:.0f} mails/s best of 3, "
          f"{median_rate:.0f} median (target >= {TARGET:.0f}: {verdict(ok)})")  # fmt: skip
    print(f"compile_per_mail: {pm_rate:.0f} mails/s vs precompiled {pc_rate:.0f} mails/s "
          f"on the same {len(subset)} mails: ratio {pc_rate / pm_rate:.1f}x")  # fmt: skip
    print(f"per mail: {parts}")
    print(f"one-off: {oneoff}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
