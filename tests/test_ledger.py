"""The ledger: real malformed CSV files, hand-checked money, and what the CLI makes of both.

``tests/ledgers/bad/`` holds one CSV per realistic mistake (an owner's or a
spreadsheet export's); ``expected.toml`` there says, for each, the exact
``FILE:LINE: message`` lines and which invoices must still go out.
"""

from __future__ import annotations

import json
import os
import tomllib
from datetime import UTC, datetime
from decimal import Decimal
from email import message_from_bytes
from email import policy as email_policy
from pathlib import Path

import pytest
from conftest import BASE_CONFIG, BASE_LEDGER, write_config

from mailbot.cli import main as cli
from mailbot.config.settings import Settings, load_settings
from mailbot.decide import policy
from mailbot.ledger.read import Invoice, Ledger, LineItem, load_ledger

CORPUS = Path(__file__).parent / "ledgers" / "bad"
EXPECTED = tomllib.loads((CORPUS / "expected.toml").read_text(encoding="utf-8"))
CORPUS_FILES = sorted(CORPUS.glob("*.csv"))
HEADER = "invoice,client,issue_date,due_date,description,quantity,unit,unit_price,tax_rate,discount\n"
# After every issue date in the corpus, so each valid invoice is due to go out.
LATER = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def settings_for(directory: Path, ledger: str = BASE_LEDGER) -> Settings:
    """The shared test config with ``ledger`` as its ledger.csv."""
    return load_settings(write_config(directory, ledger=ledger))


def settings_reading(directory: Path, ledger_path: Path) -> Settings:
    """The shared test config with ``[ledger] path`` pointing at a corpus file, read in place."""
    base = BASE_CONFIG.replace('path = "ledger.csv"', f"path = '{ledger_path}'")
    assert base != BASE_CONFIG
    return load_settings(write_config(directory, base=base))


def parse(directory: Path, csv_text: str) -> Ledger:
    return load_ledger(settings_for(directory, csv_text))


def short_lines(ledger: Ledger) -> list[str]:
    """The problems as ``NAME:LINE: message``, FILE cut to the file name: paths don't matter."""
    assert all(p.file == str(ledger.path) for p in ledger.problems)
    return sorted(f"{ledger.path.name}:{p.line}: {p.message}" for p in ledger.problems)


def totals(invoice: Invoice) -> tuple[Decimal, Decimal, Decimal]:
    t = invoice.totals
    return t.net, t.tax, t.gross


# the corpus ------------------------------------------------------------------


def test_every_corpus_file_has_expectations_and_vice_versa():
    assert sorted(EXPECTED) == [p.name for p in CORPUS_FILES]
    assert len(CORPUS_FILES) >= 20


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.stem)
def test_malformed_ledger_reports_exactly_the_expected_lines(path: Path, tmp_path: Path):
    ledger = load_ledger(settings_reading(tmp_path, path))
    assert short_lines(ledger) == sorted(EXPECTED[path.name]["problems"])


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.stem)
def test_bad_row_keeps_other_invoices_sendable(path: Path, tmp_path: Path):
    expected = EXPECTED[path.name]
    settings = settings_reading(tmp_path, path)
    ledger = load_ledger(settings)
    assert sorted(i.number for i in ledger.valid()) == sorted(expected["valid"])
    assert sorted(ledger.invoices) == sorted(expected["valid"] + expected["invalid"])
    # "valid" means really going out: the policy picks every one that is not cancelled.
    actions = policy.next_actions(ledger.valid(), {}, settings.clients, LATER)
    sendable = [i.number for i in ledger.valid() if not i.cancelled]
    assert [a.invoice for a in actions if a.kind == "invoice"] == sendable


def test_windows_1252_ledger_is_read_with_its_umlauts(tmp_path: Path):
    ledger = load_ledger(settings_reading(tmp_path, CORPUS / "windows_1252.csv"))
    descriptions = [item.description for item in ledger.invoices["2026-102"].items]
    assert descriptions == ["Geschäftsausstattung", "Fachbuch „Typografie“"]


def test_multiline_description_is_one_item_with_its_line_breaks(tmp_path: Path):
    ledger = load_ledger(settings_reading(tmp_path, CORPUS / "multiline_description.csv"))
    first, hosting = ledger.invoices["2026-103"].items
    assert first.description == "Website relaunch:\n- 5 page templates\n- contact form"
    assert (first.line, hosting.line) == (3, 6)


def test_semicolon_export_reads_quoted_separators_and_quotes(tmp_path: Path):
    ledger = load_ledger(settings_reading(tmp_path, CORPUS / "semicolon_excel_export.csv"))
    items = ledger.invoices["2026-101"].items
    assert [i.description for i in items] == [
        'Workshop "Brand"; full day',
        "Logo design, two rounds",
    ]
    assert totals(ledger.invoices["2026-101"]) == (
        Decimal("3360.00"),
        Decimal("638.40"),
        Decimal("3998.40"),
    )


def test_row_without_invoice_number_holds_back_the_invoice_above(tmp_path: Path):
    # Sending 2026-001 without its second line would bill 1428.00 instead of 3998.40.
    ledger = parse(
        tmp_path,
        HEADER
        + "2026-001,acme,2026-11-02,,Brand workshop,1,day,1200.00,19,\n"
        + ",,,,Logo design,1,,2400.00,19,10\n"
        + "2026-002,kaiser,2026-11-09,,Beratung,2,h,95.00,19,\n",
    )
    assert short_lines(ledger) == [
        "ledger.csv:3: invoice 2026-001: column 'invoice': empty (write the invoice number on every row)"
    ]
    assert [i.number for i in ledger.valid()] == ["2026-002"]


def test_unclosed_quote_in_a_long_ledger_is_reported_not_raised(tmp_path: Path):
    # 3000 swallowed rows exceed the csv module's 128 KiB field limit: csv.Error inside.
    rows = "".join(
        f"2026-{n:04d},acme,2026-11-20,,Hosting month {n},1,month,20.00,19,\n" for n in range(1000, 4000)
    )
    ledger = parse(
        tmp_path,
        HEADER
        + "2026-0001,acme,2026-11-02,,Brand workshop,1,day,1200.00,19,\n"
        + '2026-0002,kaiser,2026-11-09,,"Beratung Messestand,8,h,95.00,19,\n'
        + rows,
    )
    [problem] = ledger.problems
    assert problem.line == 3
    assert problem.message.startswith("cannot read on from this line (field larger than")
    assert problem.message.endswith("is a quote opened here never closed?")
    assert [i.number for i in ledger.valid()] == ["2026-0001"]


# money, checked by hand -------------------------------------------------------


def test_fractional_hours_are_billed_exactly(tmp_path: Path):
    ledger = parse(tmp_path, HEADER + "2026-201,acme,2026-11-02,,Design,7.5,h,95.00,19,\n")
    invoice = ledger.invoices["2026-201"]
    # 7.5 x 95.00 = 712.50; 19 % = 135.375 -> 135.38; 712.50 + 135.38 = 847.88
    assert invoice.items[0].net == Decimal("712.50")
    assert totals(invoice) == (Decimal("712.50"), Decimal("135.38"), Decimal("847.88"))


def test_discount_takes_its_percentage_off_the_line(tmp_path: Path):
    ledger = parse(tmp_path, BASE_LEDGER)
    acme = ledger.invoices["2026-001"]
    # 2400.00 - 10 % = 2160.00; net 1200.00 + 2160.00 = 3360.00; 19 % = 638.40
    assert [i.net for i in acme.items] == [Decimal("1200.00"), Decimal("2160.00")]
    assert totals(acme) == (Decimal("3360.00"), Decimal("638.40"), Decimal("3998.40"))
    kaiser = ledger.invoices["2026-004"]
    # 850.00 x 19 % = 161.50; 39.00 x 7 % = 2.73; net 889.00, tax 164.23
    assert totals(kaiser) == (Decimal("889.00"), Decimal("164.23"), Decimal("1053.23"))


def test_tax_is_per_rate_on_the_sum_of_rounded_line_nets(tmp_path: Path):
    ledger = parse(
        tmp_path,
        HEADER
        + "2026-202,kaiser,2026-11-09,,Gestaltung,7.5,h,95.00,19,\n"
        + "2026-202,kaiser,,,Stockfotos,3,Stk.,12.35,19,\n"
        + "2026-202,kaiser,,,Fachbuch Typografie,1,Stk.,10.50,7,\n"
        + "2026-202,kaiser,,,Fachzeitschrift,1,Heft,12.50,7,\n"
        + "2026-202,kaiser,,,Porto (nicht steuerbar),1,,4.90,0,\n",
    )
    invoice = ledger.invoices["2026-202"]
    # line nets: 712.50, 37.05 (3 x 12.35), 10.50, 12.50, 4.90
    # 19 %: base 712.50 + 37.05 = 749.55; 749.55 x 0.19 = 142.4145 -> 142.41
    #       (per line: 135.375 -> 135.38 and 7.0395 -> 7.04 = 142.42: wrong)
    #  7 %: base 10.50 + 12.50 = 23.00;    23.00 x 0.07 =   1.61   -> 1.61
    #       (per line: 0.735 -> 0.74 and 0.875 -> 0.88 = 1.62: wrong)
    #  0 %: base 4.90, tax 0.00
    # net 749.55 + 23.00 + 4.90 = 777.45; tax 142.41 + 1.61 = 144.02; gross 921.47
    # (per-line rounding would give tax 144.04 and gross 921.49)
    groups = [(g.rate, g.base, g.tax) for g in invoice.totals.taxes]
    assert groups == [
        (Decimal(19), Decimal("749.55"), Decimal("142.41")),
        (Decimal(7), Decimal("23.00"), Decimal("1.61")),
        (Decimal(0), Decimal("4.90"), Decimal("0.00")),
    ]
    assert totals(invoice) == (Decimal("777.45"), Decimal("144.02"), Decimal("921.47"))


def test_half_a_cent_rounds_up_away_from_zero(tmp_path: Path):
    ledger = parse(
        tmp_path,
        HEADER
        + "2026-301,acme,2026-11-02,,Copies,3,,0.335,0,\n"
        + "2026-301,acme,,,Envelopes,3,,0.50,7,\n"
        + "2026-302,acme,2026-11-02,,Print run,1,,100.00,0,\n"
        + "2026-302,acme,,,Credit: misprints,-3,,0.335,0,\n",
    )
    # 3 x 0.335 = 1.005 -> 1.01 (banker's rounding would give 1.00)
    # 3 x 0.50 = 1.50; 7 % = 0.105 -> 0.11 (banker's: 0.10)
    # net 1.01 + 1.50 = 2.51; tax 0.11; gross 2.62
    invoice = ledger.invoices["2026-301"]
    assert [i.net for i in invoice.items] == [Decimal("1.01"), Decimal("1.50")]
    assert totals(invoice) == (Decimal("2.51"), Decimal("0.11"), Decimal("2.62"))
    # -3 x 0.335 = -1.005 -> -1.01 (away from zero); 100.00 - 1.01 = 98.99
    credit = ledger.invoices["2026-302"]
    assert credit.items[1].net == Decimal("-1.01")
    assert totals(credit) == (Decimal("98.99"), Decimal("0.00"), Decimal("98.99"))


def test_yen_has_no_minor_unit(tmp_path: Path):
    ledger = parse(
        tmp_path,
        "invoice,client,issue_date,currency,description,quantity,unit_price,tax_rate\n"
        "2026-401,acme,2026-11-02,JPY,Illustration,3,333.5,10\n",
    )
    invoice = ledger.invoices["2026-401"]
    # 3 x 333.5 = 1000.5 -> 1001 JPY; 10 % = 100.1 -> 100; gross 1101
    assert str(invoice.items[0].net) == "1001"
    assert totals(invoice) == (Decimal(1001), Decimal(100), Decimal(1101))
    assert str(invoice.totals.gross) == "1101"


def test_currency_on_a_later_row_rounds_every_line_in_that_currency(tmp_path: Path):
    ledger = parse(
        tmp_path,
        "invoice,client,issue_date,currency,description,quantity,unit_price,tax_rate\n"
        "2026-402,acme,2026-11-02,,Illustration,3,333.5,10\n"
        "2026-402,acme,,JPY,Usage rights,1,2000,10\n"
        "2026-403,kaiser,2026-11-09,,Beratung,3,333.5,19\n",
    )
    yen = ledger.invoices["2026-402"]
    assert yen.currency == "JPY"
    # the first line is rounded as yen, not as euro: 1000.5 -> 1001 (not 1000.50)
    # net 1001 + 2000 = 3001; 10 % = 300.1 -> 300; gross 3301
    assert [i.net for i in yen.items] == [Decimal(1001), Decimal(2000)]
    assert totals(yen) == (Decimal(3001), Decimal(300), Decimal(3301))
    assert yen.gross == Decimal(3301)  # the kept total: of the lines as rounded at the end
    euro = ledger.invoices["2026-403"]  # no currency anywhere: the config's EUR
    assert (euro.currency, euro.items[0].net) == ("EUR", Decimal("1000.50"))


def test_paid_on_without_paid_amount_means_fully_paid(tmp_path: Path):
    ledger = parse(
        tmp_path,
        "invoice,client,issue_date,description,quantity,unit_price,paid_on,paid_amount\n"
        "2026-501,acme,2026-11-02,Brand workshop,1,1200.00,2026-11-10,\n"
        "2026-502,acme,2026-11-02,Logo design,1,2400.00,2026-11-12,1000.00\n"
        "2026-503,acme,2026-11-02,Icon set,1,600.00,,\n",
    )
    assert ledger.problems == []
    full, part, unpaid = (ledger.invoices[n] for n in ("2026-501", "2026-502", "2026-503"))
    # 1200.00 + 19 % = 1428.00, all of it paid
    assert (full.ledger_paid, policy.balance(full)) == (Decimal("1428.00"), Decimal("0.00"))
    # 2400.00 + 19 % = 2856.00; 1000.00 paid leaves 1856.00
    assert (part.ledger_paid, policy.balance(part)) == (Decimal("1000.00"), Decimal("1856.00"))
    # 600.00 + 19 % = 714.00, nothing paid
    assert (unpaid.ledger_paid, policy.balance(unpaid)) == (Decimal(0), Decimal("714.00"))


def test_conflicting_invoice_values_name_both_lines(tmp_path: Path):
    ledger = parse(
        tmp_path,
        HEADER
        + "2026-601,acme,2026-11-02,2026-11-16,Brand workshop,1,day,1200.00,19,\n"
        + "2026-601,acme,2026-11-02,2026-11-16,Icon set,1,,600.00,19,\n"
        + "2026-601,acme,,2026-11-30,Logo design,1,,2400.00,19,10\n"
        + "2026-602,kaiser,2026-11-09,,Beratung,2,h,95.00,19,\n",
    )
    # repeating the same values (line 3) is fine; a different due date (line 4) is not
    assert short_lines(ledger) == [
        "ledger.csv:4: invoice 2026-601: column 'due_date': "
        "'2026-11-30' conflicts with '2026-11-16' on line 2"
    ]
    assert [i.number for i in ledger.valid()] == ["2026-602"]


# the command line -------------------------------------------------------------

BAD_ROWS = (
    "2026-005,acmee,2026-11-10,,Website maintenance,4,h,95.00,19,\n"
    '2026-006,kaiser,2026-11-10,,Beratung,2,h,"95,00",19,\n'
)


def test_check_prints_each_problem_as_one_line_and_exits_1(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # a relative --config keeps FILE short: "ledger.csv"
    write_config(tmp_path, ledger=BASE_LEDGER + BAD_ROWS)
    assert cli.main(["--config", "mailbot.toml", "check"]) == 1
    out = capsys.readouterr().out
    assert sorted(out.splitlines()) == [
        "ledger.csv:6: invoice 2026-005: column 'client': unknown client 'acmee' (did you mean 'acme'?)",
        "ledger.csv:7: invoice 2026-006: column 'unit_price': '95,00': write numbers "
        "with '.' as the decimal point and no thousands separator",
    ]


def test_check_exits_0_on_a_clean_ledger(tmp_path, capsys):
    cfg = write_config(tmp_path)
    assert cli.main(["--config", str(cfg), "check"]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "2 invoices, 2 valid; all good" in captured.err


def test_check_keeps_a_long_problem_on_one_line(tmp_path, capsys):
    home = tmp_path / "Nextcloud" / "Muster Design" / "Buchhaltung" / "2026" / "Rechnungen"
    cfg = write_config(home, ledger=BASE_LEDGER + BAD_ROWS)
    assert cli.main(["--config", str(cfg), "check"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert all(line.startswith(f"{home / 'ledger.csv'}:") for line in lines)


def test_run_once_sends_the_good_invoices_and_status_marks_the_bad_one_invalid(tmp_path, capsys):
    cfg = write_config(tmp_path, ledger=BASE_LEDGER + BAD_ROWS)
    assert cli.main(["--config", str(cfg), "run", "--once"]) == 0
    outbox = tmp_path / "var" / "mail" / "outbox" / "new"
    mails = [
        message_from_bytes(p.read_bytes(), policy=email_policy.default) for p in sorted(outbox.iterdir())
    ]
    numbers = ("2026-001", "2026-004", "2026-005", "2026-006")
    mailed = sorted(n for n in numbers for m in mails if n in str(m["Subject"]))
    assert mailed == ["2026-001", "2026-004"]
    assert len(mails) == 2
    capsys.readouterr()

    assert cli.main(["--config", str(cfg), "status", "--json"]) == 0
    states = {row["invoice"]: row["state"] for row in json.loads(capsys.readouterr().out)}
    assert states["2026-005"] == "invalid"
    assert states["2026-006"] == "invalid"
    assert states["2026-001"] in ("sent", "overdue")
    assert states["2026-004"] in ("sent", "overdue")


def test_old_mac_line_endings_read_like_any_other(tmp_path: Path):
    """A CR-only export (old Excel for Mac) must not become one long line."""
    text = (CORPUS / "multiline_description.csv").read_text(encoding="utf-8").replace("\r\n", "\n")
    source = tmp_path / "mac.csv"
    source.write_bytes(text.replace("\n", "\r").encode("utf-8"))
    ledger = load_ledger(settings_reading(tmp_path, source))
    usual = load_ledger(settings_reading(tmp_path, CORPUS / "multiline_description.csv"))
    assert [(p.line, p.message) for p in ledger.problems] == [(p.line, p.message) for p in usual.problems]
    first, hosting = ledger.invoices["2026-103"].items
    assert first.description == "Website relaunch:\r- 5 page templates\r- contact form"
    assert (first.line, hosting.line) == (3, 6)


def test_repeated_values_are_shared_but_kept_as_written(tmp_path: Path):
    """One object per repeated rate or date (memory on big ledgers), yet '1.0' stays '1.0'."""
    source = tmp_path / "same.csv"
    source.write_text(
        "invoice,client,issue_date,description,quantity,unit_price,tax_rate\n"
        "A-1,acme,2026-11-02,Design,1.0,100,19\n"
        "A-2,acme,2026-11-02,Design,1,100,19\n",
        encoding="utf-8",
    )
    ledger = load_ledger(settings_reading(tmp_path, source))
    one, two = ledger.invoices["A-1"], ledger.invoices["A-2"]
    assert ledger.problems == []
    assert one.issue_date is two.issue_date
    assert one.items[0].tax_rate is two.items[0].tax_rate
    assert str(one.items[0].quantity) == "1.0" and str(two.items[0].quantity) == "1"


def test_the_service_reads_the_ledger_again_only_when_it_or_the_config_changed(tmp_path: Path):
    from mailbot.service.caches import LedgerCache

    cache = LedgerCache()
    settings = load_settings(write_config(tmp_path))
    first = cache.load(settings)
    assert cache.load(load_settings(settings.config_path)) is first  # nothing changed: not parsed again
    path = settings.ledger_path
    before = path.stat().st_mtime_ns
    path.write_text(path.read_text(encoding="utf-8").replace("2026-001", "2026-091"), encoding="utf-8")
    os.utime(path, ns=(before, before))  # a same-size edit within one timestamp tick still counts
    second = cache.load(settings)
    assert second is not first and "2026-091" in second.invoices
    assert "terms_days = 14" in settings.config_path.read_text(encoding="utf-8")
    config = settings.config_path
    config.write_text(config.read_text(encoding="utf-8").replace("terms_days = 14", "terms_days = 30"))
    third = cache.load(load_settings(config))
    assert third is not second  # the same file read with other defaults


def test_an_invoice_made_with_its_items_keeps_their_total():
    item = LineItem(2, "Design", Decimal(2), "h", Decimal(50), Decimal(0), Decimal(19), Decimal(100))
    invoice = Invoice(number="X", client_id="acme", line=2, items=[item])
    assert invoice.gross == Decimal("119.00") == invoice.totals.gross
    assert Invoice(number="Y", client_id="acme", line=3).gross == 0


@pytest.mark.parametrize(
    ("row", "column"),
    [
        ("2026-007,acme,2026-11-02,,Huge,1,day," + "9" * 400 + ",19,\n", "unit_price"),
        ("2026-007,acme,2026-11-02,,Huge,1" + "0" * 30 + ",day,1" + "0" * 30 + ",19,\n", "quantity"),
        ("2026-007,acme,2026-11-02,,Tiny,1,day,0." + "0" * 24 + "1,19,\n", "unit_price"),
    ],
)
def test_a_number_too_long_for_any_sum_makes_only_its_invoice_invalid(
    tmp_path, monkeypatch, capsys, row, column
):
    """A 400-digit amount (a pasted ID, a runaway formula) once raised from deep in the sums:
    check died with a traceback and run sent nothing. Now it is one FILE:LINE problem."""
    monkeypatch.chdir(tmp_path)
    write_config(tmp_path, ledger=BASE_LEDGER + row)
    assert cli.main(["--config", "mailbot.toml", "check"]) == 1
    [line] = capsys.readouterr().out.splitlines()
    assert (
        line.startswith(f"ledger.csv:6: invoice 2026-007: column '{column}': ") and "too many digits" in line
    )
    ledger = load_ledger(settings_for(tmp_path, BASE_LEDGER + row))
    assert sorted(i.number for i in ledger.valid()) == ["2026-001", "2026-004"]
    actions = policy.next_actions(ledger.valid(), {}, ledger_clients(tmp_path), LATER)
    assert [a.invoice for a in actions if a.kind == "invoice"] == ["2026-001", "2026-004"]


def ledger_clients(directory: Path):
    return load_settings(directory / "mailbot.toml").clients


def test_a_spreadsheet_third_of_an_hour_is_billed(tmp_path: Path):
    row = "2026-007,acme,2026-11-02,,Call,0.33333333333333331,h,90.00,19,\n"
    ledger = load_ledger(settings_for(tmp_path, BASE_LEDGER + row))
    assert ledger.invoices["2026-007"].valid and ledger.invoices["2026-007"].gross == Decimal("35.70")
