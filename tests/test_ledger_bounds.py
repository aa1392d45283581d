"""Every ledger value has bounds: one outside them makes only its invoice invalid, as FILE:LINE."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import write_config
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailbot.config.settings import load_settings
from mailbot.ledger.read import KNOWN, load_ledger, parse_ledger

HEADER = "invoice,client,issue_date,due_date,description,quantity,unit,unit_price,tax_rate,discount\n"
GOOD = "2026-002,kaiser,2026-11-09,,Beratung,2,h,95.00,19,\n"


def _ledger(tmp_path: Path, rows: str):
    settings = load_settings(write_config(tmp_path, ledger=HEADER + rows))
    return load_ledger(settings)


def _only_invalid(ledger, number: str, line: int, text: str) -> None:
    """``number`` invalid with one problem on ``line`` that says ``text``; 2026-002 valid."""
    assert [p.line for p in ledger.invoices[number].problems] == [line]
    (problem,) = ledger.invoices[number].problems
    assert str(problem).startswith(f"{ledger.path}:{line}: invoice {number}: ")
    assert text in problem.message, problem.message
    assert ledger.invoices["2026-002"].valid


@pytest.mark.parametrize(
    ("row", "text"),
    [
        ("2026-001,acme,2026-11-02,,Work,1,h,100.00,101,\n", "column 'tax_rate': 101 is not a percentage"),
        ("2026-001,acme,2026-11-02,,Work,1,h,100.00,-1,\n", "column 'tax_rate': -1 is not a percentage"),
        (
            "2026-001,acme,2026-11-02,,Work,1,h,100.00,19,100.5\n",
            "column 'discount': 100.5 is not a percentage",
        ),
        (
            "2026-001,acme,2026-11-02,,Work,1000001,h,1.00,19,\n",
            "column 'quantity': 1000001 is more than 1,000,000",
        ),
        ("2026-001,acme,2026-11-02,,Work,-5000000,h,1.00,19,\n", "column 'quantity': -5000000 is more than"),
        (
            "2026-001,acme,2026-11-02,,Work,1000000,h,999999999999,19,\n",
            "the line's net 999999999999000000.00 is not",
        ),
        ("2026-001,acme,9999-12-31,,Work,1,h,100.00,19,\n", "'9999-12-31' is not a year from 1970 to 2199"),
        (
            "2026-001,acme,2026-11-02,0001-01-01,Work,1,h,100.00,19,\n",
            "column 'due_date': '0001-01-01' is not a year",
        ),
        ("2026-001,acme,2026-11-02,,Work,1e3,h,100.00,19,\n", "column 'quantity': '1e3' is not a number"),
        ("2026-001,acme,2026-11-02,,Work,1,h,NaN,19,\n", "column 'unit_price': 'NaN' is not a number"),
        (
            "2026-001,acme,2026-11-02,,Wo\x0brk,1,h,1.00,19,\n",
            "column 'description': holds the control character U+000B",
        ),
        (
            "2026-001,acme,2026-11-02,,Work,1,h\x00,1.00,19,\n",
            "column 'unit': holds the control character U+0000",
        ),
        ('2026-001,acme,2026-11-02,,Work,1,"h\nours",1.00,19,\n', "column 'unit': must be on one line"),
    ],
)
def test_a_value_out_of_bounds_makes_only_its_invoice_invalid(tmp_path, row, text):
    _only_invalid(_ledger(tmp_path, row + GOOD), "2026-001", 2, text)


def test_a_tax_rate_over_100_makes_only_its_invoice_invalid(tmp_path):
    ledger = _ledger(tmp_path, "2026-001,acme,2026-11-02,,Work,1,h,100.00,100.01,\n" + GOOD)
    _only_invalid(ledger, "2026-001", 2, "column 'tax_rate': 100.01 is not a percentage between 0 and 100")


def test_an_invoice_total_of_a_trillion_makes_only_its_invoice_invalid(tmp_path):
    rows = "".join("2026-001,acme,2026-11-02,,Work,1000,h,999999999.99,0,\n" for _ in range(2))
    _only_invalid(_ledger(tmp_path, rows + GOOD), "2026-001", 2, "the total 1999999999980.00 is not below")


def test_rows_reusing_an_invoice_number_far_apart_are_an_error_naming_both_lines(tmp_path):
    rows = (
        "2026-001,acme,2026-11-02,,Workshop,1,day,1200.00,19,\n"
        + GOOD
        + "2026-001,acme,2026-11-02,,Logo,1,,2400.00,19,\n"
    )
    ledger = _ledger(tmp_path, rows)
    (problem,) = ledger.invoices["2026-001"].problems
    assert str(problem) == (
        f"{ledger.path}:4: invoice 2026-001: column 'invoice': 2026-001 was already used up to line 2, "
        "with other invoices' rows between (the rows of one invoice stand together; a number used twice?)"
    )
    assert ledger.invoices["2026-002"].valid


def test_consecutive_rows_of_an_invoice_and_blank_lines_between_them_stay_one_invoice(tmp_path):
    rows = "2026-001,acme,2026-11-02,,Workshop,1,day,1200.00,19,\n\n2026-001,acme,,,Logo,1,,2400.00,19,\n"
    invoice = _ledger(tmp_path, rows + GOOD).invoices["2026-001"]
    assert invoice.valid and len(invoice.items) == 2


DECIMALS = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.from_regex(r"\A[+-]?\d{0,40}(\.\d{0,40})?([eE][+-]?\d{1,6})?\Z"),
    st.text(max_size=12),
)
COLUMNS = sorted(KNOWN - {"invoice", "client"})


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cells=st.fixed_dictionaries(dict.fromkeys(COLUMNS, DECIMALS)), rows=st.integers(1, 3))
def test_any_number_in_any_ledger_cell_never_raises_and_spares_the_other_invoices(tmp_path, cells, rows):
    settings_ = load_settings(write_config(tmp_path))
    header = ["invoice", "client", *COLUMNS]
    row = ",".join(['"' + v.replace('"', '""') + '"' for v in ["2026-001", "acme", *cells.values()]])
    good = dict.fromkeys(COLUMNS, "")
    good.update(issue_date="2026-11-09", description="Beratung", quantity="2", unit_price="95.00")
    other = ",".join(["2026-002", "kaiser", *good.values()])
    text = ",".join(header) + "\n" + (row + "\n") * rows + other + "\n"
    ledger = parse_ledger(text.encode(), tmp_path / "ledger.csv", settings_)
    assert ledger.invoices["2026-002"].valid, ledger.invoices["2026-002"].problems
    first = ledger.invoices.get("2026-001")
    if first is not None and first.valid:
        assert abs(first.gross) < 10**12
        assert all(0 <= i.tax_rate <= 100 and 0 <= i.discount <= 100 for i in first.items)
