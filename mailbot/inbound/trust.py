"""Pure: does a reply really come from the client?  When in doubt, no.

A sender counts as the client when its address is one of the client's, or its
domain is one of the client's domains (never a public provider's: for
``jane@gmail.com`` only that address counts).  Everything else a message says
about itself can be forged, so trust fails closed:

- one From header naming one address; two headers or two addresses leave the
  reader (and mailbot) to guess who wrote it;
- every ``Reply-To`` address is the sender or the client's: answering it must not
  talk to someone else;
- where the owner's own mail server writes ``Authentication-Results`` (identified by
  its authserv-id, since anyone can add such a header further down), DMARC or aligned
  DKIM passed in its topmost verdict.  Whether it writes them is known from
  ``[imap] authserv_id`` being set, or from mail seen before (``expect_ours``): once
  one header of ours arrived, a mail without one is untrusted;
- no DMARC or DKIM failure in any header of ours, and no ``dmarc=fail`` for the
  sender's domain in any other ``Authentication-Results`` or
  ``ARC-Authentication-Results`` (the owner's provider, e.g. ``mx.google.com``, when
  ``authserv_id`` does not name it).  A failure can only be forged by the sender of
  that very message, so believing every one of them costs nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import authres

from mailbot.config.settings import Client, domain_of
from mailbot.inbound.parse import Mail

Result = tuple[str, str, str]  # (method, result, domain: header.d or header.from)


@dataclass(frozen=True)
class Trust:
    client: str  # "" when the sender is nobody we know
    trusted: bool
    reason: str
    ours: bool = False  # the mail carries an Authentication-Results of the owner's server


def client_of(address: str, clients: Mapping[str, Client]) -> str:
    """The client id an address belongs to: exact addresses first, then domains."""
    address = address.lower()
    if not address or "@" not in address:
        return ""
    for client_id, client in clients.items():
        if address in (a.lower() for a in (*client.email, *client.cc)):
            return client_id
    domain = domain_of(address)
    for client_id, client in clients.items():
        if domain in client.trusted_domains:
            return client_id
    return ""


def ours(authserv_id: str, configured: str, own_domain: str) -> bool:
    """Is this header written by the owner's server? Exact id, or the own domain's hosts."""
    authserv_id = authserv_id.lower().strip()
    if configured:
        return authserv_id == configured.lower()
    return authserv_id == own_domain or authserv_id.endswith("." + own_domain)


def _results(header: str) -> tuple[str, list[Result]]:
    """(authserv-id, [(method, result, domain)]) of one header; lenient on broken ones."""
    try:
        parsed = authres.AuthenticationResultsHeader.parse(f"Authentication-Results: {header}")
        found = []
        for result in parsed.results:
            domain = ""
            for prop in result.properties:
                if prop.type == "header" and prop.name in ("d", "from"):
                    domain = str(prop.value).lower()
            found.append((result.method.lower(), str(result.result).lower(), domain))
        return str(parsed.authserv_id or ""), found
    except Exception:
        return _server(header), _scan(header)


def _scan(header: str) -> list[Result]:
    """Results found by pattern, for headers the parser refuses (and ARC ones)."""
    return [
        (m[0].lower(), m[1].lower(), (m[2] or "").lower())
        for m in re.findall(r"\b(dmarc|dkim|spf)\s*=\s*(\w+)(?:[^;]*?header\.(?:d|from)=([\w.-]+))?", header)
    ]


def judge(
    mail: Mail, clients: Mapping[str, Client], authserv_id: str, own_domain: str, expect_ours: bool = False
) -> Trust:
    """Who sent ``mail`` and whether to believe it; ``expect_ours``: the owner's server is
    known to write ``Authentication-Results``, so a mail without one is not believed."""
    sender = mail.sender
    client = client_of(sender, clients)
    mine = our_results(mail, authserv_id, own_domain)
    found = bool(mine)
    domains = {domain_of(sender), *(clients[client].trusted_domains if client else [])}
    doubt = _doubt(mail, client, clients) or failure(mine, mail, domains)
    if doubt:
        return Trust(client, False, doubt, found)
    if not mine:
        if expect_ours:
            return Trust(client, False, NONE_OF_OURS, found)
        return Trust(client, True, CLIENT_UNCHECKED, found)
    if passed(mine, domain_of(sender)):
        return Trust(client, True, CLIENT_PASSED, found)
    return Trust(client, False, NOT_PASSED, found)


# The reasons as the owner reads them (the forwards translate these: ``inbound.forward``).
CLIENT_UNCHECKED = "sender is the client's (no Authentication-Results of ours)"
CLIENT_PASSED = "sender is the client's; DMARC or aligned DKIM passed"
NONE_OF_OURS = "no Authentication-Results of our server, which writes them"
NOT_PASSED = "our server reports neither DMARC nor aligned DKIM passed"


def our_results(mail: Mail, authserv_id: str, own_domain: str) -> list[list[Result]]:
    """The results of each ``Authentication-Results`` the owner's server wrote, topmost first."""
    headers = mail.headers.get("authentication-results", [])
    return [_results(h)[1] for h in headers if ours(_server(h), authserv_id, own_domain)]


def passed(mine: list[list[Result]], sender_domain: str) -> bool:
    """Our server's topmost verdict: DMARC passed for the From domain, or DKIM passed for it
    or a parent of it."""
    return any(
        (method == "dmarc" and result == "pass" and (not domain or domain == sender_domain))
        or (method == "dkim" and result == "pass" and _aligned(domain, sender_domain))
        for method, result, domain in _verdict(mine)
    )


def one_sender(mail: Mail) -> str:
    """Why the From headers leave the sender in doubt (two headers, two addresses), or ""."""
    count = len(mail.headers.get("from", []))
    if count > 1:
        return f"{count} From headers"
    if len(mail.senders) > 1:
        return f"From names {len(mail.senders)} addresses"
    return ""


def _doubt(mail: Mail, client: str, clients: Mapping[str, Client]) -> str:
    """Why the From and Reply-To alone make the mail untrusted, or ""."""
    if doubt := one_sender(mail):
        return doubt
    if not client:
        return f"sender {mail.sender or '(none)'} is not a known client address"
    for reply_to in mail.reply_tos:
        if reply_to != mail.sender and client_of(reply_to, clients) != client:
            return f"Reply-To {reply_to} is not the client's"
    return ""


def failure(mine: list[list[Result]], mail: Mail, domains: set[str]) -> str:
    """A DMARC or DKIM failure in any header of ours, or a DMARC failure for one of
    ``domains`` (the sender's, the client's) written by any server (the owner's provider
    among them), or ""."""
    for results in mine:
        for method, result, _ in results:
            if method in ("dmarc", "dkim") and result == "fail":
                return f"our server reports {method}=fail"
    others = (
        *mail.headers.get("authentication-results", []),
        *mail.headers.get("arc-authentication-results", []),
    )
    for header in others:
        for method, result, domain in _scan(header):
            if method == "dmarc" and result == "fail" and domain in domains:
                return f"{_server(header) or 'a server'} reports dmarc=fail for {domain}"
    return ""


def _verdict(mine: list[list[Result]]) -> list[Result]:
    """The topmost verdict of ours: its first header, and the headers right below it while
    each reports methods not reported yet (servers that write one header per method).  A
    repeated method starts an older or forged header: a pass there does not count."""
    verdict: list[Result] = []
    for results in mine:
        methods = {method for method, _, _ in results}
        if verdict and methods & {method for method, _, _ in verdict}:
            break
        verdict.extend(results)
    return verdict


def _server(header: str) -> str:
    """The authserv-id: the first word before the first ';' (a version may follow it);
    in ``ARC-Authentication-Results`` the instance (``i=1;``) comes first."""
    if re.match(r"\s*i\s*=\s*\d+\s*;", header):
        header = header.split(";", 1)[1]
    words = header.split(";", 1)[0].split()
    return words[0] if words else ""


def _aligned(signing: str, sender_domain: str) -> bool:
    """Relaxed alignment: the DKIM domain is the From domain or a parent of it."""
    return bool(signing) and (sender_domain == signing or sender_domain.endswith("." + signing))
