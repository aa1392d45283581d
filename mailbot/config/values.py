"""Checks for single config values: addresses, currencies, IBANs, links, one-line texts.

Every value that a mail header, a link or a sum depends on is checked when the config
is read, so that `mailbot check` finds a mistake before a client would.
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Annotated, Any

from babel.numbers import list_currencies
from pydantic import BeforeValidator
from pydantic_settings import NoDecode

# Addresses at these providers belong to a person, not to the client's company,
# so their domain never makes a sender "the client's".
PUBLIC_MAIL_DOMAINS = frozenset(
    [
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "msn.com",
        "yahoo.com",
        "yahoo.de",
        "icloud.com",
        "me.com",
        "mac.com",
        "aol.com",
        "gmx.de",
        "gmx.net",
        "gmx.at",
        "web.de",
        "t-online.de",
        "posteo.de",
        "mailbox.org",
        "proton.me",
        "protonmail.com",
        "zoho.com",
        "yandex.ru",
        "mail.ru",
        "freenet.de",
        "arcor.de",
        "online.de",
    ]
)
_EMAIL = re.compile(r"^[^@\s<>\"',;]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$")
COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")
FONT = re.compile(r"^[A-Za-z0-9 ,'\"-]{1,200}$")


def _as_list(value: Any) -> Any:
    """Let the owner write one address as a string or several as a list.

    From the environment a list comes as text: ``a@x.example`` or ``["a@x", "b@x"]``.
    """
    if isinstance(value, str) and value.strip().startswith("["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return [value] if isinstance(value, str) else value


def no_newlines(value: Any) -> Any:
    """A value that ends up in a mail header must never carry CR/LF."""
    if isinstance(value, str) and ("\r" in value or "\n" in value):
        raise ValueError("must be on one line (no line breaks)")
    return value


_LINE_BREAKS = frozenset("\r\n")
# What a value may never hold: C0 and C1 controls (NUL, vertical tab, form feed, ...),
# DEL and the Unicode line and paragraph separators; a tab is a space.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")


def check_text(value: str, multiline: bool = False) -> str:
    """A value without control characters; line breaks only where ``multiline`` allows them.

    Such a character reaches a mail header or body as it is, or holds the mail there:
    refused when the config is read, it is a ``FILE:LINE`` problem instead.
    """
    if not multiline and _LINE_BREAKS & set(value):
        raise ValueError("must be on one line (no line breaks)")
    if found := _CONTROL.search(value):
        raise ValueError(f"holds the control character U+{ord(found.group()):04X}; remove it")
    return value


def check_email(address: str) -> str:
    address = address.strip()
    if not _EMAIL.match(address):
        raise ValueError(f"{address!r} is not an email address")
    return address


_DOMAIN = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$")


def check_sender(value: str) -> str:
    """A payment source's sender: an address, or ``@domain`` for the whole domain; lower-cased."""
    sender = value.strip().lower()
    if sender.startswith("@"):
        if not _DOMAIN.match(sender[1:]) or len(sender) > 254:
            raise ValueError(f"{value!r} is not an address or @domain")
        return sender
    if not _EMAIL.match(sender) or "@" not in sender:
        raise ValueError(f"{value!r} is not an address or @domain")
    return sender


def domain_of(address: str) -> str:
    return address.rsplit("@", 1)[-1].lower()


Email = Annotated[str, BeforeValidator(no_newlines)]
OneLine = Annotated[str, BeforeValidator(no_newlines)]
EmailList = Annotated[list[str], NoDecode, BeforeValidator(_as_list)]


def safe_url(value: str) -> str:
    """Only links a client can safely click: no ``javascript:``, no spaces."""
    if not re.match(r"^(https?://|mailto:)[^\s<>\"]+$", value):
        raise ValueError(f"{value!r} must start with https://, http:// or mailto:")
    return value


def check_country(value: str) -> str:
    """An ISO 3166 alpha-2 code (``DE``, ``at``: upper-cased), or empty for the default."""
    code = value.strip().upper()
    if code and not re.fullmatch(r"[A-Z]{2}", code):
        raise ValueError(f"{value!r} is not a two-letter country code like DE, AT or FI")
    return code


def check_currency(value: str) -> str:
    code = value.strip().upper()
    if code not in _currencies():
        raise ValueError(f"{value!r} is not an ISO 4217 currency code")
    return code


@cache
def _currencies() -> frozenset[str]:
    return frozenset(list_currencies())


def check_account_rs(value: str) -> str:
    """A Serbian account (bank 3 digits, account up to 13, check 2; ISO 7064 mod 97-10),
    as 18 digits: "160-5100-12" is "160000000000510012".  Checked so a typo never reaches
    a client's IPS QR code."""
    parts = value.replace(" ", "").split("-")
    if len(parts) == 3 and all(p.isdigit() for p in parts) and len(parts[0]) == 3 and len(parts[2]) == 2:
        digits = parts[0] + parts[1].zfill(13) + parts[2]
    else:
        digits = "".join(parts)
    if not re.fullmatch(r"[0-9]{18}", digits):
        raise ValueError(f"{value!r} is not a Serbian account of 18 digits (bank-account-check)")
    if 98 - int(digits[:16]) * 100 % 97 != int(digits[16:]):
        raise ValueError(f"{value!r} fails the account's check digits")
    return digits


def check_iban(value: str) -> str:
    """ISO 13616 mod-97 check, so a typo in the owner's IBAN never reaches a client."""
    iban = value.replace(" ", "").upper()
    if not re.match(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{10,30}$", iban):
        raise ValueError(f"{value!r} is not an IBAN")
    digits = "".join(str(int(ch, 36)) for ch in iban[4:] + iban[:4])
    if int(digits) % 97 != 1:
        raise ValueError(f"{value!r} fails the IBAN check digits")
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
