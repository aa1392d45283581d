"""Bank statements in: ISO 20022 camt.053 (statement) and camt.054 (notification).

Each booked credit entry that ``decide.matching`` matches becomes ``payment`` events
(an invoice number or RF/Finnish reference in the remittance text, else the exact open
balance from a payer who is the invoice's client; partial and overpaid payments are
recorded and said, several invoices paid at once each get theirs); everything else
(ambiguous, unknown, another currency, naming only closed invoices) is reported, with
the candidates, and left for the owner.  Entries are matched in order against the
balances the earlier ones left; the statement's payments are stored in one transaction.
Only an entry with status ``BOOK`` counts (camt.053.001.02 writes
``<Sts>BOOK</Sts>``, later versions ``<Sts><Cd>BOOK</Cd></Sts>``): a pending
(``PDNG``), information-only (``INFO``), other or missing status never settles an
invoice, and neither does a reversal (``<RvslInd>true</RvslInd>``).  A booked
reversal of a payment an earlier import recorded (same bank reference or
end-to-end id) is returned to the caller, which takes the payment back.  An
entry is recorded once, whatever how often the file is imported (its bank
reference is kept with the payment).  XML is parsed with
``defusedxml``: a statement file is input from outside.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from xml.etree import ElementTree as StdElementTree  # only to serialise what defusedxml parsed

from defusedxml import ElementTree

from mailbot.config.settings import Client
from mailbot.decide.matching import Book, Match, Received, Settle, match, numbers_in
from mailbot.records.rows import Event, iso


@dataclass(frozen=True)
class Entry:
    ref: str  # the bank's reference, else a hash of the entry
    amount: Decimal
    currency: str
    booked: date | None
    credit: bool
    text: str  # remittance information and the payer's name
    payer: str
    status: str = ""  # BOOK, PDNG, INFO, ... ("" when the entry has none)
    reversal: bool = False
    refs: tuple[str, ...] = ()  # the transactions' own references and end-to-end ids
    account: str = ""  # the IBAN of the statement's (or notification's) own account


@dataclass(frozen=True)
class Reversal:
    """A booked reversal of a payment an earlier import recorded: to be taken back."""

    invoice: str
    amount: Decimal  # as recorded
    ref: str  # the reversal entry's reference
    reverses: str  # the recorded payment's reference


class StatementError(Exception):
    pass


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _find(node, *path: str):
    for step in path:
        node = next((child for child in node if _local(child.tag) == step), None)
        if node is None:
            return None
    return node


def _all(node, name: str) -> list:
    return [el for el in node.iter() if _local(el.tag) == name]


def read_statement(path: Path) -> list[Entry]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise StatementError(f"{path}: not a readable camt XML file ({exc})") from None
    return read_statement_bytes(data, str(path))


def read_statement_bytes(data: bytes, name: str) -> list[Entry]:
    """The entries of a camt.053/054 document given as bytes (a file's, or a mail
    attachment's); ``name`` says where it came from in the error's message."""
    try:
        root = ElementTree.fromstring(data)
    except Exception as exc:  # defusedxml raises its own errors for hostile XML
        raise StatementError(f"{name}: not a readable camt XML file ({exc})") from None
    entries = _all(root, "Ntry")
    if not entries and _local(root.tag) != "Document":
        raise StatementError(f"{name}: no camt.053/054 document")
    accounts = _accounts(root)
    return [_entry(node, accounts.get(id(node), "")) for node in entries]


def _accounts(root) -> dict[int, str]:
    """Each entry's account: the IBAN of the ``Stmt``, ``Ntfctn`` or ``Rpt`` it stands in."""
    found: dict[int, str] = {}
    for report in root.iter():
        if _local(report.tag) in ("Stmt", "Ntfctn", "Rpt"):
            iban = _find(report, "Acct", "Id", "IBAN")
            account = (iban.text or "").strip() if iban is not None else ""
            for node in _all(report, "Ntry"):
                found[id(node)] = account
    return found


def _by_name(node) -> dict[str, list]:
    """Every element under ``node`` by its local name: one walk of the entry, not one per
    name looked for (those walks were most of the time a 10,000-entry statement took)."""
    found: dict[str, list] = {}
    for element in node.iter():
        found.setdefault(_local(element.tag), []).append(element)
    return found


def _texts(elements: list) -> list[str]:
    return [t for t in (e.text.strip() for e in elements if e.text) if t]


def _entry(node, account: str = "") -> Entry:
    named = _by_name(node)
    amount_node = _find(node, "Amt")
    text = " ".join(_texts(named.get("Ustrd", []))) + " " + " ".join(_texts(named.get("Ref", [])))
    names = _texts(named.get("Nm", []))
    booked = _find(node, "BookgDt", "Dt")
    ref_node = _find(node, "AcctSvcrRef")  # (an Element without children is falsy: no `or`)
    if ref_node is None:
        ref_node = _find(node, "NtryRef")
    try:
        amount = Decimal((amount_node.text or "").strip()) if amount_node is not None else Decimal(0)
    except InvalidOperation:
        amount = Decimal(0)
    indicator = _find(node, "CdtDbtInd")
    reversal = _find(node, "RvslInd")
    refs = [*_texts(named.get("AcctSvcrRef", [])), *_texts(named.get("EndToEndId", []))]
    ref = (ref_node.text or "").strip() if ref_node is not None and ref_node.text else ""
    return Entry(
        ref=ref or _hash_of(node),
        amount=amount,
        currency=(amount_node.get("Ccy") if amount_node is not None else "") or "",
        booked=_date(booked.text if booked is not None else ""),
        credit=(indicator.text or "").strip() == "CRDT" if indicator is not None else False,
        text=" ".join(text.split()),
        payer=names[0] if names else "",
        status=_status(node),
        reversal=reversal is not None and (reversal.text or "").strip().lower() in ("true", "1"),
        refs=tuple(dict.fromkeys(r for r in refs if r and r != "NOTPROVIDED")),
        account=account,
    )


def _hash_of(node) -> str:
    """The key of an entry without a bank reference: a hash of its XML (serialising every
    entry for it was more than a third of reading a statement)."""
    return "sha256:" + hashlib.sha256(StdElementTree.tostring(node)).hexdigest()[:24]


def _status(node) -> str:
    """``<Sts>BOOK</Sts>`` (camt.05x.001.02) or ``<Sts><Cd>BOOK</Cd></Sts>`` (.08 and later)."""
    sts = _find(node, "Sts")
    if sts is None:
        return ""
    code = _find(sts, "Cd")
    return ((code if code is not None else sts).text or "").strip().upper()


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat((text or "").strip()[:10])
    except ValueError:
        return None


def invoices_named(text: str, numbers: set[str]) -> list[str]:
    """Open invoice numbers written in the remittance text (as whole tokens)."""
    return numbers_in(text, numbers)


_SKIPPED = {
    "PDNG": "pending, not booked yet",
    "INFO": "information only, not a booking",
    "": "no booking status",
}


def apply_statement(
    entries: list[Entry], ledger, store, now, file: str, clients: Mapping[str, Client] | None = None
) -> tuple[list[str], int, list[Reversal]]:
    """Record each booked credit ``decide.matching`` matches, once; return the report lines,
    the number of problems (booked credits not recorded) and the booked reversals of
    recorded payments, which the caller takes back.  Skipped entries (not booked, reversals
    that match nothing) are reported but are not problems.  ``clients``: the configured
    clients, whose names and addresses a payer is compared with (``settings.clients``)."""
    from mailbot.decide.receivable import book_of

    facts = store.decision_facts(save=False)
    book = book_of(ledger.invoices.values(), facts, clients or {})
    run = _Import(now, file, book, *_recorded(store))
    for entry in entries:
        run.entry(entry)
    store.add_events(run.events)  # the statement's payments all, or none: importing it again is safe
    return run.lines, run.problems, run.reversals


Recorded = dict[str, list[tuple[str, Decimal, str]]]  # ref or end-to-end id -> (invoice, amount, ref)


def _recorded(store) -> tuple[Recorded, set[str]]:
    """The payments earlier imports recorded, by each of their references, and the
    references of those a reversal took back."""
    recorded: Recorded = {}
    reversed_refs: set[str] = set()
    for event in store.events_of_type("payment"):
        data = json.loads(event.detail or "{}")
        if data.get("reverses"):
            reversed_refs.add(data["reverses"])
        elif data.get("ref"):
            payment = (event.invoice, Decimal(data["amount"]), data["ref"])
            for key in dict.fromkeys((data["ref"], *data.get("refs", ()))):
                recorded.setdefault(key, []).append(payment)
    return recorded, reversed_refs


class _Import:
    """One statement's import: the entries in order, each seeing what the earlier left."""

    def __init__(self, now, file: str, book: Book, recorded: Recorded, reversed_refs: set[str]):
        self.now, self.file, self.book = now, file, book
        self.recorded, self.reversed_refs = recorded, reversed_refs
        self.known_refs = {own for payments in recorded.values() for _, _, own in payments}
        self.lines: list[str] = []
        self.events: list[Event] = []  # the payments to record
        self.reversals: list[Reversal] = []
        self.problems = 0

    def entry(self, entry: Entry) -> None:
        where = f"{self.file}: entry {entry.ref}"
        what = f"{entry.amount} {entry.currency} status {entry.status or '-'}"
        if entry.reversal:
            self._reversal(entry, where, what)
        elif not entry.credit:
            return
        elif entry.status != "BOOK":
            why = _SKIPPED.get(entry.status, f"status {entry.status}, not booked")
            self.lines.append(f"{where}: {what}: skipped ({why})")
        elif entry.ref in self.known_refs:
            self.lines.append(f"{where}: already recorded")
        else:
            self._credit(entry, where)

    def _reversal(self, entry: Entry, where: str, what: str) -> None:
        if entry.credit:  # the reversal of a debit: not a client's payment
            self.lines.append(f"{where}: {what}: skipped (reversal of a debit)")
            return
        found = next((self.recorded[k] for k in (entry.ref, *entry.refs) if k in self.recorded), None)
        if found is None:
            self.lines.append(f"{where}: {what}: skipped (reversal that matches no recorded payment)")
            return
        ref, numbers = found[0][2], ", ".join(invoice for invoice, _, _ in found)
        if entry.status != "BOOK":
            why = _SKIPPED.get(entry.status, f"status {entry.status}")
            self.lines.append(f"{where}: {what}: skipped (reversal of {ref} on {numbers}, {why})")
        elif ref in self.reversed_refs:
            self.lines.append(f"{where}: reversal of {ref} on {numbers} already taken back")
        else:
            self.reversed_refs.add(ref)
            self.reversals += [Reversal(invoice, amount, entry.ref, ref) for invoice, amount, _ in found]

    def _credit(self, entry: Entry, where: str) -> None:
        received = Received(entry.amount, entry.currency, entry.booked, entry.payer, entry.text)
        found = match(received, self.book)
        if not found.recorded:
            self.problems += 1
            payer = entry.payer or "?"
            self.lines.append(
                f"{where}: {entry.amount} {entry.currency} from {payer} {found.reason}; not recorded"
            )
            return
        on = entry.booked or self.now.date()
        self.events += [self._event(entry, settle, on, found) for settle in found.settles]
        self.book.record(found)
        self.known_refs.add(entry.ref)
        for key in dict.fromkeys((entry.ref, *entry.refs)):
            self.recorded.setdefault(key, []).extend((s.invoice, s.amount, entry.ref) for s in found.settles)
        self.lines += [_recorded_line(entry, settle, on, found) for settle in found.settles]

    def _event(self, entry: Entry, settle: Settle, on: date, found: Match) -> Event:
        detail: dict = {
            "amount": str(settle.amount),
            "on": on.isoformat(),
            "ref": entry.ref,
            "source": "camt",
        }
        detail |= {"refs": list(entry.refs)} if entry.refs else {}
        detail |= {"how": found.how, "payer": entry.payer}
        return Event(settle.invoice, iso(self.now), "payment", detail=json.dumps(detail))


def _recorded_line(entry: Entry, settle: Settle, on: date, found: Match) -> str:
    """``recorded 1053.23 EUR for 2026-004 (booked 2026-11-20)``, and what the owner should
    know: how it matched when not by the invoice number, what stays open or was too much."""
    line = f"recorded {settle.amount} {entry.currency} for {settle.invoice} (booked {on}"
    if found.outcome == "several":
        line += f"; {entry.amount} {entry.currency} for {', '.join(found.candidates)}"
    if not found.how.startswith("invoice number"):
        line += f"; by {found.how}"
    line += ")"
    if found.outcome == "partial":
        line += f"; {found.reason}"
    elif found.outcome == "overpaid":
        line += f"; warning: {found.reason}"
    return line


FIELDS = ["invoice", "client", "on", "amount", "currency", "source", "ref", "how", "evidence"]


def recorded_payments(ledger, store) -> list[dict[str, str]]:
    """Every payment mailbot knows: from the ledger, `mark-paid` and bank imports."""
    rows = []
    for invoice in ledger.valid():
        if invoice.paid_on:
            amount = invoice.paid_amount if invoice.paid_amount is not None else invoice.gross
            rows.append(_payment(invoice, invoice.paid_on.isoformat(), str(amount), "ledger"))
    for event in store.events():
        if event.type == "payment" and event.detail:
            data = json.loads(event.detail)
            invoice = ledger.invoices.get(event.invoice)
            source = data.get("source", "mark-paid")
            row = _payment(invoice, data["on"], data["amount"], source, event.invoice)
            rows.append(row | {k: str(data.get(k) or "") for k in ("ref", "how", "evidence")})
    return sorted(rows, key=lambda r: (r["on"], r["invoice"]))


def _payment(invoice, on: str, amount: str, source: str, number: str = "") -> dict[str, str]:
    """One row: ``ref`` is the payment's key at its source (a bank reference, a transaction
    id), ``how`` how it was matched, ``evidence`` the notification's Message-ID."""
    return {
        "ref": "",
        "how": "",
        "evidence": "",
        "invoice": invoice.number if invoice else number,
        "client": invoice.client_id if invoice else "",
        "on": on,
        "amount": amount,
        "currency": invoice.currency if invoice else "",
        "source": source,
    }
