"""How the payment QR code is drawn (issue 15, part 4, made cheap): ``zxing-cpp`` writes the
symbol, ``segno`` only when it cannot, and either way a banking app reads back exactly the
payload's UTF-8 bytes, with error correction M and no ECI header.

Every code is decoded from the PNG ``qr_png`` returns, with ``zxing-cpp``'s reader.
"""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
import segno
import zxingcpp
from PIL import Image

from mailbot.outbound import payqr
from mailbot.outbound.payqr import Transfer, epc_payload, ips_payload, qr_png

IBAN = "DE89370400440532013000"
GIROCODE = epc_payload(Transfer("Muster Design GmbH", IBAN, Decimal("940.10"), reference="RF712026001"))
# Umlauts and Cyrillic: two bytes a letter in UTF-8, one in Latin-1 (where a writer may slip).
DINARS = ips_payload(Transfer("Ђорђе Ђурић", "160000000000510005", Decimal("12345.5"), text="Račun 7"))
UMLAUTS = epc_payload(Transfer("Müller & Söhne", IBAN, Decimal("5"), text="Rechnung Nr. 7, März"))


def _read(png: bytes, text_mode: zxingcpp.TextMode = zxingcpp.TextMode.HRI) -> zxingcpp.Barcode:
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)), text_mode=text_mode)
    assert len(found) == 1, found
    return found[0]


def _raw_hex(payload: str) -> str:
    """What the reader's ``HexECI`` mode shows for a QR code holding exactly ``payload`` in
    UTF-8 and no ECI: the symbology identifier ``]Q1`` (``]Q2`` would announce an ECI)."""
    return " ".join(f"{byte:02X}" for byte in b"]Q1" + payload.encode("utf-8"))


@pytest.fixture
def segno_calls(monkeypatch) -> list[str]:
    """The payloads ``segno`` drew (it still draws them, so the PNG can be read back)."""
    calls: list[str] = []
    make_qr = segno.make_qr

    def spy(content, *args, **kwargs):
        calls.append(content)
        return make_qr(content, *args, **kwargs)

    monkeypatch.setattr(payqr.segno, "make_qr", spy)
    return calls


@pytest.mark.parametrize("payload", [GIROCODE, DINARS, UMLAUTS], ids=["girocode", "dinars", "umlauts"])
def test_the_code_holds_the_payloads_utf8_bytes_and_no_eci(payload, segno_calls):
    png = qr_png(payload)
    assert png.startswith(b"\x89PNG") and len(png) < 1_000
    code = _read(png)
    assert code.text == payload and code.ec_level == "M"
    assert _read(png, zxingcpp.TextMode.HexECI).text == _raw_hex(payload)
    assert segno_calls == []  # zxing-cpp drew it


def test_the_longest_girocode_still_fits_version_13_and_a_small_png():
    payload = epc_payload(
        Transfer("Ä" * 70, IBAN, Decimal("999999999.99"), text="ß" * 40 + "x" * 40, bic="COBADEFFXXX")
    )
    assert 320 <= len(payload.encode("utf-8")) <= 331
    png = qr_png(payload)
    code = _read(png)
    assert code.text == payload and code.ec_level == "M"
    assert int(code.extra["Version"]) <= 13  # EPC069-12: version 13 at most
    assert len(png) < 10_000


def _cannot_write(*args, **kwargs):
    raise RuntimeError("This build of zxing-cpp does not support creating barcodes.")


def test_a_zxing_cpp_that_cannot_write_codes_leaves_it_to_segno(monkeypatch, segno_calls):
    monkeypatch.setattr(payqr.zxingcpp, "create_barcode", _cannot_write)
    png = qr_png(DINARS)
    assert segno_calls == [DINARS]
    assert _read(png, zxingcpp.TextMode.HexECI).text == _raw_hex(DINARS)
    assert _read(png).ec_level == "M"


def test_a_zxing_cpp_that_ignores_the_eci_option_leaves_it_to_segno(monkeypatch, segno_calls):
    # zint takes options it does not know in silence: without ``eci`` the bytes would be
    # announced as binary (ECI 899), which some banking apps show as garbled text.
    options = {key: value for key, value in payqr._QR_OPTIONS.items() if key != "eci"}
    monkeypatch.setattr(payqr, "_QR_OPTIONS", options)
    png = qr_png(UMLAUTS)
    assert segno_calls == [UMLAUTS]
    assert _read(png, zxingcpp.TextMode.HexECI).text == _raw_hex(UMLAUTS)


def test_zxing_cpp_and_segno_draw_codes_that_read_the_same(monkeypatch):
    drawn_by_zxing = qr_png(DINARS)
    monkeypatch.setattr(payqr.zxingcpp, "create_barcode", _cannot_write)
    drawn_by_segno = qr_png(DINARS)
    assert drawn_by_zxing != drawn_by_segno
    assert _read(drawn_by_zxing).text == _read(drawn_by_segno).text == DINARS
