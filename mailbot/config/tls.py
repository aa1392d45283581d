"""The TLS context a server section asks for: shared by SMTP and IMAP, verified by default."""

from __future__ import annotations

import ssl
from pathlib import Path


def tls_context(verify: bool, ca_file: Path | None) -> ssl.SSLContext:
    """System trust store (plus the owner's CA file); verification on unless told otherwise."""
    context = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context
