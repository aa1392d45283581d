"""Pure: does a reply really come from the client?

A sender counts as the client when its address is one of the client's, or its
domain is one of the client's domains (never a public provider's: for
``jane@gmail.com`` only that address counts).  Where the owner's own mail
server writes ``Authentication-Results`` (identified by its authserv-id, since
anyone can add such a header further down), DMARC or aligned DKIM must have
passed.  A ``Reply-To`` pointing outside the client makes the reply untrusted:
answering it would talk to someone else.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import authres

from mailbot.config.settings import Client, domain_of


@dataclass(frozen=True)
class Trust:
    client: str  # "" when the sender is nobody we know
    trusted: bool
    reason: str


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


def _results(header: str) -> tuple[str, list[tuple[str, str, str]]]:
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
        authserv_id = header.split(";", 1)[0].strip()
        found = [
            (m[0].lower(), m[1].lower(), (m[2] or "").lower())
            for m in re.findall(r"\b(dmarc|dkim|spf)=(\w+)(?:[^;]*?header\.(?:d|from)=([\w.-]+))?", header)
        ]
        return authserv_id, found


def judge(
    sender: str,
    reply_to: str,
    auth_headers: list[str],
    clients: Mapping[str, Client],
    authserv_id: str,
    own_domain: str,
) -> Trust:
    client = client_of(sender, clients)
    if not client:
        return Trust("", False, f"sender {sender or '(none)'} is not a known client address")
    if reply_to and reply_to != sender and client_of(reply_to, clients) != client:
        return Trust(client, False, f"Reply-To {reply_to} is not the client's")
    # Only the topmost header written by our own server counts; parse just that one.
    first = next((h for h in auth_headers if ours(_server(h), authserv_id, own_domain)), None)
    mine = [_results(first)[1]] if first is not None else []
    if not mine:
        return Trust(client, True, "sender is the client's (no Authentication-Results of ours)")
    results = mine[0]  # the topmost of ours: anything below it may have been written by the sender
    if any(method in ("dmarc", "dkim") and result == "fail" for method, result, _ in results):
        return Trust(client, False, "our server reports DMARC or DKIM failed")
    sender_domain = domain_of(sender)
    aligned = any(
        (method == "dmarc" and result == "pass")
        or (method == "dkim" and result == "pass" and _aligned(domain, sender_domain))
        for method, result, domain in results
    )
    if aligned:
        return Trust(client, True, "sender is the client's; DMARC or aligned DKIM passed")
    return Trust(client, False, "our server reports neither DMARC nor aligned DKIM passed")


def _server(header: str) -> str:
    """The authserv-id: the first word before the first ';' (a version may follow it)."""
    words = header.split(";", 1)[0].split()
    return words[0] if words else ""


def _aligned(signing: str, sender_domain: str) -> bool:
    """Relaxed alignment: the DKIM domain is the From domain or a parent of it."""
    return bool(signing) and (sender_domain == signing or sender_domain.endswith("." + signing))
