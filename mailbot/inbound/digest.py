"""Once a day: the digest of held-back mail to the owner, and the retention of stored mail.

Runs in every pass after the inbox is read; cheap when there is nothing to do (two
indexed queries).  The digest lists the held-back mail of the days before today, so
a wave that lasts all day is one digest the next morning, not one per pass.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from mailbot.config.settings import Settings
from mailbot.inbound import junk
from mailbot.inbound.forward import to_owner
from mailbot.outbound.compose import new_message_id
from mailbot.outbound.owner_words import OwnerWords, for_owner
from mailbot.state.store import Claim, Store

log = logging.getLogger(__name__)


def tidy(store: Store, settings: Settings, now: datetime) -> None:
    """Claim the digest when one is due; drop stored mails older than ``keep_days``."""
    claim_digest(store, settings, now)
    dropped = store.prune_kept(now - timedelta(days=settings.inbox.keep_days))
    if dropped:
        log.info("dropped %d stored mails older than %d days", dropped, settings.inbox.keep_days)
        if store.compact():
            log.info("state file compacted")


def claim_digest(store: Store, settings: Settings, now: datetime) -> int:
    """The digest of the mail held back before today, claimed for the owner; how many it lists."""
    today = junk.day_of(now)
    rows = store.waiting_for_digest(today)
    if not rows:
        return 0
    words = for_owner(settings)
    subject, text = junk.digest(rows, _mailbox(settings, words), words)
    business = settings.business
    message_id = new_message_id(settings.domain, "digest")
    payload = to_owner(
        "digest", subject, text, business.name, business.email, business.owner, message_id, now, words=words
    )
    claim = Claim("digest", "digest", 0, message_id, payload=payload, recipients=business.owner)
    listed = store.claim_digest(claim, today, now)
    log.info("digest of %d held-back mails claimed for the owner", listed)
    return listed


def _mailbox(settings: Settings, words: OwnerWords) -> str:
    """Where the owner finds the held-back mail: mailbot never deletes it."""
    imap = settings.imap
    if imap.host:
        return words("the folder %(folder)s of %(account)s", folder=imap.folder,
                     account=f"{imap.username}@{imap.host}")  # fmt: skip
    return words("the Maildir %(path)s", path=str(settings.mail_dir / "inbox"))
