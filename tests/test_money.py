"""Money rules, checked by hand: minor units, half-up, tax per rate on the sum of line nets."""

from __future__ import annotations

from decimal import Decimal as D

from mailbot.ledger import money


def test_line_net_rounds_half_up_to_the_minor_unit():
    assert money.line_net(D("1"), D("0.125"), D("0"), "EUR") == D("0.13")
    assert money.line_net(D("3"), D("0.335"), D("0"), "EUR") == D("1.01")  # 1.005 -> 1.01
    assert money.line_net(D("7.5"), D("95.00"), D("0"), "EUR") == D("712.50")
    assert money.line_net(D("1"), D("2400"), D("10"), "EUR") == D("2160.00")


def test_currencies_without_or_with_three_minor_digits():
    assert money.line_net(D("3"), D("333.5"), D("0"), "JPY") == D("1001")  # 1000.5 -> 1001
    assert money.line_net(D("1"), D("1.2345"), D("0"), "KWD") == D("1.235")


def test_tax_is_computed_per_rate_on_the_sum_not_per_line():
    # Three lines of 0.05 at 19 %: per line 0.0095 -> 0.01 each = 0.03;
    # on the sum 0.15 x 19 % = 0.0285 -> 0.03. Now 0.07 x 3 at 7 %: per line
    # 0.0049 -> 0.00 each = 0.00; on the sum 0.21 x 7 % = 0.0147 -> 0.01.
    lines = [(D("0.05"), D("19"))] * 3 + [(D("0.07"), D("7"))] * 3
    totals = money.totals(lines, "EUR")
    assert [(g.rate, g.base, g.tax) for g in totals.taxes] == [
        (D("19"), D("0.15"), D("0.03")),
        (D("7"), D("0.21"), D("0.01")),
    ]
    assert totals.net == D("0.36") and totals.tax == D("0.04") and totals.gross == D("0.40")


def test_equal_rates_written_differently_are_one_group():
    totals = money.totals([(D("100.00"), D("19")), (D("50.00"), D("19.00"))], "EUR")
    assert len(totals.taxes) == 1
    assert totals.taxes[0].base == D("150.00") and totals.taxes[0].tax == D("28.50")


def test_zero_rate_line_is_its_own_group_with_zero_tax():
    totals = money.totals([(D("91.00"), D("0")), (D("850.00"), D("19"))], "EUR")
    assert [(g.rate, g.tax) for g in totals.taxes] == [(D("19"), D("161.50")), (D("0"), D("0.00"))]
    assert totals.gross == D("1102.50")
