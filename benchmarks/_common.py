"""Shared by the benchmark scripts: a deterministic config + ledger generator and helpers.

Not a benchmark itself.  The scripts run as ``python benchmarks/<name>.py`` from the
repository root; mailbot need not be installed (the root goes on ``sys.path``).
"""

from __future__ import annotations

import csv
import io
import platform
import random
import socket
import statistics
import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# The clock every benchmark uses: mails are built "now", deterministically.
NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
DOMAIN = "muster-design.example"

BUSINESS = """
[business]
name = "Muster Design"
email = "billing@muster-design.example"
address = "Lindenstraße 12\\n10115 Berlin\\nGermany"
phone = "+49 30 1234567"
website = "https://muster-design.example"
tax_id = "DE123456789"

[brand]
color = "#1f4e79"
accent = "#eef3f8"

[payment]
terms_days = 14
currency = "EUR"
tax_rate = 19
iban = "DE89 3704 0044 0532 0130 00"
bic = "COBADEFFXXX"
account_holder = "Muster Design GmbH"
bank = "Commerzbank"
link = "https://pay.muster-design.example/{invoice}"
methods = ["bank transfer", "card or PayPal via the pay link"]

[mail]
dir = "var/mail"

[state]
path = "var/mailbot.db"

[ledger]
path = "ledger.csv"
"""


@dataclass(frozen=True)
class BenchClient:
    id: str
    name: str
    email: str
    contact: str
    address: str
    language: str
    cc: str = ""
    tax_id: str = ""
    note: str = ""


# Half English, half German; some names and contacts are not ASCII (encoded headers).
CLIENTS = (
    BenchClient("acme", "Acme Ltd", "ap@acme.example", "Jane Smith",
                "1 Market Street\\nLondon EC1A 1AA\\nUnited Kingdom", "en"),
    BenchClient("globex", "Globex Corporation", "invoices@globex.example", "Hank Scorpio",
                "42 Cypress Creek Road\\nSpringfield, OR 97403\\nUSA", "en-US",
                cc="finance@globex.example"),
    BenchClient("initech", "Initech, Inc.", "ap@initech.example", "",
                "4120 Freidrich Lane\\nAustin, TX 78744", "en", tax_id="US-88-1234567"),
    BenchClient("northwind", "Northwind Traders", "billing@northwind.example", "Nancy Davolio",
                "507 20th Ave. E.\\nSeattle, WA 98122", "en",
                note="Thanks again for a smooth launch, Nancy!"),
    BenchClient("umbrella", "Umbrella & Partners LLP", "accounts@umbrella.example",
                "Chloé Martin", "8 Rue de Rivoli\\n75004 Paris\\nFrance", "en"),
    BenchClient("kaiser", "Kaiser & Söhne GmbH", "buchhaltung@kaiser-soehne.example",
                "Frau Weber", "Hauptstraße 5\\n80331 München", "de",
                cc="chef@kaiser-soehne.example", tax_id="DE987654321",
                note="Vielen Dank für die angenehme Zusammenarbeit am neuen Markenauftritt!"),
    BenchClient("baeckerei", "Bäckerei Müller", "info@baeckerei-mueller.example",
                "Herr Müller", "Brotgasse 3\\n1010 Wien\\nÖsterreich", "de-AT"),
    BenchClient("stahlwerk", "Stahlwerk Nord AG", "rechnungen@stahlwerk-nord.example",
                "Dr. Anna Schulz", "Am Hafen 1\\n20457 Hamburg", "de", tax_id="DE112233445"),
    BenchClient("gruenwald", "Grünwald Architekten", "buero@gruenwald.example", "",
                "Seestraße 17\\n70174 Stuttgart", "de"),
    BenchClient("fischer", "Fischer Logistik KG", "ap@fischer-logistik.example",
                "Frau Özdemir", "Industriestraße 9\\n50667 Köln", "de"),
)  # fmt: skip

DESCRIPTIONS = {
    "en": [
        "Brand workshop (half day)", "Logo design: three concepts and final artwork",
        "Stock photography licences", "Website maintenance", "Landing page design",
        "Copywriting: product pages", "UX review & recommendations", "Icon set (24 icons)",
        "Print-ready brochure, 12 pages", "Newsletter template <responsive>",
        "Photo retouching", "Project management", "Hosting, 12 months", "Travel expenses",
        'Presentation deck "Q4 results"', "Social media kit", "Accessibility audit",
    ],
    "de": [
        "Markenworkshop (halber Tag)", "Logo-Entwicklung: drei Entwürfe und Reinzeichnung",
        "Geschäftsausstattung", "Fachbuch Typografie", "Website-Wartung", "Flyer DIN lang",
        "Bildbearbeitung & Freisteller", "Projektleitung", "Übersetzung ins Englische",
        "Druckvorstufe Broschüre, 16 Seiten", "Fahrtkosten München–Berlin",
        "Barrierefreiheits-Prüfung", "Schulung „Corporate Design“", "Hosting, 12 Monate",
        "Piktogramme (24 Stück)", "Messestand-Grafik 3×2 m", "Korrektorat",
    ],
}  # fmt: skip
UNITS = {"en": ["", "h", "day", "pcs", "month"], "de": ["", "Std.", "Tag", "Stk.", "Pauschale"]}
PROJECTS = ["", "", "Rebrand 2026", "Website", "Messe 2026", "Annual report", "Q4 campaign"]
HEADER = (
    "invoice", "client", "issue_date", "due_date", "description", "quantity", "unit",
    "unit_price", "tax_rate", "discount", "po_number", "project", "service_date", "note",
    "paid_on", "paid_amount", "status",
)  # fmt: skip


def config_toml(clients=CLIENTS, extra: str = "", attach_pdf: bool = False) -> str:
    """``attach_pdf``: off unless asked, so that the mail benchmarks measure what they did
    before the invoice PDF (about 0.3 s a mail: ``pdf_render.py`` measures it)."""
    parts = [BUSINESS, f"[invoice]\nattach_pdf = {str(attach_pdf).lower()}\n"]
    for c in clients:
        parts.append(f"\n[clients.{c.id}]")
        parts.append(f'name = "{c.name}"')
        parts.append(f'email = "{c.email}"')
        if c.cc:
            parts.append(f'cc = ["{c.cc}"]')
        if c.contact:
            parts.append(f'contact = "{c.contact}"')
        parts.append(f'address = "{c.address}"')
        if c.tax_id:
            parts.append(f'tax_id = "{c.tax_id}"')
        if c.note:
            parts.append(f'note = "{c.note}"')
        parts.append(f'language = "{c.language}"')
        parts.append('timezone = "Europe/Berlin"')
    return "\n".join(parts) + "\n" + extra


def invoice_rows(rng: random.Random, number: str, client: BenchClient, n_lines: int) -> list[list[str]]:
    """The CSV rows of one complete invoice; invoice-level columns on its first row only."""
    lang = "de" if client.language.startswith("de") else "en"
    issue = date(2026, 1, 2) + timedelta(days=rng.randrange(0, 324))
    due = "" if rng.random() < 0.5 else str(issue + timedelta(days=rng.choice((7, 14, 30, 45))))
    project = rng.choice(PROJECTS)
    po = f"PO-{rng.randrange(1000, 9999)}" if rng.random() < 0.4 else ""
    service = str(issue - timedelta(days=rng.randrange(0, 20))) if rng.random() < 0.5 else ""
    rows = []
    for i in range(n_lines):
        quantity = rng.choice(("1", "1", "2", "3", "0.5", "7.5", "12", "40", "1.25"))
        price = f"{rng.randrange(500, 250000) / 100:.2f}"
        rate = rng.choice(("19", "19", "19", "7", "0")) if lang == "de" else "19"
        discount = rng.choice(("", "", "", "", "5", "10", "12.5"))
        first = i == 0
        rows.append([
            number, client.id if first else "", str(issue) if first else "",
            due if first else "", rng.choice(DESCRIPTIONS[lang]), quantity,
            rng.choice(UNITS[lang]), price, rate, discount, po if first else "",
            project if first else "", service if first else "", "", "", "", "",
        ])  # fmt: skip
    return rows


def ledger_csv(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buffer.getvalue()


def write_setup(
    directory: Path, n_invoices: int, min_lines: int, max_lines: int, seed: int, extra: str = "",
    attach_pdf: bool = False,
) -> tuple[Path, list[list[str]]]:  # fmt: skip
    """Config + ledger of ``n_invoices`` complete invoices (round-robin over CLIENTS)."""
    rng = random.Random(seed)
    rows: list[list[str]] = []
    for n in range(n_invoices):
        client = CLIENTS[n % len(CLIENTS)]
        rows += invoice_rows(rng, f"B-{n + 1:06d}", client, rng.randint(min_lines, max_lines))
    directory.mkdir(parents=True, exist_ok=True)
    config = directory / "mailbot.toml"
    config.write_text(config_toml(extra=extra, attach_pdf=attach_pdf), encoding="utf-8")
    (directory / "ledger.csv").write_text(ledger_csv(rows), encoding="utf-8")
    return config, rows


def machine() -> str:
    import os

    cores = os.cpu_count()
    return f"Python {platform.python_version()} on {platform.machine()}, {cores} cores"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def summary(checks: list[tuple[str, bool]]) -> int:
    """Print the ``=== summary ===`` block, one PASS/FAIL line a target; the exit status."""
    print("\n=== summary ===")
    for label, ok in checks:
        print(f"{label}: {verdict(ok)}")
    return 0 if all(ok for _label, ok in checks) else 1


def median(values: list[float]) -> float:
    return statistics.median(values)


def free_port() -> int:
    """A free TCP port on 127.0.0.1 for a server of the benchmark's own."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
