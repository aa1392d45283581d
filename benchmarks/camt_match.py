"""``mailbot import-payments`` of a camt.053 with 10,000 booked credits against 10,000
open invoices: time and peak memory (issue 14: under 5 s).

    python benchmarks/camt_match.py [--invoices 10000] [--entries 10000] [--seed N]

Builds the config and ledger of ``_common.write_setup`` (10 clients, invoices of 1-3
lines, all open, an empty state) and a camt.053.001.08 statement whose booked credits
are, in a fixed cycle of 20: the invoice number in the remittance text (paying the
balance; one of them 10.00 too much), a partial payment and then the rest in a later
entry (which must see the balance the first left), the RF reference as a structured
reference, the Finnish reference printed in groups, no reference but the exact balance
and the client as the payer (written as banks do: upper case, umlauts spelt out, no
legal form), two invoices in one payment, an amount nobody owes, and an invoice's
number paid in another currency.  Then, in a fresh process, it runs the command itself
(``cli.main.main(["--config", X, "import-payments", FILE])``: reading the config, the
ledger, the state, the statement, matching, writing every payment event) and prints the
wall and CPU time, the parts spent reading the statement and applying it, and the peak
RSS (``VmHWM``) of that process.  It checks the outcome against what the statement was
built to hold (payments recorded, problems reported), and runs the import a second
time: every entry is then "already recorded" or reported again, and nothing is
recorded twice.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

from _common import machine, summary, write_setup

TARGET_S = 5.0
SEED = 14
CYCLE = ["number"] * 9 + ["overpaid", "partial", "rf", "rf", "fi", "payer", "payer", "several"]
CYCLE += ["unknown", "foreign"]
SPELT = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "AE", "Ö": "OE", "Ü": "UE", "ß": "ss", "&": "und"}
)
FORMS = (" GmbH", " AG", " KG", " Ltd", " LLP", ", Inc.", " Corporation")


def bank_name(name: str) -> str:
    """The client's name as a payer's bank may print it: "KAISER UND SOEHNE"."""
    for form in FORMS:
        name = name.removesuffix(form)
    return name.translate(SPELT).upper()


def entry(
    ref: str, amount: Decimal, text: str = "", payer: str = "", ccy: str = "EUR", strd: str = ""
) -> str:
    party = f"<RltdPties><Dbtr><Nm>{escape(payer)}</Nm></Dbtr></RltdPties>" if payer else ""
    structured = f"<Strd><CdtrRefInf><Ref>{strd}</Ref></CdtrRefInf></Strd>" if strd else ""
    return (
        f'<Ntry><Amt Ccy="{ccy}">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>'
        f"<BookgDt><Dt>2026-11-25</Dt></BookgDt><AcctSvcrRef>{ref}</AcctSvcrRef><NtryDtls><TxDtls>"
        f"<Refs><EndToEndId>E2E-{ref}</EndToEndId></Refs>{party}<RmtInf><Ustrd>{escape(text)}</Ustrd>"
        f"{structured}</RmtInf></TxDtls></NtryDtls></Ntry>\n"
    )


def build_statement(config: Path, n_entries: int, seed: int) -> tuple[str, Counter]:
    """The statement's XML and what importing it must give: ``recorded`` payment events
    (one a settled invoice, two for a payment of two) and ``problems`` (entries the owner
    decides)."""
    from mailbot.config.settings import load_settings
    from mailbot.ledger.read import load_ledger
    from mailbot.ledger.references import fi_reference, rf_reference

    settings = load_settings(config)
    invoices = [i for i in load_ledger(settings).invoices.values() if i.valid]
    grosses = Counter((i.client_id, i.gross) for i in invoices)
    rng = random.Random(seed)
    parts: list[str] = []
    expect: Counter = Counter()
    queue = iter(invoices)
    kind_at = 0
    while len(parts) < n_entries:
        kind = CYCLE[kind_at % len(CYCLE)]
        kind_at += 1
        ref = f"BM-{len(parts) + 1:06d}"
        if kind == "unknown":
            nobody_owes = Decimal(rng.randrange(1, 99)) / 100  # every invoice is 5.00 or more
            parts.append(entry(ref, nobody_owes, "Abschlag", "Max Mustermann"))
            expect["problems"] += 1
            continue
        invoice = next(queue)
        client = settings.clients[invoice.client_id]
        text = rng.choice(("Rechnung {}", "Invoice {} thank you", "RE {} / Kd.-Nr. 4711", "Payment for {}."))
        if kind == "number":
            parts.append(entry(ref, invoice.gross, text.format(invoice.number), client.name))
        elif kind == "overpaid":
            parts.append(entry(ref, invoice.gross + 10, text.format(invoice.number), client.name))
        elif kind == "partial":
            half = (invoice.gross / 2).quantize(Decimal("0.01"))
            parts.append(entry(ref, half, text.format(invoice.number), client.name))
            parts.append(entry(ref + "-R", invoice.gross - half, f"Rest {invoice.number}", client.name))
            expect["recorded"] += 1
        elif kind == "rf":
            parts.append(
                entry(ref, invoice.gross, "", bank_name(client.name), strd=rf_reference(invoice.number))
            )
        elif kind == "fi":
            fi = fi_reference(invoice.number)
            grouped = " ".join(fi[i : i + 5] for i in range(0, len(fi), 5))
            parts.append(entry(ref, invoice.gross, f"Viite {grouped}", bank_name(client.name)))
        elif kind == "payer":
            if grosses[(invoice.client_id, invoice.gross)] > 1:
                continue  # another of the client's invoices has that balance: ambiguous by design
            parts.append(entry(ref, invoice.gross, "Sammelzahlung November", bank_name(client.name)))
        elif kind == "several":
            other = next(queue)
            both = f"Rechnungen {invoice.number} und {other.number}"
            parts.append(entry(ref, invoice.gross + other.gross, both, client.name))
            expect["recorded"] += 1
        elif kind == "foreign":
            parts.append(entry(ref, invoice.gross, text.format(invoice.number), client.name, ccy="USD"))
            expect["problems"] += 1
            continue
        expect["recorded"] += 1
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt><Stmt>'
        f"<Id>BENCH-1</Id>\n{''.join(parts[:n_entries])}</Stmt></BkToCstmrStmt></Document>\n"
    )
    return xml, expect


def rss_peak() -> int:
    """This process's own peak (VmHWM), not the forking parent's."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def measure(config: Path, statement: Path) -> int:
    """In a fresh process: the command twice; JSON figures on the last line."""
    from mailbot.cli.main import main
    from mailbot.inbound import bank

    spent: dict[str, float] = {}
    for name in ("read_statement", "apply_statement"):
        real = getattr(bank, name)

        def timed(*args, _real=real, _name=name, **kwargs):
            t0 = time.perf_counter()
            try:
                return _real(*args, **kwargs)
            finally:
                spent[_name] = time.perf_counter() - t0

        setattr(bank, name, timed)
    runs = []
    for _ in range(2):
        out = io.StringIO()
        cpu0, t0 = time.process_time(), time.perf_counter()
        with contextlib.redirect_stdout(out):
            code = main(["--config", str(config), "import-payments", str(statement)])
        lines = out.getvalue().splitlines()
        runs.append({
            "code": code, "seconds": time.perf_counter() - t0, "cpu": time.process_time() - cpu0,
            "read": spent["read_statement"], "apply": spent["apply_statement"],
            "recorded": sum(line.startswith("recorded ") for line in lines),
            "problems": sum(line.endswith("; not recorded") for line in lines),
            "already": sum(line.endswith(": already recorded") for line in lines),
            "overpaid": sum("more than was open" in line for line in lines),
            "partial": sum("stays open" in line for line in lines),
            "lines": len(lines),
        })  # fmt: skip
    print(json.dumps({"runs": runs, "peak": rss_peak()}))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--invoices", type=int, default=10_000)
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--measure", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        return measure(*args.measure)
    print(f"camt_match benchmark: {machine()}")
    with tempfile.TemporaryDirectory() as tmp:
        config, _rows = write_setup(Path(tmp), args.invoices, 1, 3, args.seed)
        xml, expect = build_statement(config, args.entries, args.seed)
        statement = Path(tmp) / "camt053.xml"
        statement.write_text(xml, encoding="utf-8")
        print(f"statement: {args.entries} booked credits, {statement.stat().st_size / 1e6:.1f} MB, "
              f"against {args.invoices} open invoices; expected {expect['recorded']} payments recorded, "
              f"{expect['problems']} entries for the owner", flush=True)  # fmt: skip
        child = subprocess.run(
            [sys.executable, __file__, "--measure", str(config), str(statement)],
            check=False, capture_output=True, text=True,
        )  # fmt: skip
        if child.returncode != 0:
            print(child.stdout[-2000:], child.stderr[-4000:])
            return 1
    found = json.loads(child.stdout.splitlines()[-1])
    first, again = found["runs"]
    print(f"first import: {first['seconds']:.2f} s wall ({first['cpu']:.2f} s CPU): reading the statement "
          f"{first['read']:.2f} s, matching and recording {first['apply']:.2f} s; "
          f"{first['recorded']} payments recorded ({first['partial']} partial, {first['overpaid']} "
          f"overpaid), {first['problems']} for the owner, exit {first['code']}")  # fmt: skip
    print(f"second import of the same file: {again['seconds']:.2f} s; {again['already']} already recorded, "
          f"{again['recorded']} recorded again, {again['problems']} for the owner again")  # fmt: skip
    print(f"memory: peak RSS {found['peak'] / 1e6:.0f} MB")
    right = (first["recorded"], first["problems"]) == (expect["recorded"], expect["problems"])
    return summary([
        (f"first import {first['seconds']:.2f} s < {TARGET_S:.0f} s", first["seconds"] < TARGET_S),
        (f"recorded {first['recorded']}/{expect['recorded']}, for the owner {first['problems']}/"
         f"{expect['problems']}", right),
        ("second import records nothing twice",
         again["recorded"] == 0 and again["problems"] == first["problems"]),
    ])  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
