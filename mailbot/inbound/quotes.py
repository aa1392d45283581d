"""Pure: the new words of a reply, without quoted history and signatures.

``mail-parser-reply`` knows the quote headers of English, German and French
mail programs; Finnish and Serbian (Latin and Cyrillic) headers, phone
signatures and a few Outlook variants are added here.  The rule is to cut at
the *first* line that starts quoted history, so that tempting words in the
quote ("paid", "dispute") never reach the classifier.
"""

from __future__ import annotations

import re

from mailparser_reply import EmailReplyParser

_PARSER = EmailReplyParser(languages=["en", "de", "fr"])

# A line that starts the quoted original (the line itself and all after it go).
_SEPARATOR = re.compile(
    r"""^\s*(?:
      -{2,}\s*(?:original\s+message|ursprüngliche\s+nachricht|message\s+d'origine|
               alkuperäinen\s+viesti|originalna\s+poruka|оригинална\s+порука|
               forwarded\s+message|weitergeleitete\s+nachricht|message\s+transféré)\s*-{2,}
    | _{10,}\s*$
    )""",
    re.IGNORECASE | re.VERBOSE,
)
# "On <date>, <name> wrote:" in many languages; it carries a date, time or address
# (so "as you wrote:" in the client's own words does not count) and ends with a colon.
_ATTRIBUTION = re.compile(
    r"\b(?:wrote|schrieb|a\s+écrit|kirjoitti|napisao|napisala|написао|написала|"
    r"escribió|ha\s+scritto|schreef)\b.*:\s*$",
    re.IGNORECASE,
)
_FROM_LINE = re.compile(r"^\s*(?:\*\*)?(?:from|von|de|lähettäjä|od|од|van|da)(?:\*\*)?\s*:", re.I)
# A "From:" line starts a quoted header block only with a second header line right
# after it (a line "From: ..." alone could be the client's own words).
_HEADER_BLOCK_NEXT = re.compile(
    r"^\s*(?:\*\*)?(?:sent|gesendet|envoyé|lähetetty|poslato|послато|послано|date|datum|"
    r"päivämäärä|to|an|à|vastaanottaja|za|за|subject|betreff|objet|aihe|predmet|предмет|"
    r"cc|kopio)(?:\*\*)?\s*:",
    re.IGNORECASE,
)
# A line that starts the sender's signature.
_SIGNATURE = re.compile(
    r"""^\s*(?:
      --\s*$ | __\s*$
    | (?:sent|envoyé)\s+(?:from|de(?:puis)?)\s+(?:my|mon)\s.{0,40}$
    | gesendet\s+von\s+(?:meinem|mein)\s.{0,40}$
    | von\s+meinem\s.{0,40}\s+gesendet\s*$
    | lähetetty\s+(?:iphonesta|android|.{0,30}puhelimesta).{0,30}$
    | poslato\s+sa\s+(?:mog|moje).{0,40}$
    | послато\s+са\s.{0,40}$
    | get\s+outlook\s+for\s.{0,20}$
    )""",
    re.IGNORECASE | re.VERBOSE,
)


# A line that closes the message ("Kind regards,", "Mit freundlichen Grüßen", "Srdačan
# pozdrav"): what follows is a name, a title, an address, office hours and holiday
# dates, none of it the sender's message.  Thanks alone is not a closing: it may be
# the whole message.
_CLOSING = re.compile(
    r"""^\s*(?:(?:many\s+)?thanks\s+(?:and|&)\s+|danke\s+und\s+|kiitos\s+ja\s+|hvala\s+i\s+|merci\s+et\s+)?(?:
      (?:kind|best|warm|warmest|many)?\s*regards | best(?:\s+wishes)? | cheers | sincerely
    | yours(?:\s+(?:sincerely|faithfully|truly))? | all\s+the\s+best | br | kr
    | mit\s+(?:freundlichen|besten|herzlichen)\s+grüßen | mfg
    | (?:freundliche|viele|beste|liebe|herzliche|schöne)\s+grüße
    | gruß | grüße | lg | vg | bg | schönes\s+wochenende
    | (?:ystävällisin|parhain)?\s*terveisin | yst\.?\s*terv\.? | kiittäen
    | hyvää\s+(?:päivänjatkoa|viikonloppua)
    | (?:srdačan|lep|srdačni)\s+pozdrav[ie]? | srdačno | pozdrav[ie]? | s[a]?\s+poštovanjem | hvala\s+unapred
    | (?:срдачан|леп)\s+поздрав | срдачно | поздрав[и]? | са?\s+поштовањем | хвала\s+унапред
    | (?:bien\s+)?cordialement | bien\s+à\s+vous | (?:sincères\s+)?salutations | bonne\s+(?:journée|soirée)
    | belle\s+journée | à\s+bientôt | merci\s+(?:d'avance|par\s+avance)
    )\s*[.,!]*\s*$""",
    re.IGNORECASE | re.VERBOSE,
)


def new_words(text: str) -> str:
    """The part of ``text`` the sender wrote just now.

    Top-posted replies (Outlook, phones) lose everything from the quote header
    on.  Bottom-posted and inline replies (Thunderbird, "> " quoting) keep the
    sender's lines between and after the quoted ones.
    """
    if not text:
        return ""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept, found = _strip_quotes(lines)
    body = "\n".join(kept)
    if not found:  # nothing we know: let the library try its patterns
        try:
            parsed = _PARSER.parse_reply(body)
        except Exception:  # the library is regex-heavy; never let it stop us
            parsed = body
        body = parsed if parsed and parsed.strip() else body
    return _cut_signature(body).strip()


def _strip_quotes(lines: list[str]) -> tuple[list[str], bool]:
    """(the sender's own lines, whether any quote was found)."""
    kept: list[str] = []
    found = False
    for index, line in enumerate(lines):
        if line.lstrip().startswith(">"):
            found = True
            continue
        if _starts_quote(line, lines[index + 1 : index + 4]):
            found = True
            following = next((entry for entry in lines[index + 1 :] if entry.strip()), "")
            if _ATTRIBUTION.search(line) and following.lstrip().startswith(">"):
                kept = _drop_trailing_attribution(kept)
                continue  # "On ... wrote:" above "> " lines: inline replies may follow
            return _drop_trailing_attribution(kept), found
        kept.append(line)
    return kept, found


def _starts_quote(line: str, following: list[str]) -> bool:
    if _SEPARATOR.match(line):
        return True
    if _ATTRIBUTION.search(line) and re.search(r"\d|@", line):
        return True
    if _FROM_LINE.match(line):
        return any(_HEADER_BLOCK_NEXT.match(entry) for entry in following if entry.strip())
    return False


def _drop_trailing_attribution(lines: list[str]) -> list[str]:
    """'On Mon ... at 10:02, Muster Design <billing@...>' may wrap before 'wrote:'."""
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    last = lines[-1] if lines else ""
    if (
        len(last) < 120
        and re.search(r"\d{1,2}[:.]\d{2}|\d{4}", last)
        and re.match(r"^\s*(on|am|le|el|il|\w{2,4}\.?,?\s+\d)", last, re.IGNORECASE)
    ):
        lines = lines[:-1]
    return lines


def _cut_signature(text: str) -> str:
    """Cut at a signature mark, or at a closing line that follows the message."""
    lines = text.split("\n")
    for index, line in enumerate(lines):
        if index > 0 and _SIGNATURE.match(line):
            return "\n".join(lines[:index])
        if index > 0 and _CLOSING.match(line.replace("\u2019", "'")) and _said_before(lines[:index]):
            return "\n".join(lines[:index])
    return text


def _said_before(lines: list[str]) -> bool:
    """More than a greeting stands before: "Hi," alone is no message."""
    said = [line for line in lines if line.strip()]
    return len(said) > 1 or (len(said) == 1 and not said[0].rstrip().endswith(","))
