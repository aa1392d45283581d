"""Pure: the entries of a bank mail that reports several payments at once.

Banks send one mail for a day's credits ("2 neue Gutschriften"): a block of labelled
lines ("Betrag:", "Auftraggeber:", "Verwendungszweck:") per payment, the blocks apart by
a blank line or a rule ("-----").  ``blocks`` cuts the mail's lines there, so each payment is read on its
own; it gives nothing when the amounts do not stand in separate paragraphs (a table, or
two amounts in one block), and such a mail stays unreadable: never a guess.
"""

from __future__ import annotations

MAX_BLOCKS = 20  # payments read from one mail


def blocks(lines: list[str], amount_lines: list[int]) -> list[list[str]]:
    """The paragraphs of ``lines`` holding each of ``amount_lines`` (indexes, in order),
    from the blank line before the first to the blank line before the next; [] when two
    amounts share a paragraph or there are more than ``MAX_BLOCKS``."""
    if not 2 <= len(amount_lines) <= MAX_BLOCKS:
        return []
    starts: list[int] = []
    for index in amount_lines:
        start = index
        while start > 0 and not _apart(lines[start - 1]):
            start -= 1
        if starts and start <= starts[-1]:
            return []  # no blank line between two amounts: one block, not two payments
        starts.append(start)
    ends = [*starts[1:], len(lines)]
    return [lines[start:end] for start, end in zip(starts, ends, strict=True)]


def _apart(line: str) -> bool:
    """A blank line, or a rule drawn with dashes, equals signs, underscores or box lines."""
    return not line.strip(" \t-=_*─━—–·")
