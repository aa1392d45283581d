"""Every mail a client can receive, rendered through the real code with the shipped example
business, on one fixed day: the samples a reader checks (issue 12, part 4) and the snapshot
tests keep (``tests/test_mail_snapshots.py``).

Each sample is a small story: a ledger of the client's invoices, the mails they already
received and what they wrote, and the mail of today, Monday 7 December 2026, 10:00 in
Berlin. Invoice mails are built by ``Mailer.build``, every other mail by
``Mailer.build_rows`` from the outbox rows the sending step would claim. Each story is told
for Acme Ltd (English, the default tone) and for Kaiser & Söhne GmbH (German, formal), and
(issue 15) for Virtanen Oy (Finnish), Petrović d.o.o. (Serbian, Latin script), Јовановић д.о.о.
(Serbian, Cyrillic script) and Atelier Dupont (French), all formal, each greeted by title
where the language has one.

    PYTHONPATH=. python tests/samples/make_samples.py [OUT]    # default OUT: /work/samples12

writes ``OUT/<lang>/<name>.txt`` (subject, From, To and the text part), ``.html`` (the
HTML part) and ``OUT/INDEX.md`` (the facts a reader needs to judge each mail).
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from email import message_from_bytes
from email import policy as email_policy
from email.message import EmailMessage
from html import unescape
from pathlib import Path
from zoneinfo import ZoneInfo

from mailbot.config.settings import Settings, load_settings
from mailbot.decide.policy import group_facts
from mailbot.ledger.read import Ledger, load_ledger
from mailbot.outbound.mails import Mailer
from mailbot.records.rows import Event, OutboxRow, iso

ROOT = Path(__file__).resolve().parents[2]
SHIPPED_CONFIG = ROOT / "config" / "mailbot.toml"
BERLIN = ZoneInfo("Europe/Berlin")
TODAY = date(2026, 12, 7)  # a Monday
NOW = datetime(2026, 12, 7, 10, 0, tzinfo=BERLIN)
DOMAIN = "muster-design.example"
CLIENTS = {"en": "acme", "de": "kaiser", "fi": "virtanen", "sr": "petrovic", "sr-Cyrl": "jovanovic",
           "fr": "dupont"}  # fmt: skip
CLIENT_DOMAIN = {"acme": "acme.example", "kaiser": "kaiser-soehne.example", "virtanen": "virtanen.example",
                 "petrovic": "petrovic.example", "jovanovic": "jovanovic.example",
                 "dupont": "atelier-dupont.example"}  # fmt: skip
LANGUAGE_NAMES = {"en": "English", "de": "German", "fi": "Finnish", "sr": "Serbian, Latin script",
                  "sr-Cyrl": "Serbian, Cyrillic script", "fr": "French"}  # fmt: skip
# The clients of issue 15's languages, beside the shipped config's acme and kaiser, and the
# business's own data as its Cyrillic client reads it (the payee stays as the bank holds it).
MORE_CLIENTS = """
[business.sr-Cyrl]
name = "Мустер Дизајн"
address = "Линденштрасе 12\\n10115 Берлин\\nНемачка"
bank = "Комерцбанк"

[clients.virtanen]
name = "Virtanen Oy"
email = "laskut@virtanen.example"
contact = "Anna Virtanen"
address = "Mannerheimintie 12\\n00100 Helsinki\\nFinland"
language = "fi"
timezone = "Europe/Berlin"
tone = "formal"

[clients.petrovic]
name = "Petrović d.o.o."
email = "racunovodstvo@petrovic.example"
contact = "Jelena Petrović"
salutation = "ms"
address = "Knez Mihailova 10\\n11000 Beograd\\nSerbia"
language = "sr"
timezone = "Europe/Berlin"
tone = "formal"

[clients.jovanovic]
name = "Јовановић д.о.о."
email = "finansije@jovanovic.example"
contact = "Марко Јовановић"
salutation = "mr"
surname = "Јовановићу"  # the vocative, as a Serbian greeting has it
address = "Булевар ослобођења 20\\n21000 Нови Сад\\nСрбија"
language = "sr-Cyrl"
timezone = "Europe/Berlin"
tone = "formal"

[clients.dupont]
name = "Atelier Dupont SARL"
email = "compta@atelier-dupont.example"
contact = "Claire Dupont"
salutation = "ms"
address = "12 rue de la Paix\\n75002 Paris\\nFrance"
language = "fr"
timezone = "Europe/Berlin"
tone = "formal"
"""
LADDER = {1: "heads_up", 2: "friendly", 3: "firm_warm", 4: "firm", 5: "final"}


# --- The stories ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    en: str
    de: str
    quantity: str
    unit_price: str
    tax_rate: str = "19"
    unit_en: str = ""
    unit_de: str = ""


@dataclass(frozen=True)
class Inv:
    """An invoice of the story: ``n`` numbers it (acme 2026-1nn, kaiser 2026-2nn)."""

    n: int
    issued: date
    due: date | None  # None: the terms from the config (14 days)
    lines: tuple[Line, ...]
    paid_on: date | None = None
    mailed: date | None = None  # the day its invoice mail went out; default: the issue date


@dataclass(frozen=True)
class Sent:
    """A mail the client already received: a ladder step, or an acknowledgment."""

    n: int
    on: date
    kind: str = "reminder"
    step: int = 0


@dataclass(frozen=True)
class Said:
    """What the client wrote, and when (a reply the inbox read as ``intent``)."""

    n: int
    on: date
    intent: str
    en: str
    de: str
    until: date | None = None


@dataclass(frozen=True)
class Story:
    name: str
    title: str
    invoices: tuple[Inv, ...]
    today: tuple[tuple[int, str, int, str], ...] = ()  # the mail's rows: (n, kind, step, tone)
    invoice_mail: int | None = None  # or: today's mail is this invoice's own mail
    sent: tuple[Sent, ...] = ()
    said: tuple[Said, ...] = ()
    promised: date | None = None
    about: str = ""  # an acknowledgment: the intent it answers
    notes: tuple[str, ...] = field(default=())  # more facts for the reader


WORKSHOP = Line("Brand workshop (half day)", "Markenworkshop (halber Tag)", "1", "1000.00",
                unit_en="day", unit_de="Tag")  # fmt: skip
LOGO = Line("Logo design: three concepts and final artwork", "Logoentwurf: drei Konzepte und Reinzeichnung",
            "1", "1800.00")  # fmt: skip
HOURS = Line("Website maintenance", "Website-Wartung", "8", "95.00", unit_en="h", unit_de="Std.")
HOSTING = Line("Hosting, December", "Hosting Dezember", "1", "30.00")
CARDS = Line("Business cards, print handling", "Visitenkarten, Druckabwicklung", "1", "200.00")
PHOTOS = Line(
    "Stock photography licences", "Lizenzen Stockfotos", "3", "49.90", unit_en="pcs", unit_de="Stk."
)
BOOK = Line(
    "Typography reference book", "Fachbuch Typografie", "1", "39.00", "7", unit_en="pcs", unit_de="Stk."
)
PRINT = Line("Print run, brochures (passed on at cost)", "Druck Broschüren (durchlaufender Posten)", "1",
             "480.00")  # fmt: skip
ILLUSTRATION = Line("Illustrations for the annual report", "Illustrationen für den Geschäftsbericht", "4",
                    "180.00", unit_en="pcs", unit_de="Stk.")  # fmt: skip


# The lines in issue 15's languages: (description, unit) by the English description.
LOCAL: dict[str, dict[str, tuple[str, str]]] = {
    "Brand workshop (half day)": {"fi": ("Brändityöpaja (puoli päivää)", "pv"),
                                  "sr": ("Radionica o brendu (pola dana)", "dan"),
                                  "fr": ("Atelier de marque (demi-journée)", "jour")},
    "Logo design: three concepts and final artwork": {
        "fi": ("Logosuunnittelu: kolme konseptia ja viimeistelty aineisto", ""),
        "sr": ("Dizajn logotipa: tri koncepta i finalna verzija", ""),
        "fr": ("Création de logo : trois concepts et fichiers définitifs", "")},
    "Website maintenance": {"fi": ("Verkkosivuston ylläpito", "h"), "sr": ("Održavanje veb-sajta", "h"),
                            "fr": ("Maintenance du site web", "h")},
    "Hosting, December": {"fi": ("Hosting, joulukuu", ""), "sr": ("Hosting, decembar", ""),
                          "fr": ("Hébergement, décembre", "")},
    "Business cards, print handling": {"fi": ("Käyntikortit, painatuksen hoito", ""),
                                       "sr": ("Vizitkarte, organizacija štampe", ""),
                                       "fr": ("Cartes de visite, suivi d'impression", "")},
    "Stock photography licences": {"fi": ("Kuvapankkikuvien lisenssit", "kpl"),
                                   "sr": ("Licence za fotografije iz foto-banke", "kom."),
                                   "fr": ("Licences de photos de banque d'images", "u.")},
    "Typography reference book": {"fi": ("Typografian käsikirja", "kpl"), "sr": ("Priručnik za tipografiju", "kom."),
                                  "fr": ("Ouvrage de référence en typographie", "u.")},
    "Print run, brochures (passed on at cost)": {
        "fi": ("Esitteiden painatus (läpilaskutus omakustannushintaan)", ""),
        "sr": ("Štampa brošura (prefakturisano po nabavnoj ceni)", ""),
        "fr": ("Impression des brochures (refacturée au prix coûtant)", "")},
    "Illustrations for the annual report": {"fi": ("Vuosikertomuksen kuvitukset", "kpl"),
                                            "sr": ("Ilustracije za godišnji izveštaj", "kom."),
                                            "fr": ("Illustrations pour le rapport annuel", "u.")},
}  # fmt: skip

_CYRILLIC = dict(zip("abvgdđežzijklmnoprstćufhcčšABVGDĐEŽZIJKLMNOPRSTĆUFHCČŠ",
                     "абвгдђежзијклмнопрстћуфхцчшАБВГДЂЕЖЗИЈКЛМНОПРСТЋУФХЦЧШ", strict=True))  # fmt: skip


def cyrillic(text: str) -> str:
    """Serbian Latin to Cyrillic (the digraphs lj, nj, dž first): the sr-Cyrl client's lines."""
    for latin, cyr in (("lj", "љ"), ("nj", "њ"), ("dž", "џ"), ("Lj", "Љ"), ("Nj", "Њ"), ("Dž", "Џ")):
        text = text.replace(latin, cyr)
    return "".join(_CYRILLIC.get(c, c) for c in text)


def describe(line: Line, lang: str) -> tuple[str, str]:
    """A line's description and unit in the client's language."""
    if lang in ("en", "de"):
        return getattr(line, lang), line.unit_en if lang == "en" else line.unit_de
    if lang == "sr-Cyrl":
        words, unit = LOCAL[line.en]["sr"]
        return cyrillic(words), cyrillic(unit)
    return LOCAL[line.en][lang]


def d(month: int, day: int) -> date:
    return date(2026, month, day)


STORIES: tuple[Story, ...] = (
    Story(
        "invoice",
        "A new invoice",
        (Inv(1, d(12, 7), None, (HOURS, HOSTING)),),
        invoice_mail=1,
        notes=("Issued today; the business's payment terms are 14 days.",),
    ),
    Story(
        "invoice_late",
        "An invoice mailed after its due date",
        (Inv(2, d(11, 2), d(11, 16), (WORKSHOP, PHOTOS), mailed=TODAY),),
        invoice_mail=2,
        notes=(
            "The invoice is dated 2 November 2026 with 14 days' terms (due 16 November 2026), but it "
            "was never mailed; it reaches the client only today. The client cannot have paid it in "
            "time and should get 14 days from today.",
        ),
    ),
    Story(
        "reminder_heads_up",
        "A heads-up before the due date",
        (Inv(3, d(11, 26), d(12, 10), (HOURS,)),),
        today=((3, "reminder", 1, "heads_up"),),
        notes=("No reminder has been sent yet; the invoice is not due yet.",),
    ),
    Story(
        "reminder_friendly",
        "The first reminder",
        (Inv(4, d(11, 20), d(12, 4), (WORKSHOP,)),),
        today=((4, "reminder", 2, "friendly"),),
        sent=(Sent(4, d(12, 1), step=1),),
    ),
    Story(
        "reminder_firm_warm",
        "The second reminder",
        (Inv(5, d(11, 16), d(11, 30), (LOGO,)),),
        today=((5, "reminder", 3, "firm_warm"),),
        sent=(Sent(5, d(11, 27), step=1), Sent(5, d(12, 1), step=2)),
    ),
    Story(
        "reminder_firm",
        "The third reminder",
        (Inv(6, d(11, 9), d(11, 23), (ILLUSTRATION, BOOK)),),
        today=((6, "reminder", 4, "firm"),),
        sent=(Sent(6, d(11, 20), step=1), Sent(6, d(11, 24), step=2), Sent(6, d(11, 30), step=3)),
    ),
    Story(
        "reminder_final",
        "The final notice",
        (Inv(7, d(10, 23), d(11, 6), (WORKSHOP, LOGO)),),
        today=((7, "final", 5, "final"),),
        sent=(
            Sent(7, d(11, 3), step=1),
            Sent(7, d(11, 9), step=2),
            Sent(7, d(11, 13), step=3),
            Sent(7, d(11, 20), step=4),
        ),
        notes=("The client has not answered any of the mails.",),
    ),
    Story(
        "promise_followup",
        "After a promise to pay that was not kept",
        (Inv(8, d(11, 6), d(11, 20), (PRINT,)),),
        today=((8, "reminder", 101, "promise_followup"),),
        sent=(Sent(8, d(11, 17), step=1), Sent(8, d(11, 23), step=2)),
        said=(
            Said(
                8,
                d(11, 24),
                "promise_to_pay",
                "Sorry for the delay! We will pay invoice {number} on Thursday, 3 December.",
                "Entschuldigen Sie die Verzögerung. Wir überweisen die Rechnung {number} am "
                "Donnerstag, 3. Dezember.",
                until=d(12, 3),
            ),
        ),
        promised=d(12, 3),
        notes=("No payment has arrived by today (two working days after the promised day).",),
    ),
    Story(
        "claim_check",
        "After the client said they had paid, and nothing arrived",
        (Inv(9, d(11, 6), d(11, 20), (HOURS, CARDS)),),
        today=((9, "reminder", 201, "claim_check"),),
        sent=(Sent(9, d(11, 17), step=1), Sent(9, d(11, 23), step=2), Sent(9, d(11, 30), "ack", 1)),
        said=(
            Said(
                9,
                d(11, 30),
                "payment_claimed",
                "We paid invoice {number} today.",
                "Die Rechnung {number} haben wir heute bezahlt.",
            ),
        ),
        notes=(
            "The business thanked them the same day (an acknowledgment). Five working days later "
            "(today) no payment has arrived.",
        ),
    ),
    Story(
        "statement",
        "A reminder of two due invoices, with one coming up",
        (
            Inv(10, d(11, 20), d(12, 4), (WORKSHOP,)),
            Inv(11, d(11, 20), d(12, 4), (PRINT,)),
            Inv(12, d(12, 1), d(12, 15), (HOURS,)),
        ),
        today=((10, "reminder", 2, "friendly"), (11, "reminder", 2, "friendly")),
        sent=(Sent(10, d(12, 1), step=1), Sent(11, d(12, 1), step=1)),
        notes=("The third invoice is not due yet; nothing should be asked for it.",),
    ),
    Story(
        "ack_payment_claimed",
        "Thanks for saying you paid",
        (Inv(13, d(11, 20), d(12, 4), (LOGO,)),),
        today=((13, "ack", 1, ""),),
        about="payment_claimed",
        sent=(Sent(13, d(12, 1), step=1),),
        said=(
            Said(
                13,
                TODAY,
                "payment_claimed",
                "We paid invoice {number} this morning, sorry it was late.",
                "Wir haben die Rechnung {number} heute Morgen überwiesen, entschuldigen Sie die Verspätung.",
            ),
        ),
    ),
    Story(
        "ack_dispute",
        "An answer to a client who disputes the invoice",
        (Inv(14, d(11, 26), d(12, 10), (HOURS, HOSTING)),),
        today=((14, "ack", 1, ""),),
        about="dispute",
        said=(
            Said(
                14,
                TODAY,
                "dispute",
                "Invoice {number} lists 8 hours of maintenance, but we agreed on 6. Please correct it.",
                "Auf der Rechnung {number} stehen 8 Stunden Wartung, vereinbart waren 6. Bitte "
                "korrigieren Sie die Rechnung.",
            ),
        ),
        notes=("The invoice is not due yet; no reminder has been sent.",),
    ),
    Story(
        "ack_question",
        "An answer to a client's question",
        (Inv(15, d(11, 26), d(12, 10), (ILLUSTRATION,)),),
        today=((15, "ack", 1, ""),),
        about="question",
        said=(
            Said(
                15,
                TODAY,
                "question",
                "Could you send invoice {number} again with our purchase order number PO-5531 on it?",
                "Könnten Sie uns die Rechnung {number} noch einmal mit unserer Bestellnummer PO-5531 "
                "schicken?",
            ),
        ),
        notes=("The invoice is not due yet; no reminder has been sent.",),
    ),
    Story(
        "receipt",
        "Thanks for a payment received",
        (Inv(16, d(11, 16), d(11, 30), (WORKSHOP, BOOK), paid_on=d(12, 4)),),
        today=((16, "receipt", 0, ""),),
        sent=(Sent(16, d(11, 27), step=1), Sent(16, d(12, 1), step=2)),
        notes=(
            "The payment was recorded in the ledger on 4 December 2026; today is the next working "
            "day the receipt goes out.",
        ),
    ),
)


# --- Building the mails through the real code --------------------------------------------------------


@dataclass
class Sample:
    lang: str
    name: str
    title: str
    raw: bytes
    facts: str
    msg: EmailMessage = field(init=False)

    def __post_init__(self) -> None:
        self.msg = message_from_bytes(self.raw, policy=email_policy.default)  # type: ignore[assignment]

    @property
    def subject(self) -> str:
        return str(self.msg["Subject"])

    @property
    def text(self) -> str:
        return self.msg.get_body(("plain",)).get_content().replace("\r\n", "\n")  # type: ignore[union-attr]

    @property
    def html(self) -> str:
        return self.msg.get_body(("html",)).get_content()  # type: ignore[union-attr]

    @property
    def html_words(self) -> str:
        """The words the HTML part shows, one space between them (a no-break space stays one)."""
        body = re.sub(r"<head.*?</head>", "", self.html, flags=re.S)
        return re.sub(r"[ \t\r\n]+", " ", unescape(re.sub(r"<[^>]+>", " ", body))).strip()

    def readable(self) -> str:
        """Subject, From, To and the text part: what a snapshot and a reader see."""
        return f"Subject: {self.subject}\nFrom: {self.msg['From']}\nTo: {self.msg['To']}\n\n{self.text}"


def number(client: str, n: int) -> str:
    return f"2026-{list(CLIENT_DOMAIN).index(client) + 1}{n:02d}"


def _at(day: date, hour: int = 10) -> str:
    return iso(datetime.combine(day, time(hour), BERLIN))


def _ledger_csv(story: Story, client: str, lang: str) -> str:
    head = "invoice,client,issue_date,due_date,description,quantity,unit,unit_price,tax_rate,paid_on\n"
    rows = []
    for inv in story.invoices:
        for i, line in enumerate(inv.lines):
            first = i == 0
            description, unit = describe(line, lang)
            cells = [
                number(client, inv.n), client, inv.issued.isoformat() if first else "",
                inv.due.isoformat() if first and inv.due else "", description,
                line.quantity, unit, line.unit_price,
                line.tax_rate, inv.paid_on.isoformat() if first and inv.paid_on else "",
            ]  # fmt: skip
            rows.append(",".join(f'"{c}"' if "," in c else c for c in cells))
    return head + "\n".join(rows) + "\n"


def _row(rid: int, invoice: str, kind: str, step: int, at: str, tone: str | None, status: str,
         message_id: str, detail: dict | None = None) -> OutboxRow:  # fmt: skip
    return OutboxRow(rid, invoice, kind, step, message_id, status, at,  # type: ignore[arg-type]
                     at if status == "sent" else None, 1, None, tone=tone,
                     detail=json.dumps(detail) if detail else None)  # fmt: skip


def _settings(workdir: Path, story: Story, client: str, lang: str) -> tuple[Settings, Ledger]:
    """The shipped config, as it is, beside a ledger holding the story's invoices."""
    folder = workdir / f"{story.name}-{lang}"
    folder.mkdir(parents=True, exist_ok=True)
    config = SHIPPED_CONFIG.read_text(encoding="utf-8") + MORE_CLIENTS
    (folder / "mailbot.toml").write_text(config, encoding="utf-8")
    (folder / "ledger.csv").write_text(_ledger_csv(story, client, lang), encoding="utf-8")
    settings = load_settings(folder / "mailbot.toml")
    ledger = load_ledger(settings)
    assert not ledger.problems, ledger.problems
    return settings, ledger


def build(story: Story, lang: str, workdir: Path) -> Sample:
    client = CLIENTS[lang]
    settings, ledger = _settings(workdir, story, client, lang)
    mailer = Mailer(settings)
    num = {inv.n: number(client, inv.n) for inv in story.invoices}
    if story.invoice_mail is not None:
        invoice = ledger.invoices[num[story.invoice_mail]]
        raw = mailer.build(invoice, "invoice", f"<invoice-{invoice.number}@{DOMAIN}>", NOW)
        return Sample(lang, story.name, story.title, raw, facts(story, lang, ledger, settings))

    rows: list[OutboxRow] = []
    for inv in story.invoices:  # each invoice's own mail, sent on the day it was (or is) mailed
        mailed = inv.mailed or inv.issued
        rows.append(_row(len(rows) + 1, num[inv.n], "invoice", 0, _at(mailed), None, "sent",
                         f"<invoice-{num[inv.n]}@{DOMAIN}>"))  # fmt: skip
    for sent in story.sent:
        tone = LADDER.get(sent.step) if sent.kind == "reminder" else None
        rows.append(_row(len(rows) + 1, num[sent.n], sent.kind, sent.step, _at(sent.on), tone, "sent",
                         f"<{sent.kind}-{num[sent.n]}-{sent.step}@{DOMAIN}>"))  # fmt: skip
    events = []
    for said in story.said:
        reply_id = f"<{said.on.isoformat()}.{said.n}@{CLIENT_DOMAIN[client]}>"
        events.append(Event(num[said.n], _at(said.on, 8), "reply", intent=said.intent,  # type: ignore[arg-type]
                            trusted=True, until=said.until.isoformat() if said.until else None,
                            message_id=reply_id,
                            detail=json.dumps({"subject": _reply_subject(mailer, ledger, num[said.n], lang)})))  # fmt: skip
    detail: dict = {}
    if story.promised:
        detail["promised"] = story.promised.isoformat()
    if story.about:
        said = story.said[-1]
        detail.update(about=story.about, reply_id=f"<{said.on.isoformat()}.{said.n}@{CLIENT_DOMAIN[client]}>",
                      subject=_reply_subject(mailer, ledger, num[said.n], lang))  # fmt: skip
    kind0 = story.today[0][1]
    mid = f"<{kind0}-{num[story.today[0][0]]}-today@{DOMAIN}>"
    today = [_row(100 + i, num[n], kind, step, iso(NOW), tone or None, "claimed", mid, detail or None)
             for i, (n, kind, step, tone) in enumerate(story.today)]  # fmt: skip
    facts_by_invoice = group_facts(rows + today, events)
    raw = mailer.build_rows(today, ledger, facts_by_invoice, NOW)
    return Sample(lang, story.name, story.title, raw, facts(story, lang, ledger, settings))


def _reply_subject(mailer: Mailer, ledger: Ledger, invoice: str, lang: str) -> str:
    """What a client's reply is titled: "Re:" and the subject of the invoice mail it answers."""
    inv = ledger.invoices[invoice]
    assert inv.issue_date is not None
    mailed = datetime.combine(inv.issue_date, time(10), BERLIN)
    original = message_from_bytes(mailer.build(inv, "invoice", f"<x@{DOMAIN}>", mailed),
                                  policy=email_policy.default)  # fmt: skip
    return f"{'AW' if lang == 'de' else 'Re'}: {original['Subject']}"


# --- What the reader is told ---------------------------------------------------------------------------


def _long(day: date) -> str:
    return f"{day:%A}, {day.day} {day:%B %Y}"


def facts(story: Story, lang: str, ledger: Ledger, settings: Settings) -> str:
    client_id = CLIENTS[lang]
    client = settings.clients[client_id]
    out = [
        f"- Today: {_long(TODAY)}, 10:00 in Berlin (the client's time zone).",
        f"- Client: {client.name} ({LANGUAGE_NAMES[lang]}; contact: {client.contact}; "
        f"the business addresses them in a {client.tone} tone).",
        "- Invoices:",
    ]
    for inv in story.invoices:
        invoice = ledger.invoices[number(client_id, inv.n)]
        assert invoice.issue_date is not None and invoice.due_date is not None
        lines = "; ".join(f"{describe(li, lang)[0]} ({li.quantity} x {li.unit_price} EUR + {li.tax_rate} % VAT)"
                          for li in inv.lines)  # fmt: skip
        paid = f", paid in full on {_long(inv.paid_on)}" if inv.paid_on else ", unpaid"
        out.append(f"  - {invoice.number}: issued {_long(invoice.issue_date)}, due {_long(invoice.due_date)}, "
                   f"total {invoice.gross:,.2f} EUR incl. VAT{paid}. Lines: {lines}.")  # fmt: skip
    mails = [(inv.mailed or inv.issued, 1, f"invoice {number(client_id, inv.n)} mailed")
             for inv in story.invoices if story.invoice_mail != inv.n]  # fmt: skip
    names = {1: "a heads-up (due soon)", 2: "a first reminder", 3: "a second reminder", 4: "a third reminder"}
    for sent in story.sent:
        what = (
            names.get(sent.step, "")
            if sent.kind == "reminder"
            else "a short thank-you answering their message"
        )
        mails.append((sent.on, 1, f"{what} for {number(client_id, sent.n)}"))
    for said in story.said:
        words = getattr(said, lang if lang in ("en", "de") else "en").format(number=number(client_id, said.n))
        mails.append((said.on, 0, f'the client wrote: "{words}"'))
    out.append("- What happened so far:")
    out += [f"  - {_long(day)}: {what}" for day, _, what in sorted(mails, key=lambda m: m[:2])] or [
        "  - nothing"
    ]
    out += [f"- {note}" for note in story.notes]
    return "\n".join(out)


# --- The whole set -------------------------------------------------------------------------------------


def render_all(workdir: Path) -> Iterator[Sample]:
    for lang in CLIENTS:
        for story in STORIES:
            yield build(story, lang, workdir)


def write(out: Path) -> list[Sample]:
    with tempfile.TemporaryDirectory() as tmp:
        samples = list(render_all(Path(tmp)))
    index = [
        "# Mail samples (issue 12, part 4)",
        "",
        "Each sample is the mail a client receives today, as plain text (`<lang>/<name>.txt`: subject, "
        "sender, recipient, then the text) and as the HTML the mail program shows (`<lang>/<name>.html`). "
        "The business is Muster Design, a small design studio in Berlin. `en/` mails go to Acme Ltd "
        "(English), `de/` mails to Kaiser & Söhne GmbH (German, formal), `fi/` to Virtanen Oy (Finnish), "
        "`sr/` to Petrović d.o.o. (Serbian, Latin script), `sr-Cyrl/` to Јовановић д.о.о. (Serbian, "
        "Cyrillic script) and `fr/` to Atelier Dupont SARL (French), all formal. Amounts include 19 % VAT "
        "(7 % on books).",
        "",
        "Questions for each mail: does it ask for the right amount, say why, say by when, sound like this "
        "business, stay warm?",
        "",
    ]
    for sample in samples:
        folder = out / sample.lang
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{sample.name}.txt").write_text(sample.readable(), encoding="utf-8")
        (folder / f"{sample.name}.html").write_text(sample.html, encoding="utf-8")
        index += [f"## {sample.lang}/{sample.name}: {sample.title}", "", sample.facts, ""]
    (out / "INDEX.md").write_text("\n".join(index), encoding="utf-8")
    return samples


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/work/samples12")
    for s in write(target):
        print(f"{s.lang}/{s.name}: {s.subject}")
