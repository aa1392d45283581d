"""Pure: the ladder a client is chased along, and how their way of paying moves its tones.

A reliable payer (the last invoices paid on time) gets no heads-up and a softer tone;
a client with two or more late payments in a year gets each firmer tone one step
earlier; the owner's ``tone = "warm"`` softens every reminder one step.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache
from typing import Literal, NamedTuple

from mailbot.config.settings import TONES, Chase, Client, ClientTone, Step, Tone
from mailbot.ledger.invoices import Invoice

Profile = Literal["reliable", "usual", "late"]
"""How a client has paid (``payer_profile``): it moves the ladder's tones."""


class Ladder(NamedTuple):
    """A ladder as a pass walks it, worked out once."""

    steps: tuple[tuple[int, Step], ...]  # (position, step), positions rising
    positions: tuple[int, ...]
    days: dict[int, int]  # position: days from the due date
    ends_final: bool  # its last step is a final notice
    offsets: tuple[timedelta, ...]  # each step's days from the due date


def ladder_of(client: Client, chase: Chase, profile: Profile) -> Ladder:
    """The ladder this client is chased along: their own or the owner's, without the
    heads-up for a reliable payer."""
    return _ladder(client.ladder or chase.steps, profile == "reliable")


@cache
def _ladder(steps: tuple[Step, ...], reliable: bool) -> Ladder:
    """Few ladders exist (the default and the clients' own): each is worked out once,
    by value (a service that reads its config again each pass finds the same ones)."""
    pairs = tuple((i, s) for i, s in enumerate(steps, 1) if not (reliable and s.tone == "heads_up"))
    return Ladder(pairs, tuple(i for i, _ in pairs), {i: s.days for i, s in pairs},
                  bool(pairs) and pairs[-1][1].tone == "final",
                  tuple(timedelta(days=s.days) for _, s in pairs))  # fmt: skip


_FIXED_TONES: tuple[Tone, ...] = ("final", "heads_up")  # a final stays final; a heads-up only announces


def adapt(tone: Tone, profile: Profile, client_tone: ClientTone = "friendly") -> tuple[Tone, tuple[str, ...]]:
    """Softer for a reliable payer, one step firmer for a late one; final stays final.

    The owner's ``[clients.x] tone = "warm"`` softens every reminder one step too
    (a long-standing friend of the business), unless the client pays late.
    """
    if tone in _FIXED_TONES:
        return tone, ()
    index = TONES.index(tone)
    if profile == "reliable" and index > 1:
        return TONES[index - 1], ("softer tone: paid the last invoices on time",)
    if profile == "late" and TONES[index + 1] != "final":
        return TONES[index + 1], ("firmer tone one step earlier: 2 or more late payments in 12 months",)
    if client_tone == "warm" and index > 1:
        return TONES[index - 1], ("softer tone: the owner asked for a warm tone with this client",)
    return tone, ()


def payer_profile(invoices: list[Invoice], paid_on: dict[str, date], today: date) -> tuple[Profile, str]:
    """reliable | late | usual, with the reason, from this client's paid invoices."""
    paid = sorted(  # (paid on, due on, number), by the day paid, then the number
        ((paid_on[i.number], i.due_date, i.number) for i in invoices
         if i.number in paid_on and i.due_date is not None),
        key=lambda paid: (paid[0], paid[2]),
    )  # fmt: skip
    if not paid:
        return "usual", ""
    year_ago = today - timedelta(days=365)
    late = [number for day, due, number in paid if day > due and day >= year_ago]
    if len(late) >= 2:
        return "late", f"{len(late)} late payments in the last 12 months"
    recent = paid[-3:]
    if len(recent) >= 2 and all(day <= due for day, due, _ in recent):
        return "reliable", f"paid the last {len(recent)} invoices on time"
    return "usual", ""
