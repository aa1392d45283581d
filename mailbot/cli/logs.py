"""The log: stderr, one line per record, as text for people or JSON for log shippers.

``--log-format json`` (or ``MAILBOT_LOG_FORMAT=json``) writes one JSON object a line:
``at`` (UTC, ISO 8601), ``level``, ``logger``, ``message``, ``invoice`` when the record
names one (``extra={"invoice": ...}`` where outcomes are logged), ``exception`` with a
traceback.  Journald, Docker and Loki read either; JSON needs no parsing rules.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import UTC, datetime

FORMATS = ("text", "json")
TEXT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonLines(logging.Formatter):
    """One JSON object per record, on one line (newlines in a message are escaped)."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        invoice = getattr(record, "invoice", None)
        if invoice:
            line["invoice"] = invoice
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def default_format() -> str:
    """``$MAILBOT_LOG_FORMAT`` when it names a format, else text."""
    wanted = os.environ.get("MAILBOT_LOG_FORMAT", "").strip().lower()
    return wanted if wanted in FORMATS else "text"


# Loggers of libraries that report their progress at INFO (a PDF is about ten lines).
CHATTY = ("weasyprint", "fontTools", "factur-x", "facturx", "PIL")


def setup_logging(verbose: bool, log_format: str) -> None:
    """Every record to stderr (stdout is for results scripts read)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLines() if log_format == "json" else logging.Formatter(TEXT))
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, handlers=[handler])
    for chatty in CHATTY:  # libraries that log each step of their work: one line per outcome is ours
        logging.getLogger(chatty).setLevel(logging.WARNING)
