"""Every mail kind's SpamAssassin score, as a table: the figures of issue 15's spam check.

    PYTHONPATH=. python tests/spam_scores.py

Rows are the mail kinds (the samples of ``tests/samples/make_samples.py`` and the large
amounts of ``tests/test_spam_scores.py``), columns the languages; each cell is the score
SpamAssassin gave (``spamassassin -L``, Debian's rules, one process for all mails). Under the
table: the mails of ``mailbot demo`` and of a real SMTP delivery, and every rule that hit,
with its points and on how many mails.
"""

from __future__ import annotations

import contextlib
import io
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from samples.make_samples import CLIENTS
from spamassassin import Verdict, score_all
from test_spam_scores import client_mails, demo_mails, smtp_mails


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, contextlib.redirect_stdout(io.StringIO()):
        workdir = Path(tmp)
        mails = {**client_mails(workdir), **demo_mails(workdir), **smtp_mails(workdir)}
    verdicts = score_all(mails)
    client_table(verdicts)
    other_table(verdicts)
    hits = Counter(rule for v in verdicts.values() for rule in v.rules)
    points = {rule: p for v in verdicts.values() for rule, p in v.rules.items()}
    print(f"\nrules that hit ({len(verdicts)} mails):")
    for rule, count in hits.most_common():
        print(f"  {rule:28} {points[rule]:6.3f}  on {count} mails")


def client_table(verdicts: dict[str, Verdict]) -> None:
    kinds = dict.fromkeys(name.split("/", 1)[1] for name in verdicts if name.split("/")[0] in CLIENTS)
    print(f"| mail | {' | '.join(CLIENTS)} |")
    print(f"| --- |{' ---: |' * len(CLIENTS)}")
    for kind in kinds:
        cells = [f"{verdicts[f'{lang}/{kind}'].score:.2f}" for lang in CLIENTS]
        print(f"| {kind} | {' | '.join(cells)} |")


def other_table(verdicts: dict[str, Verdict]) -> None:
    by_kind: dict[str, list[float]] = {}
    for name, verdict in verdicts.items():
        if name.split("/")[0] not in CLIENTS:
            by_kind.setdefault(name.split(" ")[0], []).append(verdict.score)
    print("\n| other mails | how many | highest score |\n| --- | ---: | ---: |")
    for kind, scores in by_kind.items():
        print(f"| {kind} | {len(scores)} | {max(scores):.2f} |")


if __name__ == "__main__":
    main()
