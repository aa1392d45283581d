"""The owner's mails in the owner's language (issue 15, part 1): ``[business] language``.

Forwards of replies, the digest of held-back mail, payments to check, notices, refusals and
alerts are written in the owner's language; commands, invoice numbers, addresses, the
client's own words and the ``[mailbot]`` subject prefix stay as they are.  An owner who sets
no language reads English, word for word as before (the other tests of each mail say so).
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po
from conftest import BASE_CONFIG, write_config
from test_imap import OWNER, _config, _sent_ids, reply

from mailbot.cli.main import main
from mailbot.config.settings import load_settings
from mailbot.decide.matching import REASONS
from mailbot.decide.policy import MAILED_LATE, OVERPAID
from mailbot.inbound import payments
from mailbot.inbound.forward import build_forward, summary
from mailbot.inbound.junk import digest
from mailbot.inbound.replies import Reply
from mailbot.inbound.trust import CLIENT_PASSED, CLIENT_UNCHECKED, NONE_OF_OURS, NOT_PASSED
from mailbot.outbound.owner_words import KIND_WORDS, OwnerWords, for_owner, owner_words
from mailbot.outbound.sources import Sources
from mailbot.records.language import ACKS_ONLY, LANGUAGE_NAMES, NO_TEMPLATES_YET, SUGGESTION_SUBJECT
from mailbot.records.said import Said
from mailbot.service.clock import utcnow
from mailbot.service.run_pass import run_once
from mailbot.service.watch import PassWatch
from mailbot.state.store import HeldBack

ROOT = Path(__file__).parent.parent
# The modules that write to the owner, and the calls that mark their words.
OWNER_MODULES = ["inbound/forward.py", "inbound/junk.py", "inbound/digest.py", "inbound/payments.py",
                 "service/claims.py", "service/refusals.py", "service/alerts.py"]  # fmt: skip
KEYWORDS = {"words": None, "plural": (1, 2), "N_": None}
LANGUAGES = ["de", "fi", "fr", "sr", "sr_Cyrl"]
PAYMENT_LINES = ("A_PAYMENT", "AMOUNT", "AMOUNT_FROM", "NO_PAYMENT_FOUND", "UNREADABLE", "OTHER_ACCOUNT", "NOT_RECORDED",
                 "RECORDED", "OVERPAID_LINE", "REVERSED", "OWN_NOT_SET")  # fmt: skip
NOW = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)


def _words(language: str) -> OwnerWords:
    return owner_words(Sources.of(), language)


def _with_language(language: str, base: str = BASE_CONFIG) -> str:
    """The sample config with ``[business] language`` set."""
    return base.replace('tax_id = "DE123456789"\n', f'tax_id = "DE123456789"\nlanguage = "{language}"\n', 1)


def _owner_messages() -> set[str]:
    """Every message the owner's mails use: marked in the modules, and the decisions' own."""
    found = {OVERPAID, MAILED_LATE, NO_TEMPLATES_YET, ACKS_ONLY, SUGGESTION_SUBJECT}
    found |= {CLIENT_UNCHECKED, CLIENT_PASSED, NONE_OF_OURS, NOT_PASSED}  # (the trust checks' reasons)
    found |= set(REASONS) | {getattr(payments, name) for name in PAYMENT_LINES}
    found |= set(KIND_WORDS.values()) | set(LANGUAGE_NAMES.values())
    found |= {"%(num)s mail(s) not sent for %(hours)s h", "(no sender)", "(no subject)",
              "Nothing was changed; mailbot only tells you, once.", "Nothing was changed; mailbot only tells you."}  # fmt: skip
    for module in OWNER_MODULES:
        for _, message, _, _ in extract_from_file(
            "python", str(ROOT / "mailbot" / module), keywords=KEYWORDS
        ):
            found.add(message if isinstance(message, str) else message[0])
    return found


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_word_of_the_owners_mails_is_translated(lang):
    with (ROOT / "templates" / "locale" / lang / "LC_MESSAGES" / "mailbot.po").open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    translated = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id and m.string}
    needed = _owner_messages()
    assert len(needed) > 80  # (the extraction found the modules' words)
    assert not sorted(needed - translated), f"{lang}: no translation for {sorted(needed - translated)}"


def _dispute() -> Reply:
    return Reply(
        "<r2@kaiser-soehne.example>", "buchhaltung@kaiser-soehne.example", "Re: Rechnung 2026-004",
        NOW, "dispute", invoice="2026-004", client="kaiser", trusted=True, trust_reason="known sender",
        phrase="der betrag stimmt nicht", new_words="Der Betrag stimmt nicht.", matched_by="thread",
    )  # fmt: skip


def _forward(words: OwnerWords, reply: Reply | None = None, reason: str = "dispute") -> EmailMessage:
    raw = build_forward(
        reply or _dispute(), reason, b"From: x\r\n\r\nbody\r\n", "Muster Design", "billing@muster-design.example",
        "owner@muster-design.example", "<f@muster-design.example>", NOW, words=words,
    )  # fmt: skip
    return message_from_bytes(raw, policy=policy.default)  # type: ignore[return-value]


def _text(mail: EmailMessage) -> str:
    return mail.get_body(("plain",)).get_content().replace("\r\n", "\n")  # type: ignore[union-attr]


def test_forward_of_a_dispute_speaks_the_owners_language():
    mail = _forward(_words("de"))
    assert mail["Subject"] == "[mailbot] Widerspruch: Re: Rechnung 2026-004"
    assert parseaddr(str(mail["From"]))[0] == "mailbot für Muster Design"
    text = _text(mail)
    assert text.startswith(
        "Widerspruch zu Rechnung 2026-004 von buchhaltung@kaiser-soehne.example (verifiziert)"
        " („der betrag stimmt nicht“): Die Rechnung wird bestritten; bis Sie `mailbot resume 2026-004`"
        " ausführen, werden keine Zahlungserinnerungen verschickt."
    )
    assert "Von: buchhaltung@kaiser-soehne.example\nBetreff: Re: Rechnung 2026-004\n" in text
    assert (
        "\nZugeordnet über: Gesprächsverlauf; Absenderprüfung: known sender\n" in text
    )  # (a reason with no words: as is)
    assert "Neuer Text der Antwort:\n\nDer Betrag stimmt nicht." in text  # (the client's words, as written)
    assert "Die Originalmail ist angehängt." in text
    assert "dispute" not in text and "The original" not in text


def test_forward_of_a_dispute_speaks_finnish_french_and_serbian_cyrillic_too():
    finnish = _forward(_words("fi"))
    assert finnish["Subject"] == "[mailbot] kiista: Re: Rechnung 2026-004"
    assert "`mailbot resume 2026-004`" in _text(finnish) and "Alkuperäinen viesti on liitteenä." in _text(
        finnish
    )
    # (the no-break space before the colon survives the subject's folding onto one line)
    assert _forward(_words("fr"))["Subject"] == "[mailbot] contestation\u00a0: Re: Rechnung 2026-004"
    cyrillic = _forward(_words("sr-Cyrl"))
    assert cyrillic["Subject"] == "[mailbot] оспоравање: Re: Rechnung 2026-004"
    assert "Оригинална порука је у прилогу." in _text(cyrillic)
    assert "`mailbot resume 2026-004`" in _text(cyrillic)  # (the command as the owner types it)


def test_forward_of_a_mail_too_large_gives_its_size_in_the_owners_numbers():
    big = b"x" * 2_500_000
    raw = build_forward(
        _dispute(), "dispute", big, "Muster Design", "billing@muster-design.example",
        "owner@muster-design.example", "<f@muster-design.example>", NOW, keep_bytes=1_000_000, words=_words("de"),
    )  # fmt: skip
    text = _text(message_from_bytes(raw, policy=policy.default))  # type: ignore[arg-type]
    assert "Die Originalmail hat 2.500.000 Bytes; angehängt sind nur die ersten 1.000.000." in text


def test_an_unsure_reading_reaches_the_owner_in_the_owners_language_with_the_day_in_its_locale():
    unsure = replace(_dispute(), intent="promise_to_pay", date=date(2026, 12, 15), confidence=0.55, unsure=True,
                     phrase="zahlen wir um den 15.")  # fmt: skip
    line = summary(unsure, "unsure", 3, _words("de"))
    assert (
        "mailbot versteht sie als eine Zahlungszusage für den 15.12.2026, ist sich aber nicht sicher (0,55"
        in line
    )
    assert "`mailbot confirm 2026-004 promise 2026-12-15`" in line  # (the command keeps ISO dates)
    assert "die nächste Zahlungserinnerung wird um 3 Werktage verschoben." in line
    serbian = summary(unsure, "unsure", 1, _words("sr"))
    assert "obećanje plaćanja za 15. 12. 2026." in serbian and "odlaže se za 1 radni dan." in serbian


def test_held_back_mail_is_listed_in_the_owners_language():
    rows = [HeldBack("2026-12-07", "", f"s{n % 400}@x.example", f"subject {n}", "unmatched", 2 * 1024 * 1024,
                     False) for n in range(1000)]  # fmt: skip
    rows += [HeldBack("2026-12-08", "", "flood@x.example", "buy", "unmatched", 10, False)] * 50
    subject, text = digest(rows, "dem Maildir-Ordner var/mail/inbox", _words("de"))
    assert subject == "[mailbot] zurückgehalten: 1.050 Mails von 401 Absendern (07.12.2026 bis 08.12.2026)"
    assert "(subject 999; 2,0 MB)" in text
    assert text.splitlines()[-1] == "... und 101 weitere Absender."
    fr_subject, fr_text = digest(rows[:1], "le dossier Maildir var/mail/inbox", _words("fr"))
    assert fr_subject == "[mailbot] retenus\u00a0: 1 e-mail de 1 expéditeur (07/12/2026)"
    assert "Rien n'a été supprimé" in fr_text


def test_notices_of_decisions_speak_the_owners_language_and_keep_the_english_record():
    overpaid = Said(OVERPAID, (("amount", Decimal("10.00")), ("currency", "EUR")))
    assert overpaid.english() == "overpaid by 10.00 EUR: please check and refund or credit"
    assert (
        _words("de").said(overpaid) == "um 10,00 EUR überzahlt: Bitte prüfen und erstatten oder gutschreiben"
    )
    late = Said(
        MAILED_LATE, (("today", date(2026, 12, 4)), ("due", date(2026, 11, 16)), ("told", date(2026, 12, 18)))
    )
    assert "after its due date 2026-11-16" in late.english()
    assert _words("fi").said(late).startswith("lähetetty 4.12.2026, eräpäivän 16.11.2026 jälkeen")


def test_a_language_suggestion_names_the_languages_in_the_owners_language():
    said = Said(ACKS_ONLY, (("client", "Virtanen Oy"), ("name", "German"), ("writes", "English"), ("replies", 3),
                            ("setting", 'language = "de"'), ("table", "[clients.virtanen]"), ("file", "mailbot.toml")),
                ("name", "writes"))  # fmt: skip
    text = _words("fr").said(said)
    assert text.startswith(
        "Virtanen Oy écrit en allemand (3 réponses)\u00a0; mailbot accuse réception en allemand"
    )
    assert 'indiquez language = "de" dans la section [clients.virtanen] de mailbot.toml.' in text


# --- The config ----------------------------------------------------------------------------------


def test_the_owners_language_is_english_unless_set_and_the_digest_follows_it(tmp_path):
    plain = load_settings(write_config(tmp_path / "plain"))
    assert (plain.business.language, plain.digest.language) == ("en", "en")
    assert for_owner(plain)("The original mail is attached.") == "The original mail is attached."
    german = load_settings(write_config(tmp_path / "de", base=_with_language("de")))
    assert (german.business.language, german.digest.language) == ("de", "de")
    assert for_owner(german)("The original mail is attached.") == "Die Originalmail ist angehängt."


def test_a_digest_language_set_apart_still_wins_for_the_digest(tmp_path):
    both = load_settings(write_config(tmp_path, '\n[digest]\nlanguage = "fi"\n', base=_with_language("de")))
    assert (both.business.language, both.digest.language) == ("de", "fi")
    only_digest = load_settings(write_config(tmp_path / "old", '\n[digest]\nlanguage = "de"\n'))
    assert (only_digest.business.language, only_digest.digest.language) == ("en", "de")  # (as before)


def test_check_rejects_an_owner_language_without_translations(tmp_path, capsys):
    config = write_config(tmp_path, base=_with_language("it"))
    assert main(["--config", str(config), "check"]) == 1
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if "[business] language" in line)
    number = config.read_text().splitlines().index('language = "it"') + 1
    assert line.startswith(f"{config}:{number}: [business] language: no translation for 'it'")


def test_check_rejects_a_digest_language_without_translations_and_passes_a_known_owner_language(
    tmp_path, capsys
):
    config = write_config(tmp_path, '\n[digest]\nlanguage = "pt"\n', base=_with_language("sr-Cyrl"))
    assert main(["--config", str(config), "check"]) == 1
    out = capsys.readouterr().out
    assert "[digest] language: no translation for 'pt'" in out
    assert "[business] language" not in out


def test_a_malformed_owner_language_names_the_key(tmp_path, capsys):
    config = write_config(tmp_path, base=_with_language("German!"))
    assert main(["--config", str(config), "check"]) == 1
    number = config.read_text().splitlines().index('language = "German!"') + 1
    expected = (
        f"{config}:{number}: [business] language: 'German!' is not a language code like en, de or de-AT"
    )
    assert expected in capsys.readouterr().out.splitlines()


# --- Over the real servers -----------------------------------------------------------------------


def _owner_mails(smtp_server, tag: str) -> list[EmailMessage]:
    mails = [message_from_bytes(m.raw, policy=policy.default) for m in smtp_server.messages]
    return [m for m in mails if m["X-Mailbot"] == tag]  # type: ignore[misc]


def test_a_dispute_read_from_the_inbox_is_forwarded_in_the_owners_language(tmp_path, smtp_server, dovecot):
    config = _config(tmp_path, smtp_server, dovecot)
    config.write_text(_with_language("de", config.read_text()))
    assert main(["--config", str(config), "run", "--once"]) == 0
    ids = _sent_ids(config)
    dovecot.append(reply("r2@kaiser-soehne.example", ids["2026-004"], "Der Betrag stimmt nicht.",
                         sender="buchhaltung@kaiser-soehne.example"))  # fmt: skip
    assert main(["--config", str(config), "run", "--once"]) == 0
    (forward,) = _owner_mails(smtp_server, "forward")
    assert forward["To"] == OWNER
    assert forward["Subject"].startswith("[mailbot] Widerspruch: ")
    assert _text(forward).startswith("Widerspruch zu Rechnung 2026-004 von buchhaltung@kaiser-soehne.example")
    assert "`mailbot resume 2026-004`" in _text(forward)


def test_a_payment_to_check_speaks_the_owners_language(tmp_path, smtp_server, dovecot):
    from test_payment_mail import OURS, SOURCES, paypal

    config = _config(tmp_path, smtp_server, dovecot, SOURCES)
    text = config.read_text().replace("timeout = 10\n", f'timeout = 10\nauthserv_id = "{OURS}"\n', 1)
    config.write_text(_with_language("de", text))
    assert main(["--config", str(config), "run", "--once"]) == 0
    dovecot.append(paypal("u1@paypal.com", "123.45", "thanks for the coffee", "1AB"))
    assert main(["--config", str(config), "run", "--once"]) == 0
    (told,) = _owner_mails(smtp_server, "payment")
    assert told["Subject"] == "[mailbot] Zahlung prüfen: You've got money"
    body = _text(told)
    assert body.startswith("Eine Zahlungsbenachrichtigung von PayPal (service@paypal.com); ")
    assert "- 123,45 EUR von Acme Ltd: nennt keine offene Rechnung und passt zu keinem offenen Betrag" in body
    assert (
        "Von Ihnen zu erledigen:" in body
        and "`mailbot mark-paid INVOICE [--amount X] [--on YYYY-MM-DD]`" in body
    )
    assert body.rstrip().endswith("Die Originalmail ist angehängt.")


def test_an_address_refused_for_good_is_told_in_the_owners_language(tmp_path, smtp_server):
    cc = "chef@kaiser-soehne.example"
    smtp_server.handler.reject[cc] = "550 5.1.1 <chef@kaiser-soehne.example>: no such user"
    config = write_config(tmp_path, smtp_server.toml(), base=_with_language("de"))
    for _ in range(2):
        assert main(["--config", str(config), "run", "--once"]) == 0
    (notice,) = _owner_mails(smtp_server, "notice")
    assert notice["Subject"] == f"[mailbot] Rechnung 2026-004: {cc} abgewiesen"
    assert _text(notice).startswith(
        f"Rechnung 2026-004: Die Mail (Rechnung) an {cc} wurde endgültig abgewiesen ("
    )
    assert "(`email` oder `cc` des Kunden)" in _text(notice)


def test_a_mail_stuck_unsent_is_told_in_the_owners_language_and_logged_in_english(
    tmp_path, smtp_server, caplog
):
    settings = load_settings(write_config(tmp_path, smtp_server.toml(), base=_with_language("fi")))
    watch, start = PassWatch(60.0), utcnow()
    smtp_server.stop()
    for hours in (0, 3):
        report = run_once(settings, start + timedelta(hours=hours))
        watch.end(settings, None, start + timedelta(hours=hours), report, "")
    assert any("2 mail(s) claimed more than 2 h ago" in r.getMessage() for r in caplog.records)
    smtp_server.start()
    later = start + timedelta(hours=4)
    watch.end(settings, None, later, run_once(settings, later), "")
    (alert,) = _owner_mails(smtp_server, "alert")
    assert alert["Subject"] == "[mailbot] 2 viestiä lähettämättä 2 tuntiin"
    text = _text(alert)
    assert text.startswith(
        "2 yli 2 tuntia sitten jonoon pantua viestiä on yhä lähettämättä: 2026-001 (invoice)"
    )
    assert "mailbot ilmoittaa tästä vain kerran" in text and "`mailbot health`" in text


def test_a_late_mail_notice_speaks_the_owners_language(tmp_path, smtp_server, late_mail_notices):
    from test_conversation import BERLIN, CHASED, LATE

    base = _with_language("sr", CHASED)
    config = write_config(tmp_path, smtp_server.toml(), ledger=LATE, base=base)
    run_once(load_settings(config), datetime(2026, 12, 4, 10, tzinfo=BERLIN))
    (notice,) = _owner_mails(smtp_server, "notice")
    assert notice["Subject"].startswith("[mailbot] faktura ")
    text = _text(notice)
    assert re.search(r"poslata tek 4\. 12\. 2026\., posle roka plaćanja \(16\. 11\. 2026\.\)", text), text
    assert "Ništa nije promenjeno; mailbot Vas samo obaveštava." in text


def test_a_stranger_claiming_payment_is_forwarded_with_the_trust_checks_reason_in_the_owners_language():
    stranger = replace(_dispute(), intent="payment_claimed", trusted=False, trust_reason=NOT_PASSED)
    line = summary(stranger, "payment_claimed", 3, _words("de"))
    assert line.startswith("Zahlung gemeldet zu Rechnung 2026-004 von buchhaltung@kaiser-soehne.example (NICHT verifiziert:"
                           " unser Server meldet weder DMARC noch passendes DKIM als bestanden)")  # fmt: skip
    assert NOT_PASSED in summary(stranger, "payment_claimed")  # (English: the checks' own words)


def test_the_daily_digest_follows_the_owners_language_when_its_own_is_not_set(tmp_path):
    from test_daily_digest import LEDGER, NOW
    from test_daily_digest import _digests as daily_digests
    from test_daily_digest import _text as daily_text

    digest = '\n[digest]\nenabled = true\nhour = 8\ntimezone = "Europe/Berlin"\nsend_empty = true\n'
    config = write_config(tmp_path, digest, ledger=LEDGER, base=_with_language("de"))
    run_once(load_settings(config), NOW - timedelta(days=5))
    run_once(load_settings(config), NOW)
    mail = daily_digests(config)[-1]
    assert mail["Subject"].startswith("[mailbot] Tagesübersicht für Muster Design")
    assert parseaddr(str(mail["From"]))[0] == "mailbot für Muster Design"
    assert "Offene Forderungen" in daily_text(mail)
