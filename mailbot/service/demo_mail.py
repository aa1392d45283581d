"""The sample clients' replies of ``mailbot demo``, as the owner's mail server would deliver
them: each carries that server's ``Authentication-Results`` (``[imap] authserv_id`` of the
demo's config), so that mailbot believes who sent it, as it would on a real mailbox.

Pure: bytes from values; ``demo`` drops them into the Maildir inbox on their day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from zoneinfo import ZoneInfo

SERVER = "mx.muster-design.example"  # the demo business's own mail server (authserv-id)
OWN = "billing@muster-design.example"
BERLIN = ZoneInfo("Europe/Berlin")


@dataclass(frozen=True)
class DemoMail:
    """One mail that arrives on ``day`` at ``hour`` (Berlin), before that hour's pass."""

    day: date
    hour: int
    sender: str  # "Name <address>"
    subject: str
    body: str
    about: str  # what the story says of it before it is read
    auto: bool = False  # an auto-reply (out of office): Auto-Submitted: auto-replied

    @property
    def at(self) -> datetime:
        return datetime.combine(self.day, time(self.hour), BERLIN) - timedelta(minutes=20)

    def raw(self, number: int) -> bytes:
        """The mail as delivered: the server's verdict on top, then the client's headers."""
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = self.sender, OWN, self.subject
        msg["Date"] = format_datetime(self.at)
        domain = self.sender.rsplit("@", 1)[1].rstrip(">")
        msg["Message-ID"] = f"<demo-{number}.{self.day:%Y%m%d}@{domain}>"
        if self.auto:
            msg["Auto-Submitted"] = "auto-replied"
        msg.set_content(self.body)
        verdict = (f"Authentication-Results: {SERVER}; dkim=pass header.d={domain};"
                   f" dmarc=pass header.from={domain}\r\n")  # fmt: skip
        return verdict.encode() + msg.as_bytes()


PAYPAL_NOTE = """\
Hello Muster Design GmbH,

You've got money!

Jane Doe sent you \u20ac360.00 EUR

Note from Jane Doe:
"Invoice 2026-008 - love the illustration!"

Transaction details
Transaction ID: 7DM05013RG009999X
Transaction date: Dec 3, 2026 10:12:07 CET

Payment from: Jane Doe
Buyer's email: jane.doe.design@gmail.com

Gross amount: \u20ac360.00 EUR
PayPal fee: -\u20ac10.79 EUR
Net amount: \u20ac349.21 EUR

The money is now available in your PayPal balance.

Please don't reply to this email. To get in touch with us, click Help & Contact.
"""

# The client replies of the demo, on the days the sample ledger makes them fit: after the
# mail they answer, before the reminder they would otherwise get.
SCRIPT: tuple[DemoMail, ...] = (
    DemoMail(
        date(2026, 11, 17),
        10,
        "Jane Smith <ap@acme.example>",
        "Re: Invoice 2026-002",
        "I am out of the office until 24 November with limited access to email.\n"
        "For urgent matters please contact office@acme.example.\n\nJane Smith",
        "an out-of-office reply from Acme",
        auto=True,
    ),
    DemoMail(
        date(2026, 11, 19),
        10,
        "Jane Smith <ap@acme.example>",
        "Re: Invoice 2026-001",
        "Hello,\n\nwe paid invoice 2026-001 yesterday by bank transfer.\n\nBest regards,\nJane Smith",
        "Acme says invoice 2026-001 is paid",
    ),
    DemoMail(
        date(2026, 11, 24),
        10,
        "Jane Smith <ap@acme.example>",
        "Re: Invoice 2026-002",
        "Hello,\n\ncould you tell me which purchase order number invoice 2026-002 belongs to?"
        "\n\nThanks,\nJane Smith",
        "Acme asks a question about invoice 2026-002",
    ),
    DemoMail(
        date(2026, 12, 2),
        10,
        "Frau Weber <buchhaltung@kaiser-soehne.example>",
        "AW: Rechnung 2026-004",
        "Guten Tag,\n\nwir werden die Rechnung 2026-004 am 10.12.2026 bezahlen.\n\n"
        "Mit freundlichen Grüßen\nAnna Weber",
        "Kaiser & Söhne promise to pay invoice 2026-004",
    ),
    DemoMail(
        date(2026, 12, 3),
        11,
        "PayPal <service@paypal.de>",
        "You've got money",
        PAYPAL_NOTE,
        "a PayPal notification: Jane Doe sent 360.00 EUR",
    ),
)

# What the demo's config adds to the sample: its server's name, and PayPal as a payment source.
DEMO_TOML = f"""

# Added by `mailbot demo`: the demo's mail server, and PayPal as a source of payment mail.
[imap]
authserv_id = "{SERVER}"

[[payments.sources]]
name = "PayPal"
senders = ["service@paypal.de", "service@paypal.com"]
kind = "paypal"
"""
