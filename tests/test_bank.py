"""Bank statements in (camt.053), recorded payments out."""

from __future__ import annotations

import json
from pathlib import Path

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
        "invoice,client,on,amount,currency,source",
        "2026-004,kaiser,2026-11-20,1053.23,EUR,camt",
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
