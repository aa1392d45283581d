"""Every mail a client can receive, kept as it reads (issue 12, part 4).

The samples of ``tests/samples/make_samples.py`` (each mail kind and tone, in English and
German, rendered through ``Mailer.build`` / ``Mailer.build_rows`` with the shipped example
business on Monday 7 December 2026) are compared with the snapshots in
``tests/snapshots/<lang>/<name>.txt``: subject, From, To and the whole text part, as a
reader saw and accepted them. A change of words shows as a diff here; once the new words
are read and wanted, accept them with

    MAILBOT_SNAPSHOTS=update pytest tests/test_mail_snapshots.py

and commit the snapshots with the change. The HTML part is not kept byte for byte (MJML's
markup would make every style change a diff); it must show the same heading, amount and
deadline as the text part.
"""

from __future__ import annotations

import difflib
import os
import re
from pathlib import Path

import pytest
from samples.make_samples import CLIENTS, STORIES, Sample, build

from mailbot.decide.policy import ACK_INTENTS
from mailbot.outbound.i18n import base_language, load_translations
from mailbot.outbound.sources import Sources

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = os.environ.get("MAILBOT_SNAPSHOTS") == "update"
CASES = [(lang, story) for lang in CLIENTS for story in STORIES]
IDS = [f"{lang}/{story.name}" for lang, story in CASES]


def words(lang: str, message: str) -> str:
    """``message`` in ``lang``, as the shipped catalog has it."""
    sources = Sources.of()
    po = sources.po_file(base_language(lang, sources.languages))
    return load_translations(po, lang).gettext(message)


AMOUNT = {
    lang: re.compile(rf"^{re.escape(words(lang, 'Amount due') + words(lang, ':'))} (.+)$", re.M)
    for lang in CLIENTS
}


@pytest.fixture(scope="module")
def samples(tmp_path_factory) -> dict[tuple[str, str], Sample]:
    workdir = tmp_path_factory.mktemp("samples")
    return {(lang, story.name): build(story, lang, workdir) for lang, story in CASES}


@pytest.mark.parametrize(("lang", "story"), CASES, ids=IDS)
def test_the_mail_reads_as_its_snapshot(samples, lang, story):
    sample = samples[lang, story.name]
    path = SNAPSHOTS / lang / f"{story.name}.txt"
    actual = sample.readable()
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    if not path.is_file():
        pytest.fail(f"no snapshot {path}; read the mail, then write it with MAILBOT_SNAPSHOTS=update")
    expected = path.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(difflib.unified_diff(
            expected.splitlines(keepends=True), actual.splitlines(keepends=True),
            fromfile=f"snapshot {lang}/{story.name}.txt", tofile="rendered now",
        ))  # fmt: skip
        pytest.fail(
            f"the {lang} mail '{story.name}' no longer reads as its snapshot:\n{diff}\n"
            "If the new words are wanted: MAILBOT_SNAPSHOTS=update pytest tests/test_mail_snapshots.py, "
            "then commit tests/snapshots/.",
            pytrace=False,
        )


def _heading(text: str) -> str:
    """What the mail says it is: its first line, when underlined ("Second reminder\\n=====")."""
    first, _, rest = text.partition("\n")
    return first if rest.startswith("=" * len(first)) and first else ""


def _box(text: str, lang: str) -> tuple[str, str]:
    """The amount asked, and the line under it (a pay-by date, a due date), if any."""
    found = AMOUNT[lang].search(text)
    if not found:
        return "", ""
    after = text[found.end() + 1 :].split("\n", 1)[0].strip()
    return found.group(1), after


@pytest.mark.parametrize(("lang", "story"), CASES, ids=IDS)
def test_the_html_part_shows_the_same_heading_amount_and_deadline(samples, lang, story):
    sample = samples[lang, story.name]
    text, html = sample.text, sample.html_words
    heading = _heading(text)
    amount, deadline = _box(text, lang)
    if heading:  # the heading, and the label of the amount box
        assert html.count(heading) >= 2, f"{heading!r} not shown twice in the HTML"
    if amount:
        assert amount in html
        assert html.index(amount) < html.index(words(lang, "How to pay"))
    if deadline:
        assert deadline in html, f"{deadline!r} not in the HTML"
    opening = text.split(",\n\n", 1)[1].split("\n\n", 1)[0]  # the paragraph after the greeting
    assert re.sub(r"[ \t\n]+", " ", opening) in html


@pytest.mark.parametrize("lang", list(CLIENTS))
def test_what_each_mail_shows(samples, lang):
    """So that the HTML check checks something: every chase mail has a heading and an amount
    box; a heads-up, the second and later reminders, a final notice and an invoice name a
    date under the amount; an acknowledgment, a receipt and a payment check ask for nothing."""
    for story in STORIES:
        sample = samples[lang, story.name]
        heading = _heading(sample.text)
        amount, deadline = _box(sample.text, lang)
        chase = story.today and story.today[0][1] in ("reminder", "final")
        assert bool(heading) == bool(chase), story.name
        # a payment check asks for nothing: the client says she paid (no "Amount due")
        asks = (bool(chase) and story.name != "claim_check") or story.invoice_mail is not None
        assert bool(amount) == asks, story.name
        dated = story.name in (
            "reminder_heads_up",
            "reminder_firm_warm",
            "reminder_firm",
            "reminder_final",
            "invoice",
            "invoice_late",
        )
        assert bool(deadline) == dated, (story.name, deadline)


def test_every_kind_and_tone_has_a_sample():
    """One sample per mail a client can receive: the invoice, each tone of the ladder, the
    answers to a promise and a claim, each acknowledgment, the receipt."""
    tones = {tone for story in STORIES for (_, _, _, tone) in story.today}
    assert {"heads_up", "friendly", "firm_warm", "firm", "final", "promise_followup", "claim_check"} <= tones
    acks = {story.about for story in STORIES if story.today and story.today[0][1] == "ack"}
    assert acks == set(ACK_INTENTS)
    kinds = {story.today[0][1] for story in STORIES if story.today}
    assert kinds == {"reminder", "final", "ack", "receipt"}
    assert any(story.invoice_mail for story in STORIES)
    assert any(len(story.today) > 1 for story in STORIES)  # a statement of several invoices
