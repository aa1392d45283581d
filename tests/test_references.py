"""RF creditor references (ISO 11649) and Finnish national references (viitenumero)."""

from __future__ import annotations

import pytest

from mailbot.ledger.references import (
    fi_check,
    fi_reference,
    normalise,
    references_in,
    references_of,
    rf_reference,
    valid_fi,
    valid_rf,
)

# The examples of ISO 11649 and of the Finnish banks' reference guide (Finanssiala).
RF_EXAMPLES = ["RF18539007547034", "RF18 5390 0754 7034", "RF712348231", "rf71 2348 231"]
FI_EXAMPLES = ["1232", "1234561", "12345 61", "12344"]


@pytest.mark.parametrize("reference", RF_EXAMPLES)
def test_the_standards_rf_examples_are_valid(reference):
    assert valid_rf(reference)


@pytest.mark.parametrize("reference", FI_EXAMPLES)
def test_the_finnish_examples_are_valid(reference):
    assert valid_fi(reference)


@pytest.mark.parametrize(
    "reference",
    ["RF19539007547034", "RF18539007547043", "RF18", "RF185390075470341234567890", "XX18539007547034", ""],
)
def test_a_mistyped_rf_reference_is_invalid(reference):
    assert not valid_rf(reference)


@pytest.mark.parametrize("reference", ["1233", "1234562", "123", "123456789012345678901", "12a2", ""])
def test_a_mistyped_or_misshapen_finnish_reference_is_invalid(reference):
    assert not valid_fi(reference)


def test_rf_reference_of_the_standards_bodies_gives_their_check_digits():
    assert rf_reference("539007547034") == "RF18539007547034"
    assert rf_reference("2348231") == "RF712348231"


def test_the_finnish_check_digit_of_a_base_is_the_published_one():
    assert fi_check("123") == "2"
    assert fi_check("123456") == "1"
    assert fi_reference("23456")[:-1] == "123456"


@pytest.mark.parametrize("number", ["2026-001", "RE-2026/17", "A1", "7", "0007", "INV 2026 000 123"])
def test_references_made_from_an_invoice_number_are_valid_and_stable(number):
    rf, fi = rf_reference(number), fi_reference(number)
    assert valid_rf(rf) and valid_fi(fi)
    assert (rf, fi) == (rf_reference(number), fi_reference(number))
    assert references_of(number) == (rf, fi)


def test_the_rf_body_is_the_numbers_letters_and_digits_and_the_finnish_base_its_digits():
    assert rf_reference("re-2026/17")[4:] == "RE202617"
    assert fi_reference("RE-2026/17")[:-1] == "1202617"


def test_documented_collisions_numbers_differing_only_in_punctuation_share_references():
    assert rf_reference("2026-001") == rf_reference("2026/001") == rf_reference("2026001")
    assert fi_reference("RE-2026-001") == fi_reference("2026-001")
    assert rf_reference("RE-2026-001") != rf_reference("2026-001")


def test_finnish_bases_keep_leading_zeros_behind_a_one_and_have_three_digits_at_least():
    assert fi_reference("7")[:-1] == "107"
    assert fi_reference("0042")[:-1] == "10042"
    assert len(fi_reference("7")) == 4
    assert len({fi_reference(str(n)) for n in range(10, 1000)}) == 990  # sequential numbers never collide
    assert fi_reference("7") == fi_reference("07")  # the one documented collision of short numbers


def test_numbers_that_cannot_carry_a_reference_get_none():
    assert rf_reference("---") == "" and fi_reference("ABC") == ""
    assert rf_reference("X" * 22) == ""
    assert fi_reference("1" * 19) == "" and fi_reference("1" * 18) != ""
    assert references_of("ABC") == (rf_reference("ABC"),)


def test_normalise_drops_spaces_and_upper_cases():
    assert normalise(" rf18 5390\t0754 7034 ") == "RF18539007547034"


def test_references_are_found_as_banks_print_them():
    text = "Viite RF18 5390 0754 7034 and 12345 61, summa 1053.23 EUR 2026-11-20 rf712348231."
    assert references_in(text) == ["RF18539007547034", "RF712348231", "1234561"]


def test_a_reference_followed_by_an_amount_is_still_found():
    assert references_in("viite 1234561 100") == ["1234561"]
    assert references_in("Ref. RF18539007547034 Rechnung") == ["RF18539007547034"]


def test_amounts_dates_and_parts_of_words_are_no_references():
    assert references_in("1232.00 EUR on 2026-12-32, 1232/1234561, ABC1232, 1232x") == []


def test_an_rf_reference_with_a_wrong_check_digit_is_not_found():
    assert references_in("RF19 5390 0754 7034") == []  # nor are its digits a Finnish one
    assert references_in("RF19 5390 0754 7034 viite 1234561") == ["1234561"]


def test_a_reference_made_for_an_invoice_is_found_in_a_remittance_text():
    rf, fi = references_of("2026-004")
    spaced = " ".join(fi[i : i + 5] for i in range(0, len(fi), 5))
    assert references_in(f"Payment {rf[:4]} {rf[4:]} / viite {spaced}") == [rf, fi]
