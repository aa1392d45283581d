"""Bank statements in (camt.053), recorded payments out."""

from __future__ import annotations

import json
from pathlib import Path
from xml.sax.saxutils import escape

from conftest import write_config

from mailbot.cli.main import main

CAMT = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
 <BkToCstmrStmt><Stmt><Id>1</Id>
  <Ntry><NtryRef>E1</NtryRef><Amt Ccy="EUR">1053.23</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
   <BookgDt><Dt>2026-11-20</Dt></BookgDt><AcctSvcrRef>BANK-REF-1</AcctSvcrRef>
   <NtryDtls><TxDtls><RltdPties><Dbtr><Nm>Kaiser und Soehne GmbH</Nm></Dbtr></RltdPties>
    <RmtInf><Ustrd>Rechnung 2026-004 vielen Dank</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>
  <Ntry><Amt Ccy="EUR">500.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2026-11-21</Dt></BookgDt>
   <AcctSvcrRef>BANK-REF-2</AcctSvcrRef>
   <NtryDtls><TxDtls><RmtInf><Ustrd>Abschlag Projekt</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>
  <Ntry><Amt Ccy="EUR">99.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><AcctSvcrRef>BANK-REF-3</AcctSvcrRef></Ntry>
 </Stmt></BkToCstmrStmt>
</Document>
"""


def test_statement_credits_naming_an_invoice_become_payments_once(tmp_path, capsys):
    config = write_config(tmp_path)
    main(["--config", str(config), "run", "--once"])
    statement = tmp_path / "camt.xml"
    statement.write_text(CAMT)
    capsys.readouterr()
    assert main(["--config", str(config), "import-payments", str(statement)]) == 1  # one unmatched
    out = capsys.readouterr().out
    assert "recorded 1053.23 EUR for 2026-004 (booked 2026-11-20)" in out
    assert "entry BANK-REF-2: 500.00 EUR from ? names no open invoice" in out
    assert "BANK-REF-3" not in out  # a debit is not a client's payment
    # Importing the same file again records nothing twice.
    main(["--config", str(config), "import-payments", str(statement)])
    assert "BANK-REF-1: already recorded" in capsys.readouterr().out
    main(["--config", str(config), "status", "--json"])
    row = next(r for r in json.loads(capsys.readouterr().out) if r["invoice"] == "2026-004")
    assert (row["state"], row["balance"]) == ("paid", "0.00")
    assert main(["--config", str(config), "export-payments", "--csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "invoice,client,on,amount,currency,source,ref,how,evidence",
        "2026-004,kaiser,2026-11-20,1053.23,EUR,camt,BANK-REF-1,invoice number 2026-004,",
    ]


def test_hostile_or_broken_statement_is_refused_with_its_name(tmp_path, capsys):
    config = write_config(tmp_path)
    bomb = tmp_path / "bomb.xml"
    bomb.write_text('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]><x>&b;</x>')
    assert main(["--config", str(config), "import-payments", str(bomb)]) == 1
    assert f"{bomb}: not a readable camt XML file" in capsys.readouterr().err


STATEMENTS = Path(__file__).parent / "statements"


def _row(config, capsys, number: str) -> dict:
    capsys.readouterr()
    main(["--config", str(config), "status", "--json"])
    return next(r for r in json.loads(capsys.readouterr().out) if r["invoice"] == number)


def test_only_booked_credits_settle_v02_status(tmp_path, capsys):
    """camt.053.001.02 `<Sts>BOOK</Sts>`: pending, information-only and status-less credits,
    a debit and the reversal of a debit never settle an invoice; each skip is one line."""
    config = write_config(tmp_path)
    main(["--config", str(config), "run", "--once"])
    capsys.readouterr()
    statement = STATEMENTS / "camt053_v02.xml"
    assert main(["--config", str(config), "import-payments", str(statement)]) == 0  # skips are no failure
    out = capsys.readouterr().out.splitlines()
    assert "recorded 1053.23 EUR for 2026-004 (booked 2026-11-20)" in out
    assert f"{statement}: entry V02-PDNG-1: 3998.40 EUR status PDNG: skipped (pending, not booked yet)" in out
    assert (
        f"{statement}: entry V02-INFO-1: 3998.40 EUR status INFO: skipped (information only, not a booking)"
        in out
    )
    assert f"{statement}: entry V02-NOSTS-1: 3998.40 EUR status -: skipped (no booking status)" in out
    assert f"{statement}: entry V02-RVSL-DBIT: 3998.40 EUR status BOOK: skipped (reversal of a debit)" in out
    assert not any("V02-DBIT-1" in line for line in out)  # a debit is not a client's payment
    assert len(out) == 5
    row = _row(config, capsys, "2026-001")
    assert row["state"] != "paid" and row["balance"] == "3998.40"
    assert _row(config, capsys, "2026-004")["balance"] == "0.00"


def test_booked_debit_naming_an_invoice_never_settles_it(tmp_path, capsys):
    config = write_config(tmp_path)
    main(["--config", str(config), "run", "--once"])
    statement = tmp_path / "debit.xml"
    statement.write_text(CAMT.replace("<CdtDbtInd>CRDT</CdtDbtInd>", "<CdtDbtInd>DBIT</CdtDbtInd>"))
    capsys.readouterr()
    assert main(["--config", str(config), "import-payments", str(statement)]) == 0
    assert capsys.readouterr().out == ""
    assert _row(config, capsys, "2026-004")["balance"] == "1053.23"


def test_v08_status_code_and_a_reversal_takes_a_recorded_payment_back(tmp_path, capsys):
    """camt.053.001.08 `<Sts><Cd>BOOK</Cd></Sts>`; the bank's reversal (a debit with RvslInd
    carrying the payment's end-to-end id) takes back what the earlier import recorded, as
    `unmark-paid` does, and tells the owner; pending/info credits do not settle it again."""
    config = write_config(tmp_path)
    main(["--config", str(config), "run", "--once"])
    main(["--config", str(config), "import-payments", str(STATEMENTS / "camt053_v02.xml")])
    capsys.readouterr()
    statement = STATEMENTS / "camt053_v08.xml"
    assert main(["--config", str(config), "import-payments", str(statement)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "recorded 3998.40 EUR for 2026-001 (booked 2026-11-24)" in out
    warning = next(line for line in out if line.startswith("warning: invoice 2026-004: "))
    assert "the bank reversed payment V02-BOOK-1 (1053.23 taken back) by entry V08-RVSL-1" in warning
    assert f"{statement}: entry V08-RVSL-2: 50.00 EUR status BOOK: skipped (reversal that matches no " \
        "recorded payment)" in out  # fmt: skip
    assert f"{statement}: entry V08-PDNG-1: 1053.23 EUR status PDNG: skipped (pending, not booked yet)" in out
    assert (
        f"{statement}: entry V08-INFO-1: 1053.23 EUR status INFO: skipped (information only, not a booking)"
        in out
    )
    assert _row(config, capsys, "2026-001")["balance"] == "0.00"
    row = _row(config, capsys, "2026-004")
    assert row["state"] != "paid" and row["balance"] == "1053.23"
    main(["--config", str(config), "history", "2026-004", "--json"])
    events = json.loads(capsys.readouterr().out)
    payments = [json.loads(e["detail"]) for e in events if e["type"] == "payment"]
    assert [(p["amount"], p["source"], p.get("reverses")) for p in payments] == [
        ("1053.23", "camt", None),
        ("-1053.23", "correction", "V02-BOOK-1"),  # as `unmark-paid` records it
    ]
    assert any(e["type"] == "note" and "the bank reversed payment V02-BOOK-1" in e["detail"] for e in events)
    # The same statement again: nothing recorded or taken back twice.
    assert main(["--config", str(config), "import-payments", str(statement)]) == 0
    out = capsys.readouterr().out
    assert f"{statement}: entry V08-BOOK-1: already recorded" in out
    assert f"{statement}: entry V08-RVSL-1: reversal of V02-BOOK-1 on 2026-004 already taken back" in out
    assert "warning" not in out
    assert _row(config, capsys, "2026-004")["balance"] == "1053.23"


def test_pending_entry_counts_once_booked_and_a_reversal_by_the_same_reference(tmp_path, capsys):
    config = write_config(tmp_path)
    main(["--config", str(config), "run", "--once"])
    statement = tmp_path / "camt.xml"
    statement.write_text(CAMT.replace("<Cd>BOOK</Cd>", "<Cd>PDNG</Cd>"))
    capsys.readouterr()
    assert main(["--config", str(config), "import-payments", str(statement)]) == 0
    assert "entry BANK-REF-1: 1053.23 EUR status PDNG: skipped (pending" in capsys.readouterr().out
    assert _row(config, capsys, "2026-004")["balance"] == "1053.23"
    statement.write_text(CAMT)  # the next day's statement: the same entry, booked
    main(["--config", str(config), "import-payments", str(statement)])
    assert "recorded 1053.23 EUR for 2026-004" in capsys.readouterr().out
    reversal = CAMT.replace(
        "<CdtDbtInd>CRDT</CdtDbtInd>", "<CdtDbtInd>DBIT</CdtDbtInd><RvslInd>true</RvslInd>", 1
    )
    statement.write_text(reversal)
    assert (
        main(["--config", str(config), "import-payments", str(statement)]) == 1
    )  # BANK-REF-2 still names nothing
    assert "warning: invoice 2026-004: the bank reversed payment BANK-REF-1" in capsys.readouterr().out
    assert _row(config, capsys, "2026-004")["balance"] == "1053.23"


# Issue 14 part 4: entries matched by ``decide.matching``.
MATCH_LEDGER = """\
invoice,client,issue_date,due_date,currency,description,quantity,unit,unit_price,tax_rate,discount
2026-001,acme,2026-11-02,2026-11-16,EUR,Brand workshop,1,day,1200.00,19,
2026-001,acme,,,EUR,Logo design,1,,2400.00,19,10
2026-004,kaiser,2026-11-09,2026-11-30,EUR,Geschäftsausstattung,1,Pauschale,850.00,19,
2026-004,kaiser,,,EUR,Fachbuch Typografie,1,Stk.,39.00,7,
2026-010,kaiser,2026-11-09,2026-11-30,EUR,Beratung,1,,400.00,0,
2026-011,kaiser,2026-11-10,2026-11-30,EUR,Beratung,1,,400.00,0,
2026-012,acme,2026-11-10,2026-11-30,EUR,Support,1,,250.00,0,
2026-013,kaiser,2026-11-10,2026-11-30,CHF,Lizenz,1,,300.00,0,
"""


def _ntry(ref: str, amount: str, text: str = "", payer: str = "", ccy: str = "EUR", strd: str = "") -> str:
    party = f"<RltdPties><Dbtr><Nm>{escape(payer)}</Nm></Dbtr></RltdPties>" if payer else ""
    structured = f"<Strd><CdtrRefInf><Ref>{strd}</Ref></CdtrRefInf></Strd>" if strd else ""
    return (
        f'<Ntry><Amt Ccy="{ccy}">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>'
        f"<BookgDt><Dt>2026-11-25</Dt></BookgDt><AcctSvcrRef>{ref}</AcctSvcrRef><NtryDtls><TxDtls>"
        f"{party}<RmtInf><Ustrd>{text}</Ustrd>{structured}</RmtInf></TxDtls></NtryDtls></Ntry>"
    )


def _statement(tmp_path, *entries: str) -> Path:
    path = tmp_path / "statement.xml"
    path.write_text(
        '<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">'
        f"<BkToCstmrStmt><Stmt><Id>1</Id>{''.join(entries)}</Stmt></BkToCstmrStmt></Document>"
    )
    return path


def _import(tmp_path, capsys, *entries: str) -> tuple[Path, int, list[str]]:
    config = tmp_path / "mailbot.toml"
    if not config.exists():
        write_config(tmp_path, ledger=MATCH_LEDGER)
    statement = _statement(tmp_path, *entries)
    capsys.readouterr()
    code = main(["--config", str(config), "import-payments", str(statement)])
    return config, code, capsys.readouterr().out.splitlines()


def _payments(config, capsys, number: str) -> list[dict]:
    capsys.readouterr()
    main(["--config", str(config), "history", number, "--json"])
    return [json.loads(e["detail"]) for e in json.loads(capsys.readouterr().out) if e["type"] == "payment"]


def test_one_statement_settles_several_invoices_a_partial_and_the_rest_and_by_reference(tmp_path, capsys):
    from mailbot.ledger.references import rf_reference

    config, code, out = _import(
        tmp_path,
        capsys,
        _ntry("S-1", "1453.23", "Rechnungen 2026-004 und 2026-010", "Kaiser und Soehne GmbH"),
        _ntry("S-2", "1000.00", "Invoice 2026-001, first part", "ACME LTD"),
        _ntry("S-3", "2998.40", "Invoice 2026-001 rest", "ACME LTD"),
        _ntry("S-4", "250.00", "", "Acme Ltd", strd=rf_reference("2026-012")),
    )
    assert code == 0
    assert out == [
        "recorded 1053.23 EUR for 2026-004 (booked 2026-11-25; 1453.23 EUR for 2026-004, 2026-010)",
        "recorded 400.00 EUR for 2026-010 (booked 2026-11-25; 1453.23 EUR for 2026-004, 2026-010)",
        "recorded 1000.00 EUR for 2026-001 (booked 2026-11-25); 2998.40 EUR of 2026-001 stays open",
        "recorded 2998.40 EUR for 2026-001 (booked 2026-11-25)",  # the balance the first one left
        f"recorded 250.00 EUR for 2026-012 (booked 2026-11-25; by RF reference {rf_reference('2026-012')})",
    ]
    for number in ("2026-001", "2026-004", "2026-010", "2026-012"):
        assert _row(config, capsys, number)["balance"] == "0.00"
    assert _row(config, capsys, "2026-011")["balance"] == "400.00"
    [payment] = _payments(config, capsys, "2026-012")
    assert payment == {
        "amount": "250.00", "on": "2026-11-25", "ref": "S-4", "source": "camt",
        "refs": ["S-4"], "how": f"RF reference {rf_reference('2026-012')}", "payer": "Acme Ltd",
    }  # fmt: skip
    assert [p["amount"] for p in _payments(config, capsys, "2026-001")] == ["1000.00", "2998.40"]


def test_other_currency_ambiguous_and_another_clients_payer_go_to_the_owner_listed(tmp_path, capsys):
    config, code, out = _import(
        tmp_path,
        capsys,
        _ntry("P-1", "300.00", "Lizenz 2026-013", "Kaiser & Söhne GmbH"),
        _ntry("P-2", "400.00", "Beratung November", "KAISER UND SOEHNE"),
        _ntry("P-3", "250.00", "Support", "Kaiser & Söhne GmbH"),
        _ntry("P-4", "300.00", "Lizenz 2026-013", "Kaiser & Söhne GmbH", ccy="USD"),
    )
    assert code == 1
    assert len(out) == 4 and all(line.endswith("; not recorded") for line in out)
    assert "entry P-1: 300.00 EUR from Kaiser & Söhne GmbH is in EUR, 2026-013 in CHF" in out[0]
    assert "entry P-2: 400.00 EUR from KAISER UND SOEHNE names no open invoice; its amount and payer fit " \
        "several: 2026-010, 2026-011" in out[1]  # fmt: skip
    assert "entry P-3: 250.00 EUR from Kaiser & Söhne GmbH names no open invoice" in out[2]
    assert "the amount fits 2026-012 of another payer" in out[2]
    assert "is in USD, 2026-013 in CHF" in out[3]
    for number, balance in (("2026-010", "400.00"), ("2026-011", "400.00"), ("2026-012", "250.00")):
        assert _row(config, capsys, number)["balance"] == balance
    assert _row(config, capsys, "2026-013")["balance"] == "300.00"


def test_a_payer_named_with_another_legal_form_and_no_invoice_number_pays_the_one_open_balance(
    tmp_path, capsys
):
    config, code, out = _import(tmp_path, capsys, _ntry("N-1", "250.00", "Support November", "ACME LIMITED"))
    assert code == 0
    assert out == ["recorded 250.00 EUR for 2026-012 (booked 2026-11-25; by amount and payer)"]
    [payment] = _payments(config, capsys, "2026-012")
    assert (payment["how"], payment["payer"]) == ("amount and payer", "ACME LIMITED")


def test_an_overpayment_is_recorded_and_reported(tmp_path, capsys):
    config, code, out = _import(tmp_path, capsys, _ntry("O-1", "1100.00", "RE 2026-004", "Kaiser"))
    assert code == 0
    assert out == [
        "recorded 1100.00 EUR for 2026-004 (booked 2026-11-25); "
        "warning: 46.77 EUR more than was open on 2026-004: refund or credit it"
    ]
    row = _row(config, capsys, "2026-004")
    assert (row["state"], row["balance"]) == ("paid", "-46.77")


def test_a_payment_naming_only_a_settled_invoice_is_not_recorded_again(tmp_path, capsys):
    config, _, _ = _import(tmp_path, capsys, _ntry("T-1", "250.00", "2026-012"))
    _, code, out = _import(tmp_path, capsys, _ntry("T-2", "250.00", "2026-012 again"))
    assert code == 1
    assert out == [
        f"{tmp_path / 'statement.xml'}: entry T-2: 250.00 EUR from ? names only invoices that are not open "
        "(paid or cancelled): 2026-012; not recorded"
    ]
    assert [p["ref"] for p in _payments(config, capsys, "2026-012")] == ["T-1"]


def test_the_reversal_of_a_payment_of_several_invoices_takes_each_back(tmp_path, capsys):
    config, _, _ = _import(tmp_path, capsys, _ntry("R-1", "1453.23", "2026-004 2026-010"))
    reversal = _ntry("R-1", "1453.23", "2026-004 2026-010").replace(
        "<CdtDbtInd>CRDT</CdtDbtInd>", "<CdtDbtInd>DBIT</CdtDbtInd><RvslInd>true</RvslInd>"
    )
    _, code, out = _import(tmp_path, capsys, reversal)
    assert code == 0
    assert [line.split(": the bank")[0] for line in out] == [
        "warning: invoice 2026-004",
        "warning: invoice 2026-010",
    ]
    assert _row(config, capsys, "2026-004")["balance"] == "1053.23"
    assert _row(config, capsys, "2026-010")["balance"] == "400.00"
