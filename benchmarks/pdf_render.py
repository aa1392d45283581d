"""The invoice PDF: milliseconds per PDF (PDF/A-3b with the EN 16931 XML inside), and per mail.

    python benchmarks/pdf_render.py [--invoices 40] [--processes N]

Generates (seeded) the config and ledger of ``_common.write_setup`` (invoices of 1-20
lines, English and German clients, the example's logo), warms up, then for each invoice:
builds the CII XML, lays the PDF out (WeasyPrint), embeds the XML and checks it against
the XSD (factur-x). Prints ms per PDF with the share of each step, then the cost of a
whole invoice mail with its PDF beside the same mail without it (``[invoice] attach_pdf``).
Target (issue 15): 1,000 PDFs with embedded, checked XML in under 5 minutes on one core
(300 ms a PDF). ``--processes N`` also renders them over N processes.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import _common  # first: it puts the repository root on sys.path
from _common import NOW, machine, verdict

from mailbot.config.settings import load_settings
from mailbot.decide import policy
from mailbot.ledger.read import load_ledger
from mailbot.outbound import documents, einvoice, pdf
from mailbot.outbound.mails import Mailer

SEED = 20261206
TARGET_MS = 300_000 / 1000  # 1,000 PDFs in 5 minutes, one core


def setup(folder: Path, n: int, attach_pdf: bool) -> tuple[Mailer, list]:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "logo.png").write_bytes((_common.ROOT / "config" / "logo.png").read_bytes())
    config, _rows = _common.write_setup(folder, n, 1, 20, SEED, attach_pdf=attach_pdf)
    config.write_text(config.read_text().replace('tax_id = "DE123456789"',
                                                 'tax_id = "DE123456789"\nlogo = "logo.png"', 1))  # fmt: skip
    settings = load_settings(config)
    return Mailer(settings), load_ledger(settings).valid()[:n]


def one_pdf(mailer: Mailer, invoice) -> dict[str, float]:
    """Seconds per step of one invoice's PDF, as ``documents.attachments`` makes it."""
    settings, clock = mailer.settings, time.perf_counter
    client = settings.clients[invoice.client_id]
    today = policy.local_date(NOW, client)
    t0 = clock()
    xml = einvoice.cii_xml(settings, invoice, client)
    context = documents.pdf_context(settings, invoice, client, today, mailer.logo)
    html = pdf.render_html(mailer.renderer.sources, context, client.language)
    t1 = clock()
    plain = pdf.html_to_pdf(html)
    t2 = clock()
    pdf.with_einvoice(plain, xml, client.language)
    t3 = clock()
    return {"xml+html": t1 - t0, "layout (WeasyPrint)": t2 - t1, "embed+XSD (factur-x)": t3 - t2}


def _worker(args: tuple[str, int, int]) -> int:
    folder, start, stop = args
    mailer, invoices = setup(Path(folder), stop, True)
    for invoice in invoices[start:stop]:
        one_pdf(mailer, invoice)
    return stop - start


def mails(mailer: Mailer, invoices) -> tuple[float, int]:
    """Mean seconds and bytes per invoice mail (``Mailer.build``, the real path)."""
    t0, size = time.perf_counter(), 0
    for n, invoice in enumerate(invoices):
        size += len(mailer.build(invoice, "invoice", f"<pdf.{n}@muster-design.example>", NOW))
    return (time.perf_counter() - t0) / len(invoices), size // len(invoices)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=40)
    parser.add_argument("--processes", type=int, default=0)
    args = parser.parse_args()
    print(machine())
    with tempfile.TemporaryDirectory() as tmp:
        mailer, invoices = setup(Path(tmp) / "with", args.invoices, True)
        t0 = time.perf_counter()
        one_pdf(mailer, invoices[0])
        print(f"first PDF (fonts, templates, schema loaded): {1000 * (time.perf_counter() - t0):.0f} ms")
        steps: dict[str, list[float]] = {}
        cpu0 = time.process_time()
        for invoice in invoices:
            for step, seconds in one_pdf(mailer, invoice).items():
                steps.setdefault(step, []).append(seconds)
        cpu_ms = 1000 * (time.process_time() - cpu0) / len(invoices)
        per_pdf = [sum(parts) for parts in zip(*steps.values(), strict=True)]
        mean_ms = 1000 * statistics.mean(per_pdf)
        print(f"PDF/A-3b with embedded, XSD-checked EN 16931 XML: {mean_ms:.0f} ms per PDF "
              f"(median {1000 * statistics.median(per_pdf):.0f}, min {1000 * min(per_pdf):.0f}, "
              f"max {1000 * max(per_pdf):.0f}; {len(per_pdf)} invoices of 1-20 lines; "
              f"load average {os.getloadavg()[0]:.1f})")  # fmt: skip
        for step, values in steps.items():
            print(f"  {step:<22} {1000 * statistics.mean(values):6.1f} ms")
        print(f"CPU time: {cpu_ms:.0f} ms per PDF (what one core spends, whatever else runs)")
        print(f"1,000 PDFs on one core: {cpu_ms:.0f} s CPU, {mean_ms:.0f} s wall -> "
              f"{verdict(cpu_ms <= TARGET_MS)} (target 300 s)")  # fmt: skip
        with_pdf, size_with = mails(mailer, invoices)
        plain_mailer, plain_invoices = setup(Path(tmp) / "without", args.invoices, False)
        mails(plain_mailer, plain_invoices[:2])  # warm
        without, size_without = mails(plain_mailer, plain_invoices)
        print(f"invoice mail with its PDF: {1000 * with_pdf:.0f} ms, {size_with // 1024} KB; "
              f"without: {1000 * without:.1f} ms, {size_without // 1024} KB")  # fmt: skip
        if args.processes > 1:
            n, k = len(invoices), args.processes
            chunks = [(str(Path(tmp) / f"p{i}"), i * n // k, (i + 1) * n // k) for i in range(k)]
            t0 = time.perf_counter()
            with ProcessPoolExecutor(k) as pool:
                done = sum(pool.map(_worker, chunks))
            wall = time.perf_counter() - t0
            print(f"{done} PDFs over {k} processes: {1000 * wall / done:.0f} ms a PDF (wall, with setup)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
