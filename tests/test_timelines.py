"""Golden timelines (issue 12, part 3): what each client receives, day by day.

Every ``tests/timelines/*.toml`` file is one client story: a ledger, the business
rules, what the client writes and pays on which day, and the mails the client must
receive, written from the spec (issue 12 part 1 and the seeds), not from what the
code happens to do.  The test drives the real pass (``run_pass.run_once``) every three
hours of simulated time (``now`` passed in; no real waiting) against a real SMTP
server (aiosmtpd on 127.0.0.1) and a Maildir inbox, then compares what reached the
server with the expected mails.  On a difference it prints the whole timeline, one
line per mail, marking each mail that was expected and not received (``-``),
received and not expected (``+``), or received with the wrong amount, tone or
words (``~``).  How to read and write a scenario: tests/timelines/README.md.
"""

from __future__ import annotations

import csv
import difflib
import io
import itertools
import json
import re
import sqlite3
import textwrap
import tomllib
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import SmtpServer

from mailbot.config.settings import load_settings
from mailbot.inbound import apply
from mailbot.service import owner
from mailbot.service.plan import plan
from mailbot.service.run_pass import run_once

HERE = Path(__file__).resolve().parent / "timelines"
SCENARIOS = sorted(HERE.glob("*.toml"))
BERLIN = ZoneInfo("Europe/Berlin")  # where the business and its worker are
PASS_EVERY = timedelta(hours=3)  # 00, 03, ... 21 UTC: 3 passes in every business day from Tokyo to Berlin
KINDS = ("invoice", "reminder", "final", "ack", "receipt")

BASE_CONFIG = """
[business]
name = "Muster Design"
email = "billing@muster-design.example"
owner_email = "owner@muster-design.example"
address = "Lindenstraße 12\\n10115 Berlin"
tax_id = "DE123456789"

[payment]
terms_days = 14
currency = "EUR"
tax_rate = 19
iban = "DE89 3704 0044 0532 0130 00"
bic = "COBADEFFXXX"
account_holder = "Muster Design"

[mail]
dir = "var/mail"

[state]
path = "var/mailbot.db"

[ledger]
path = "ledger.csv"
"""

# The line of the plain-text part that states what to pay ("Amount: 1,428.00 EUR").
# Several wordings, so that a reworded amount box still reads; the first match counts.
AMOUNT_LINE = re.compile(
    r"^\s*(?:Amount(?: due| to pay| now due)?|Total due|Now due|Betrag|Zu zahlen|Jetzt fällig|Offener Betrag)"
    r"\s*:\s*(?P<amount>.+?)\s*$",
    re.MULTILINE | re.IGNORECASE,
)


# ---------------------------------------------------------------- the scenario file


@dataclass(frozen=True)
class Expected:
    day: date
    to: str
    kind: str
    invoices: tuple[str, ...]
    amount: Decimal | None = None  # what the mail asks to pay; None: not checked (ack, receipt)
    tone: str = ""  # the ladder tone of the step, where the scenario is about it
    says: tuple[str, ...] = ()
    not_says: tuple[str, ...] = ()

    @property
    def key(self) -> tuple:
        return (self.day, self.to, self.kind, self.invoices)


@dataclass
class Scenario:
    path: Path
    title: str
    story: str
    start: date
    end: date
    config: str
    ledger: str
    replies: list[dict]
    payments: list[dict]
    outages: list[tuple[datetime, datetime]]
    smtp_trouble: list[dict]
    owner: list[dict]
    expected: list[Expected]

    @classmethod
    def read(cls, path: Path) -> Scenario:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
        story = "\n".join(
            line[1:].strip() for line in itertools.takewhile(lambda s: s.startswith("#"), text.splitlines())
        )
        assert story.strip(), f"{path.name}: starts with the story in plain words (# comment lines)"
        assert "[chase]" in data["config"] and "steps" in data["config"], (
            f"{path.name}: the scenario sets its ladder ([chase] steps) itself"
        )
        expected = [
            Expected(
                day=e["day"],
                to=e["to"],
                kind=e["kind"],
                invoices=tuple(sorted(e["invoices"])),
                amount=Decimal(e["amount"]) if "amount" in e else None,
                tone=e.get("tone", ""),
                says=tuple(e.get("says", ())),
                not_says=tuple(e.get("not_says", ())),
            )
            for e in data.get("expect", [])
        ]
        assert all(e.kind in KINDS for e in expected), f"{path.name}: kinds are {KINDS}"
        return cls(
            path=path,
            title=data["title"],
            story=story,
            start=data["start"],
            end=data["end"],
            config=data["config"],
            ledger=textwrap.dedent(data["ledger"]).strip() + "\n",
            replies=data.get("reply", []),
            payments=data.get("payment", []),
            outages=[(_berlin(o["from"]), _berlin(o["until"])) for o in data.get("outage", [])],
            smtp_trouble=data.get("smtp_trouble", []),
            owner=data.get("owner", []),
            expected=expected,
        )


def _berlin(value: datetime | date) -> datetime:
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(0))
    return value.replace(tzinfo=BERLIN)


# ---------------------------------------------------------------- what arrived


@dataclass
class Arrived:
    day: date  # the client's own day
    at: datetime
    to: str
    kind: str
    invoices: tuple[str, ...]
    amount: Decimal | None
    tone: str
    subject: str
    text: str
    message_id: str
    zone: str = "UTC"

    @property
    def key(self) -> tuple:
        return (self.day, self.to, self.kind, self.invoices)


def _words(text: str) -> str:
    """Text as a reader sees it: no-break spaces as spaces, runs of space as one."""
    return re.sub(r"[ \t\u00a0\u202f]+", " ", text)


def _plain(msg: EmailMessage) -> str:
    body = msg.get_body(("plain",))
    return body.get_content() if body is not None else ""


def _amount(text: str, language: str) -> Decimal | None:
    """The amount the mail asks to pay, from its ``Amount:`` line, as a number."""
    found = AMOUNT_LINE.search(text)
    if not found:
        return None
    digits = re.sub(r"[^0-9.,\-]", "", found["amount"])
    if language.startswith("de"):
        digits = digits.replace(".", "").replace(",", ".")
    else:
        digits = digits.replace(",", "")
    try:
        return Decimal(digits.strip(".")) if digits else None
    except ArithmeticError:
        return None


# ---------------------------------------------------------------- the run


@dataclass
class Clients:
    zone: dict[str, ZoneInfo] = field(default_factory=dict)  # address -> time zone
    language: dict[str, str] = field(default_factory=dict)  # address -> language
    address: dict[str, str] = field(default_factory=dict)  # client id -> first address
    contact: dict[str, str] = field(default_factory=dict)  # client id -> name shown


class Timeline:
    """One scenario run: config and ledger in ``tmp``, the clock in our hands."""

    def __init__(self, scenario: Scenario, tmp: Path, smtp) -> None:
        self.s, self.tmp, self.smtp = scenario, tmp, smtp
        self.config = tmp / "mailbot.toml"
        self.config.write_text(BASE_CONFIG + smtp.toml() + textwrap.dedent(scenario.config), encoding="utf-8")
        self.ledger_rows = list(csv.DictReader(io.StringIO(scenario.ledger)))
        self.paid: dict[str, tuple[date, Decimal]] = {}
        self._write_ledger()
        self.settings = load_settings(self.config)
        self.clients = Clients()
        for cid, client in self.settings.clients.items():
            first = client.email[0] if isinstance(client.email, list | tuple) else client.email
            self.clients.address[cid] = first
            self.clients.contact[cid] = client.contact or client.name
            for addr in [*(client.email if isinstance(client.email, list | tuple) else [client.email])]:
                self.clients.zone[addr] = ZoneInfo(client.timezone)
                self.clients.language[addr] = client.language
        self.arrivals: list[tuple[datetime, int]] = []  # (pass time, messages seen so far)
        self.inbox = tmp / "var" / "mail" / "inbox"
        for sub in ("new", "cur", "tmp"):
            (self.inbox / sub).mkdir(parents=True, exist_ok=True)

    # -- the world around the worker

    def _write_ledger(self) -> None:
        fields = list(self.ledger_rows[0].keys())
        for extra in ("paid_on", "paid_amount"):
            if extra not in fields:
                fields.append(extra)
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        seen: set[str] = set()
        for row in self.ledger_rows:
            row = dict(row)
            number = row["invoice"]
            if number in self.paid and number not in seen:
                on, amount = self.paid[number]
                row["paid_on"], row["paid_amount"] = on.isoformat(), str(amount)
            seen.add(number)
            writer.writerow(row)
        (self.tmp / "ledger.csv").write_text(out.getvalue(), encoding="utf-8")

    def _event_time(self, event: dict, client: str) -> datetime:
        zone = ZoneInfo(self.settings.clients[client].timezone)
        at = event.get("time", "08:00")
        return datetime.combine(event["day"], time.fromisoformat(at), zone)

    def _pay(self, event: dict) -> None:
        number = event["invoice"]
        before = self.paid.get(number, (event["day"], Decimal(0)))[1]
        amount = Decimal(event["amount"])
        self.paid[number] = (event["day"], before + amount)
        self._write_ledger()

    def _reply(self, event: dict, at: datetime) -> None:
        client = event["from"]
        sender = event.get("sender", self.clients.address[client])
        headers = {
            "From": f"{self.clients.contact[client]} <{sender}>",
            "To": self.settings.business.email,
            "Date": format_datetime(at),
            "Message-ID": make_msgid(domain=sender.split("@")[1]),
        }
        about = event.get("about", "")
        if about:
            earlier = [
                m for m in self.received() if about in m.invoices and m.to == self.clients.address[client]
            ]
            assert earlier, f"{self.s.path.name}: a reply about {about} before any mail about it"
            last = earlier[-1]
            headers["Subject"] = event.get("subject", f"Re: {last.subject}")
            headers["In-Reply-To"] = last.message_id
            headers["References"] = last.message_id
        else:
            headers["Subject"] = event.get("subject", "Your invoice")
        for line in event.get("headers", []):
            name, _, value = line.partition(":")
            headers[name.strip()] = value.strip()
        if "unsure" in event:  # the reading the classifier is made to give (``_unsure_readings``)
            headers[UNSURE_HEADER] = json.dumps(event["unsure"], default=str)
        headers["MIME-Version"] = "1.0"
        headers["Content-Type"] = "text/plain; charset=utf-8"
        headers["Content-Transfer-Encoding"] = "8bit"
        raw = "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
        raw += textwrap.dedent(event["body"]).strip().replace("\n", "\r\n") + "\r\n"
        name = f"{int(at.timestamp())}.{len(list((self.inbox / 'new').iterdir()))}.timeline"
        (self.inbox / "new" / name).write_bytes(raw.encode("utf-8"))

    def _owner(self, event: dict, at: datetime) -> None:
        """What the owner does by hand: `mailbot resume`, `pause`, `mark-paid` or `confirm`, at that time."""
        action, number = event["action"], event["invoice"]
        if action == "confirm":
            owner.confirm(self.settings, number, event["intent"], at, event.get("date"))
        elif action == "resume":
            owner.resume(self.settings, number, at, event.get("reason"))
        elif action == "pause":
            owner.pause(self.settings, number, at, event.get("until"), event.get("reason"))
        elif action == "mark_paid":
            amount = Decimal(event["amount"]) if "amount" in event else None
            owner.mark_paid(self.settings, number, at, at.date(), amount)
        else:
            raise AssertionError(
                f"{self.s.path.name}: owner action {action!r} is resume, pause, mark_paid or confirm"
            )

    def _trouble(self, now: datetime) -> None:
        """The SMTP server refusing for now (e.g. 451) while a window of trouble lasts."""
        self.smtp.handler.reject.clear()
        for trouble in self.s.smtp_trouble:
            if _berlin(trouble["from"]) <= now < _berlin(trouble["until"]):
                for addr in self.clients.zone:
                    self.smtp.handler.reject[addr] = trouble.get("reply", "451 4.3.0 Please try again later")

    # -- the clock

    def run(self) -> None:
        real = apply.classify
        apply.classify = _unsure_readings(real)  # type: ignore[assignment]
        try:
            self._run()
        finally:
            apply.classify = real

    def _run(self) -> None:
        events = [(self._event_time(p, self._client_of(p["invoice"])), "pay", p) for p in self.s.payments]
        events += [(self._event_time(r, r["from"]), "reply", r) for r in self.s.replies]
        events += [(_berlin(datetime.combine(o["day"], time.fromisoformat(o.get("time", "08:30")))), "owner", o)
                   for o in self.s.owner]  # fmt: skip
        events.sort(key=lambda e: e[0])
        now = datetime.combine(self.s.start, time(0), UTC)
        stop = datetime.combine(self.s.end + timedelta(days=1), time(0), UTC)
        while now < stop:
            while events and events[0][0] <= now:
                at, what, event = events.pop(0)
                if what == "pay":
                    self._pay(event)
                elif what == "owner":
                    self._owner(event, at)
                else:
                    self._reply(event, at)
            if not any(start <= now < until for start, until in self.s.outages):
                self._trouble(now)
                run_once(self.settings, now)
                self.arrivals.append((now, len(self.smtp.messages)))
            now += PASS_EVERY
        assert not events, f"{self.s.path.name}: events after the last day: {events}"

    def _client_of(self, number: str) -> str:
        for row in self.ledger_rows:
            if row["invoice"] == number and row.get("client"):
                return row["client"]
        raise AssertionError(f"{self.s.path.name}: no invoice {number} in the ledger")

    # -- what the clients received

    def received(self) -> list[Arrived]:
        rows = self._outbox()
        arrived, seen = [], 0
        for at, count in self.arrivals:
            for received in self.smtp.messages[seen:count]:
                msg: EmailMessage = message_from_bytes(received.raw, policy=policy.default)  # type: ignore[assignment]
                to = msg["To"].addresses[0].addr_spec if msg["To"] else ""
                if to not in self.clients.zone:
                    continue  # the owner's forwards and notices: not the client's mail
                mine = rows.get(msg["Message-ID"], [])
                kinds = sorted({kind for kind, _, _ in mine}) or ["?"]
                text = _words(_plain(msg))
                arrived.append(
                    Arrived(
                        day=at.astimezone(self.clients.zone[to]).date(),
                        at=at,
                        to=to,
                        kind="+".join(kinds),
                        invoices=tuple(sorted({number for _, number, _ in mine})),
                        amount=_amount(text, self.clients.language[to]),
                        tone="+".join(dict.fromkeys(tone for _, _, tone in mine if tone)),
                        subject=str(msg["Subject"]),
                        text=_words(str(msg["Subject"])) + "\n" + text,
                        message_id=msg["Message-ID"],
                        zone=str(self.clients.zone[to]),
                    )
                )
            seen = count
        return arrived

    def _outbox(self) -> dict[str, list[tuple[str, str, str]]]:
        """Message-ID -> the outbox rows that mail carried: (kind, invoice, tone)."""
        db = self.tmp / "var" / "mailbot.db"
        if not db.exists():
            return {}
        with sqlite3.connect(db) as conn:
            found: dict[str, list[tuple[str, str, str]]] = {}
            for mid, kind, number, tone in conn.execute("SELECT message_id, kind, invoice, tone FROM outbox"):
                found.setdefault(mid, []).append((kind, number, tone or ""))
        return found


UNSURE_HEADER = "X-Timeline-Unsure"


def _unsure_readings(classify):
    """The classifier, except for a reply whose scenario says mailbot is not sure of it
    (``unsure = { confidence = 0.55, intent = "promise_to_pay", date = 2026-12-15 }``): that
    reading, unsure.  Which replies the classifier is unsure of is its own tests' business;
    a timeline shows what the client lives through when it is."""

    def read(raw: bytes, known):
        found = classify(raw, known)
        head = raw.partition(b"\r\n\r\n")[0].decode("utf-8", "replace")
        said = re.search(rf"^{UNSURE_HEADER}: (.*)$", head, re.M)
        if said is None:
            return found
        how = json.loads(said.group(1))
        day = date.fromisoformat(how["date"]) if how.get("date") else None
        return replace(found, intent=how.get("intent", found.intent), date=day, unsure=True,
                       confidence=how.get("confidence", 0.5), phrase=how.get("phrase", found.phrase))  # fmt: skip

    return read


# ---------------------------------------------------------------- the comparison


def _show(mail: Expected | Arrived) -> str:
    amount = "" if mail.amount is None else f"{mail.amount:,.2f}"
    return f"{mail.day:%a %Y-%m-%d}  {mail.to:<34} {mail.kind:<9} {','.join(mail.invoices):<20} {amount:>12}"


def _details(want: Expected, got: Arrived) -> list[str]:
    """What is wrong with a mail that came on the right day to the right person."""
    wrong = []
    if want.amount is not None and got.amount != want.amount:
        shown = "no 'Amount:' line" if got.amount is None else f"{got.amount:,.2f}"
        wrong.append(f"asks for {shown}, expected {want.amount:,.2f}")
    if want.tone and got.tone != want.tone:
        wrong.append(f"tone {got.tone or '-'}, expected {want.tone}")
    for phrase in want.says:
        if _words(phrase).lower() not in got.text.lower():
            wrong.append(f"does not say {phrase!r}")
    for phrase in want.not_says:
        if _words(phrase).lower() in got.text.lower():
            wrong.append(f"says {phrase!r}, which it must not")
    return wrong


def compare(expected: list[Expected], arrived: list[Arrived]) -> list[str]:
    """The timeline with every difference marked; empty when the client got what was expected."""
    want = sorted(expected, key=lambda e: e.key)  # within a day, in a fixed order on both sides
    arrived = sorted(arrived, key=lambda a: a.key)
    lines, bad = [], False
    matcher = difflib.SequenceMatcher(a=[e.key for e in want], b=[a.key for a in arrived], autojunk=False)
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        if op == "equal":
            for w, g in zip(want[a0:a1], arrived[b0:b1], strict=True):
                wrong = _details(w, g)
                bad = bad or bool(wrong)
                lines.append(("~ " if wrong else "  ") + _show(g) + (f"  tone {g.tone}" if g.tone else ""))
                lines += [f"      !! {problem}" for problem in wrong]
            continue
        bad = True
        lines += ["- " + _show(w) + "   expected, not received" for w in want[a0:a1]]
        lines += [
            "+ " + _show(g) + f"   received, not expected (tone {g.tone or '-'})" for g in arrived[b0:b1]
        ]
    return lines if bad else []


def _report(scenario: Scenario, lines: list[str], arrived: list[Arrived]) -> str:
    head = [
        f"{scenario.path.name}: {scenario.title}",
        *("  | " + line for line in scenario.story.splitlines()),
        "",
        "  day             to                                 kind      invoices                   amount",
        *lines,
        "",
        "  (-: expected, not received; +: received, not expected; ~: received with these problems)",
    ]
    first = [a for a in arrived if any(line.startswith(("~", "+")) and _show(a) in line for line in lines)][
        :1
    ]
    for mail in first:
        head += ["", f"  the first wrong mail as received ({mail.day}, {mail.subject}):"]
        head += ["    " + line for line in mail.text.splitlines()[:40]]
    return "\n".join(head)


# ---------------------------------------------------------------- the tests


def test_the_timelines_folder_holds_at_least_25_scenarios():
    assert len(SCENARIOS) >= 25, [p.name for p in SCENARIOS]


@dataclass
class Outcome:
    scenario: Scenario
    arrived: list[Arrived]
    hours: tuple[time, time]
    business_days: tuple[int, ...]


_RUNS: dict[Path, Outcome] = {}


@pytest.fixture
def outcome(request, tmp_path_factory, business_hours_for_invoices, late_mail_notices) -> Outcome:
    """Each scenario runs once (against its own aiosmtpd), with the shipped rules (the
    harness's overrides for tests on the real clock taken back); both tests below read it."""
    path: Path = request.param
    if path not in _RUNS:
        scenario = Scenario.read(path)
        server = SmtpServer()
        server.start()
        try:
            timeline = Timeline(scenario, tmp_path_factory.mktemp(path.stem), server)
            timeline.run()
            arrived = timeline.received()
        finally:
            server.stop()
        opens, _, closes = timeline.settings.chase.business_hours.partition("-")
        _RUNS[path] = Outcome(scenario, arrived, (time.fromisoformat(opens), time.fromisoformat(closes)),
                              timeline.settings.chase.business_days)  # fmt: skip
    return _RUNS[path]


@pytest.mark.parametrize("outcome", SCENARIOS, ids=[p.stem for p in SCENARIOS], indirect=True)
def test_client_receives_the_expected_mails(outcome):
    lines = compare(outcome.scenario.expected, outcome.arrived)
    assert not lines, _report(outcome.scenario, lines, outcome.arrived)


@pytest.mark.parametrize("outcome", SCENARIOS, ids=[p.stem for p in SCENARIOS], indirect=True)
def test_invoices_and_reminders_arrive_within_the_clients_business_hours(outcome):
    """Issue 12 part 1: invoices, like reminders, go out within the client's business hours
    on the client's working days (acknowledgments and receipts answer at any time)."""
    opens, closes = outcome.hours
    outside = []
    for mail in outcome.arrived:
        if mail.kind not in ("invoice", "reminder", "final"):
            continue
        local = mail.at.astimezone(ZoneInfo(mail.zone))
        if not (opens <= local.time() <= closes) or local.isoweekday() not in outcome.business_days:
            outside.append(
                f"  {local:%a %Y-%m-%d %H:%M} {mail.zone}: {mail.kind} {','.join(mail.invoices)} to {mail.to}"
            )
    assert not outside, (
        f"{outcome.scenario.path.name}: mails outside business hours {opens:%H:%M}-{closes:%H:%M} "
        f"(days {outcome.business_days}):\n" + "\n".join(outside)
    )


def test_comparison_marks_a_missing_an_extra_and_a_wrong_mail():
    """The diff itself: a person sees at once which mail was wrong and how."""
    day = date(2026, 11, 17)
    want = [
        Expected(date(2026, 11, 2), "a@x.example", "invoice", ("1",), Decimal("10")),
        Expected(day, "a@x.example", "reminder", ("1",), Decimal("10"), says=("was due",)),
        Expected(date(2026, 11, 24), "a@x.example", "reminder", ("1",)),
    ]

    def got(on: date, kind: str, amount: str, text: str) -> Arrived:
        return Arrived(on, datetime.combine(on, time(9), UTC), "a@x.example", kind, ("1",), Decimal(amount), "",
                       "Invoice 1", text, "<m@x>")  # fmt: skip

    lines = compare(want, [got(date(2026, 11, 2), "invoice", "10", ""), got(day, "reminder", "25", "hello"),
                           got(date(2026, 11, 20), "final", "10", "")])  # fmt: skip
    text = "\n".join(lines)
    assert "~ Tue 2026-11-17" in text and "asks for 25.00, expected 10.00" in text
    assert "does not say 'was due'" in text
    assert "- Tue 2026-11-24" in text and "expected, not received" in text
    assert "+ Fri 2026-11-20" in text and "received, not expected" in text
    assert compare(want[:1], [got(date(2026, 11, 2), "invoice", "10", "")]) == []


# ---------------------------------------------------------------- plan on day 0
#
# The plan made on day 0 (``mailbot plan``) must match what was then sent.  A plan
# forecasts "if nothing changes", so only the scenarios without replies, payments,
# outages or SMTP trouble take part.
PLAN_SCENARIOS = [
    p for p in SCENARIOS
    if not any(key in tomllib.loads(p.read_text(encoding="utf-8"))
               for key in ("reply", "payment", "outage", "smtp_trouble", "owner"))
]  # fmt: skip


@pytest.mark.parametrize("path", PLAN_SCENARIOS, ids=[p.stem for p in PLAN_SCENARIOS])
def test_plan_made_on_day_0_matches_what_was_then_sent(
    path, tmp_path, business_hours_for_invoices, late_mail_notices
):
    scenario = Scenario.read(path)
    server = SmtpServer()
    server.start()
    try:
        timeline = Timeline(scenario, tmp_path, server)
        start = datetime.combine(scenario.start, time(0), UTC)
        days = (scenario.end - scenario.start).days + 1
        planned = plan(timeline.settings, start, days=days)
        timeline.run()
        arrived = timeline.received()
    finally:
        server.stop()
    address = timeline.clients.address
    as_planned = [
        Expected(
            day=p.on, to=address[p.client], kind=p.kind, invoices=tuple(sorted(p.invoices)), amount=p.amount
        )
        for p in planned
    ]
    lines = compare(as_planned, arrived)
    assert not lines, _report(
        scenario, ["(-: planned on day 0, not sent; +: sent, not planned)", *lines], arrived
    )
