"""What the service keeps between passes, each checked against its source every pass.

The service passes every minute and whenever mail arrives; most passes find little
new.  Reading the ledger and every invoice's decision summary again each time would
be most of the work (figures in benchmarks/README.md), so the service keeps both and
reads again only what changed.  ``run --once`` keeps nothing.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from mailbot.config.settings import Settings
from mailbot.ledger.read import Ledger, load_ledger
from mailbot.records.facts import Facts
from mailbot.state.store import Store
from mailbot.state.summaries import EVERY


class LedgerCache:
    """The service reads the ledger again only when the file or the config changed.

    Parsing a large ledger takes seconds, and the service passes every minute and
    whenever mail arrives.  The key is a hash of the file's bytes (a same-size edit
    within one timestamp tick counts too; hashing is fast next to parsing) and the
    settings it is read with (clients, defaults, discount).
    """

    def __init__(self) -> None:
        self._key: tuple | None = None
        self._ledger: Ledger | None = None

    def load(self, settings: Settings) -> Ledger:
        try:
            content = hashlib.blake2b(settings.ledger_path.read_bytes(), digest_size=16).digest()
        except OSError:
            return load_ledger(settings)  # it reports what is wrong
        key = (str(settings.ledger_path), content, settings.model_dump_json())
        if self._ledger is None or key != self._key:
            self._ledger, self._key = load_ledger(settings), key
        return self._ledger


class FactsCache:
    """Each invoice's decision facts as the last pass read them, and how far it read.

    Every pass asks the store for the summaries saved since (``Store.facts_saved_since``):
    the invoices this pass summarised again (new replies, mails, payments) and whatever
    another program changed.  A different state file, or one that went back (restored
    from a backup), is read whole again.
    """

    def __init__(self) -> None:
        self._path: Path | None = None
        self._seq = EVERY
        self._facts: dict[str, Facts] = {}

    def load(self, store: Store, path: Path) -> dict[str, Facts]:
        if path != self._path:
            self._path, self._seq, self._facts = path, EVERY, {}
        changed, latest = store.facts_saved_since(self._seq)
        if latest < self._seq:  # another file, or this one put back: read whole again
            self._facts = {}
        self._facts.update(changed)
        self._seq = latest
        return self._facts

    def forget(self) -> None:
        """Let go of every kept fact (the next pass reads them all again)."""
        self._path, self._seq, self._facts = None, EVERY, {}
