"""Pure: what a payment service's or a bank's notification mail says was paid.

Issue 14, part 2.  ``read_notices`` reads PayPal, Stripe, Wise, bank and generic
notifications (plain text and HTML, English and German) into ``Notice``s, and the
entries of camt.053/054 statements attached to a mail (``statement_attachments``, read
by ``bank.read_statement_bytes``).  Whether to believe the mail is decided before, by
``sources.payment_source``; what it pays, after, by ``decide.matching``.

When in doubt, no payment: a notification that cannot be read is ``not_a_payment``
with a reason (the owner sees it), never a guess.  The amount is the one a label or a
sentence names as received ("Gross amount", "sent you", "Betrag der Gutschrift"); a line
about a fee, a balance, a rate, a net or an amount due never gives it, and two
different amounts named as received make the mail unreadable, unless they stand in
separate, alike-labelled paragraphs that each name a payer (a bank's mail of several
credits: one notice each, ``notice_blocks``).  What kind of mail it is the subject says
first; the body may still make a payment pending, the owner's own, or a refund, never
the reverse.  Quoted and forwarded text (a copy of the invoice) is cut off first.
Nothing here raises: odd input becomes ``not_a_payment``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from email.message import Message
from typing import Literal

from mailbot.decide.matching import Received
from mailbot.inbound import notice_blocks
from mailbot.inbound import notice_words as words
from mailbot.inbound.amounts import MAX_AMOUNT, Money, day_in, money_in
from mailbot.inbound.bank import Entry, StatementError, read_statement_bytes
from mailbot.inbound.intents import normalise_iban
from mailbot.inbound.notice_fields import labelled, read_payer
from mailbot.inbound.parse import Mail

NoticeKind = Literal[
    "payment",  # money received: may settle an invoice
    "refund",  # money sent back (by the owner or the service): never a payment
    "pending",  # pending, on hold, under review, expected: not received yet
    "not_a_payment",  # anything else the source sends (newsletters, security notices...)
]

MAX_STATEMENTS = 5  # XML attachments read from one mail
MAX_STATEMENT_BYTES = 20 * 1024 * 1024  # one attachment's decoded size
MAX_ENTRIES = 10_000  # statement entries read from one mail
MAX_LINES = 2_000  # body lines read
MAX_LINE = 1_000  # characters of one line
HEAD = 800  # characters of the body (after the subject) that tell what kind of mail it is


@dataclass(frozen=True)
class Notice:
    kind: NoticeKind
    received: Received | None  # amount, currency, date, payer, text; None when unreadable
    key: str = ""  # the source's transaction id; "" when it gives none
    beneficiary: str = ""  # the account (IBAN, normalised) it names as paid into, else ""
    reason: str = ""  # how it was read, or why it is no payment, in words


def read_notices(mail: Mail, kind: str) -> list[Notice]:
    """Every payment ``mail`` reports (most report one); ``kind`` is the source's kind.

    An attached camt statement gives one notice per entry, whatever the source's kind;
    the body is then not read (it only announces the attachment)."""
    try:
        if mail.oversized:
            return [_no(f"oversized mail ({mail.oversized})")]
        statements = _statement_notices(mail)
        if statements:
            return statements
        if kind == "camt":
            return [_no("no camt.053/054 statement attached")]
        return _read_body(mail)
    except Exception as exc:  # nothing from outside may stop the inbox
        return [_no(f"unreadable ({type(exc).__name__})")]


def _no(reason: str, received: Received | None = None, key: str = "") -> Notice:
    return Notice("not_a_payment", received, key=key, reason=reason)


# --- camt statements attached ------------------------------------------------------

_XML_TYPES = ("application/xml", "text/xml")


def statement_attachments(mail: Mail) -> list[tuple[str, bytes]]:
    """(filename, bytes) of each XML attachment that may be a camt statement: typed
    ``application/xml`` or ``text/xml``, or named ``*.xml`` (banks also send them as
    ``application/octet-stream``); at most ``MAX_STATEMENTS``, each at most
    ``MAX_STATEMENT_BYTES``.  Attached mails (a forwarded copy) are not looked into."""
    if mail.message is None:
        return []
    found: list[tuple[str, bytes]] = []
    for part in _leaves(mail.message):
        name = str(part.get_filename() or "")
        if part.get_content_type() not in _XML_TYPES and not name.lower().endswith(".xml"):
            continue
        data = part.get_payload(decode=True)
        if isinstance(data, bytes) and data.strip() and len(data) <= MAX_STATEMENT_BYTES:
            found.append((name or "attachment.xml", data))
            if len(found) >= MAX_STATEMENTS:
                break
    return found


def _leaves(msg: Message, depth: int = 0) -> list[Message]:
    if depth > 20:
        return []
    if not msg.is_multipart():
        return [msg]
    payload = msg.get_payload()
    parts = [p for p in payload if isinstance(p, Message)] if isinstance(payload, list) else []
    kept = [p for p in parts[:500] if p.get_content_maintype() != "message"]
    return [leaf for p in kept for leaf in _leaves(p, depth + 1)]


def _statement_notices(mail: Mail) -> list[Notice]:
    notices: list[Notice] = []
    fallback = mail.date.date() if mail.date else None
    for name, data in statement_attachments(mail):
        try:
            entries = read_statement_bytes(data, name)
        except StatementError:
            continue  # another XML (an e-invoice): not a statement
        notices += [_entry_notice(e, fallback) for e in entries[: MAX_ENTRIES - len(notices)]]
    return notices


def _entry_notice(entry: Entry, fallback: date | None) -> Notice:
    amount = abs(entry.amount)
    readable = entry.currency and 0 < amount <= MAX_AMOUNT
    received = (
        Received(amount, entry.currency, entry.booked or fallback, entry.payer, entry.text)
        if readable
        else None
    )
    key, account = entry.ref, normalise_iban(entry.account)
    if entry.reversal:
        return Notice("refund", received, key, account, "statement entry: a reversal")
    if not entry.credit:
        return _no("statement entry: a debit", received, key)
    if entry.status != "BOOK":
        if entry.status == "PDNG":
            return Notice("pending", received, key, account, "statement entry: pending (PDNG)")
        return _no(f"statement entry: status {entry.status or 'missing'}, not booked", received, key)
    if received is None:
        return _no("statement entry: no amount and currency", None, key)
    return Notice("payment", received, key, account, "statement entry: booked credit")


# --- notification bodies -----------------------------------------------------------


def _lines(text: str) -> list[str]:
    """The notification's own lines: quoted ("> ") lines and a forwarded or quoted
    copy after "Original Message" / "On ... wrote:" left out."""
    lines = []
    for line in text.split("\n")[:MAX_LINES]:
        if words.QUOTE_START.match(line[:MAX_LINE]):
            break
        if not line.lstrip().startswith(">"):
            lines.append(line[:MAX_LINE].rstrip())
    return lines


def _read_body(mail: Mail) -> list[Notice]:
    lines = _lines(mail.text)
    subject = mail.subject[:300]
    body = "\n".join(line for line in lines if line.strip())
    kind, what = _kind(subject.lower(), _kind_text(body[:HEAD].lower()), body.lower())
    if kind == "not_a_payment":
        return [_no(what)]
    amount, why = _amount([subject, *lines], kind)
    if amount is None and kind == "payment" and why.startswith("several"):
        entries = _entries(lines, mail)
        if entries:
            return entries
    if amount is None:
        if kind != "payment":  # a refund or pending one still says it is no payment
            return [Notice(kind, None, _key(lines), "", f"{what}, but {why}")]
        return [_no(f"{what}, but {why}")]
    return [_notice(kind, what, amount, why, lines, mail)]


_TOTAL = re.compile(r"\b(?:total|sum|summe|gesamt\w*|insgesamt)\b", re.I)
_RECIPIENT = re.compile(r"^\s*(?:empfänger(?:in)?|recipient|beneficiary|begünstigte[rs]?|payee)\b", re.I)


def _entries(lines: list[str], mail: Mail) -> list[Notice]:
    """A mail reporting several payments, each in its own paragraph: one notice each.
    A block is a payment only if it says so itself, by a payment word or a payer's label
    ("Auftraggeber:") and no recipient's, names no debit, refund, payout or pending, and
    names its payer.  The amounts must all be labelled alike (each "Betrag:"): a summary
    sentence and a detail block of one transfer ("You received USD 2,000" / "Amount
    received: USD 1,985") are not two payments; a total among them ("Summe:") neither."""
    at = _amount_lines(lines)
    if any(_TOTAL.search(lines[i]) for i in at) or len({_label_word(lines[i]) for i in at}) != 1:
        return []
    found = []
    for block in notice_blocks.blocks(lines, at):
        text = "\n".join(block).lower()
        kind, what = _kind_of(text) or ("not_a_payment", "")
        named = labelled(block, words.PAYER) and not any(_RECIPIENT.match(line) for line in block)
        if kind == "not_a_payment" and not what and named:
            kind, what = "payment", "a payment received"
        amount, why = _amount(block, kind)
        if kind == "not_a_payment" or amount is None:
            found.append(_no(f"one of several entries: {what or 'names no payer'}, {why}"))
            continue
        notice = _notice(kind, f"one of several entries: {what}", amount, why, block, mail)
        if notice.kind == "payment" and not (notice.received and notice.received.payer):
            notice = _no("one of several entries: names no payer", notice.received, notice.key)
        found.append(notice)
    return found


def _label_word(line: str) -> str:
    """The words of the label that names ``line``'s amount ("betrag:", "amount received")."""
    lower = line.lower()
    hits = (label.search(lower) for label in words.AMOUNT_LABELS)
    return next((hit.group(0).strip() for hit in hits if hit), "")


def _notice(kind: NoticeKind, what: str, amount: Money, why: str, lines: list[str], mail: Mail) -> Notice:
    payer, payer_email = read_payer(lines)
    on = _date(lines) or (mail.date.date() if mail.date else None)
    received = Received(
        abs(amount.amount), amount.currency, on, payer=payer, text=_text(lines), payer_email=payer_email
    )
    key = _key(lines)
    beneficiary = _beneficiary(lines)
    if kind == "payment" and amount.amount < 0:
        return _no("the amount is negative: money sent, not received", received, key)
    return Notice(kind, received, key, beneficiary, f"{what}: {why}")


def _amount_lines(lines: list[str]) -> list[int]:
    """Indexes of the lines whose amounts a label of the best kind names (see ``_amount``)."""
    scores = [
        0
        if words.NOT_THE_AMOUNT.search(line.lower()) or not money_in(line)
        else _label_score(line.lower())[0]
        for line in lines
    ]
    best = max(scores, default=0)
    return [i for i, score in enumerate(scores) if best and score == best]


def _kind(subject: str, head: str, body: str) -> tuple[NoticeKind, str]:
    """The subject first: it names what the mail reports, the body's later lines often
    mention other things (the next payout, a partial refund, the payment method).  A
    subject that says nothing (or asks a question) leaves it to the subject and body
    together, refund, payout, outgoing, pending, then payment: the first whose words
    the text uses.  Whatever the subject, pending words in the body make it pending."""
    if words.NOT_PAYMENT.search(subject):
        return "not_a_payment", "a security, login or newsletter mail"
    if re.search(r"\bunsubscribe\b|newsletter|abbestellen", body) and not words.PAYMENT.search(subject):
        return "not_a_payment", "a marketing mail"
    said = None if subject.rstrip().endswith("?") else _subject_kind(subject)
    if said is not None and said[0] == "pending" and words.PAYOUT.search(head):
        return "not_a_payment", "a payout or withdrawal to the owner's bank"
    if said is not None and said[0] != "payment":
        return said
    if said is not None:
        return _payment_subject_body(head)
    return _kind_of(subject + "\n" + head) or ("not_a_payment", "says no payment was received")


_KINDS: list[tuple[re.Pattern[str], NoticeKind, str]] = [
    (words.REFUND, "refund", "a refund, reversal or chargeback"),
    (words.PAYOUT, "not_a_payment", "a payout or withdrawal to the owner's bank"),
    (words.OUTGOING, "not_a_payment", "money the owner sent or is asked for, not received"),
    (words.PENDING, "pending", "pending, on hold or under review: not received yet"),
    (words.PAYMENT, "payment", "a payment received"),
]


def _subject_kind(subject: str) -> tuple[NoticeKind, str] | None:
    """What the subject alone says; a partial refund it names after the payment
    ("Payment received - $1,150.00 USD after partial refund") leaves it a payment."""
    paid, partial = words.PAYMENT.search(subject), words.PARTIAL_REFUND.search(subject)
    if paid and partial and paid.start() < partial.start():
        return _kind_of(subject[: partial.start()])
    return _kind_of(subject)


def _kind_of(text: str) -> tuple[NoticeKind, str] | None:
    return next(((kind, what) for pattern, kind, what in _KINDS if pattern.search(text)), None)


def _payment_subject_body(head: str) -> tuple[NoticeKind, str]:
    """The subject says a payment was received: the body may still say it is pending, the
    owner's own payment, or a refund (when it says so before it names the payment); a
    payout it mentions is where the money goes next, a partial refund one made after."""
    if words.PENDING.search(head):
        return "pending", "pending, on hold or under review: not received yet"
    if words.OUTGOING.search(head):
        return "not_a_payment", "money the owner sent or is asked for, not received"
    kept = "\n".join(line for line in head.split("\n") if not words.PARTIAL_REFUND.search(line))
    refund, paid = words.REFUND.search(kept), words.PAYMENT.search(kept)
    if refund and (paid is None or refund.start() < paid.start()):
        return "refund", "a refund, reversal or chargeback"
    return "payment", "a payment received"


_FEE_NAME = re.compile(r"\b[\w-]+ (?:fees?|charges?)\b|\b\w*gebühr\w*|\b\w*entgelt\w*")


def _kind_text(head: str) -> str:
    """``head`` without what says nothing of the mail's kind: asides (``ASIDE``) and a
    fee's name on a line with its amount ("Processing fee -$31.48" is not "processing");
    the rest of such a line stays ("Pending balance: €500.00" still says pending)."""
    kept = []
    for line in head.split("\n"):
        if words.NOT_THE_AMOUNT.search(line) and money_in(line):
            line = _FEE_NAME.sub(" ", line)
        kept.append(words.ASIDE.sub(" ", line))
    return "\n".join(kept)


def _amount(lines: list[str], kind: NoticeKind = "payment") -> tuple[Money | None, str]:
    """The one amount a label names as received; (None, why) when none or several.  Of
    a line's amounts, the first after its label ("payment of $980 ... above $500").  In
    a payment, a line about a refund never gives it ("Partial refund: -$100.00")."""
    best: list[Money] = []
    best_score, carry = 0, 0
    for line in lines:
        lower = line.lower()
        if not line.strip():
            continue
        if words.NOT_THE_AMOUNT.search(lower) or (kind == "payment" and words.REFUND.search(lower)):
            carry = 0
            continue
        score, at = _label_score(lower)
        found = money_in(line)
        if not found:
            carry = score  # "Betrag:" alone on a line: the amount is on the next one
            continue
        if carry > score:
            score, at = carry, 0
        carry = 0
        chosen = next((m for m in found if m.start >= at), found[0])
        if score > best_score:
            best, best_score = [chosen], score
        elif score == best_score and score:
            best.append(chosen)
    if not best:
        return None, "no amount named as received"
    distinct = {(abs(m.amount), m.currency) for m in best}
    if len(distinct) > 1:
        shown = ", ".join(f"{a} {c}" for a, c in sorted(distinct))
        return None, f"several amounts named as received ({shown[:200]})"
    chosen = best[0]
    if not 0 < abs(chosen.amount) <= MAX_AMOUNT:
        return None, f"an implausible amount ({str(chosen.amount)[:40]})"
    return chosen, f"{abs(chosen.amount)} {chosen.currency}"


def _label_score(lower: str) -> tuple[int, int]:
    """(how surely the line names the amount received, 0 for not; where its label starts)."""
    for i, label in enumerate(words.AMOUNT_LABELS):
        hit = label.search(lower)
        if hit:
            return len(words.AMOUNT_LABELS) + 1 - i, hit.start()
    return 0, 0


def _date(lines: list[str]) -> date | None:
    return next((d for d in map(day_in, labelled(lines, words.DATE)) if d), None)


def _text(lines: list[str]) -> str:
    """The remittance text: the values of its labels, a table's column heads left out
    (an order's "Description  Unit price  Qty  Amount" line is no note)."""
    values = [v for v in labelled(lines, words.TEXT) if not words.COLUMN_HEADS.search(v)]
    return " ".join(dict.fromkeys(" ".join(v.split()) for v in values))[:500]


_TRANSFER = re.compile(r"(?:transfer|überweisung)\s*(?:id|number|nummer|nr\.?)?\s*#\s?(\d{5,14})\b", re.I)
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_#./-]{3,63}")


def _key(lines: list[str]) -> str:
    """The transaction's id: a labelled one, else a Stripe id or a Wise transfer number."""
    for value in labelled(lines, words.KEY):
        token = _TOKEN.search(value.replace("#", ""))
        if token and re.search(r"\d", token.group(0)):
            return token.group(0)
    text = "\n".join(lines)
    found = words.STRIPE_ID.search(text) or _TRANSFER.search(text)
    if found:
        return found.group(found.lastindex or 0)
    return ""


def _beneficiary(lines: list[str]) -> str:
    """The IBAN the mail names as the account credited ("Eingang auf Ihrem Konto DE89 ...");
    one named as the payer's ("IBAN des Auftraggebers") is not it."""
    previous = ""
    for line in lines:
        for hit in words.IBAN.finditer(line):
            before = (line[: hit.start()] or previous).lower()
            own = [m.end() for m in words.OWN_ACCOUNT.finditer(before)]
            payer = [m.end() for m in words.PAYER_ACCOUNT.finditer(before)]
            iban = normalise_iban(hit.group(0))
            if own and (not payer or max(own) > max(payer)) and _iban_ok(iban):
                return iban
        if line.strip():
            previous = line
    return ""


def _iban_ok(iban: str) -> bool:
    """An IBAN's check digits hold (ISO 13616, mod 97); a masked one ("DE89 **** 3000")
    cannot be checked and is kept as written; an RF creditor reference is no IBAN."""
    if iban.startswith("RF"):
        return False
    if not iban.isalnum():
        return True
    digits = "".join(str(int(c, 36)) for c in iban[4:] + iban[:4])
    return len(iban) >= 15 and int(digits) % 97 == 1
