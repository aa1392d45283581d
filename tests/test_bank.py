"""Bank statements in (camt.053), recorded payments out."""

from __future__ import annotations

import json

from conftest import write_config

from mailbot.cli.main import main

CAMT = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
 <BkToCstmrStmt><Stmt><Id>1</Id>
  <Ntry><NtryRef>E1</NtryRef><Amt Ccy="EUR">1053.23</Amt><CdtDbtInd>CRDT</CdtDbtInd>
   <BookgDt><Dt>2026-11-20</Dt></BookgDt><AcctSvcrRef>BANK-REF-1</AcctSvcrRef>
   <NtryDtls><TxDtls><RltdPties><Dbtr><Nm>Kaiser und Soehne GmbH</Nm></Dbtr></RltdPties>
    <RmtInf><Ustrd>Rechnung 2026-004 vielen Dank</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>
  <Ntry><Amt Ccy="EUR">500.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>2026-11-21</Dt></BookgDt>
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
