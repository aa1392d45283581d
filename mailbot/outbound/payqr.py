"""Pure: the payment QR codes a mail carries, so a client pays in seconds with the exact
amount and reference instead of typing an IBAN (issue 15, part 4).

- **SEPA GiroCode** (EPC QR, EPC069-12 version 002) for EUR bank transfers: a banking app
  fills in beneficiary, IBAN, amount and reference.  The reference travels *structured*
  (ISO 11649 RF, so the bank passes it on unchanged and ``decide.matching`` finds it);
  without one, as the unstructured text "Rechnung <number>" in the client's language
  (``transfer.remittance``).
- **NBS IPS QR** for Serbian dinar transfers, as the National Bank of Serbia specifies it
  (``K:PR|V:01|C:1|R:...``): only with a dinar account (``[payment] account_rs``).

The payloads are plain strings built here and tested field by field; ``zxing-cpp``
(Apache-2.0; ``segno``, BSD, when it cannot) draws them as a PNG, error correction M, that
travels inline by Content-ID.
"""

from __future__ import annotations

import binascii
import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import segno
import zxingcpp

EPC_MAX_BYTES = 331  # EPC069-12: the whole payload, UTF-8
EPC_NAME_MAX = 70
EPC_TEXT_MAX = 140
EPC_AMOUNT_MAX = Decimal("999999999.99")
IPS_NAME_MAX = 70
IPS_PURPOSE_MAX = 35
IPS_REFERENCE_MAX = 35  # the model's two digits included
IPS_PAYMENT_CODE = "289"  # šifra plaćanja: transakcije po nalogu građana (a person pays)
IPS_PAYMENT_CODE_BUSINESS = "221"  # promet robe i usluga: a company pays for goods and services


@dataclass(frozen=True)
class Transfer:
    """What a QR code asks the payer's bank to do: pay ``amount`` to ``account``."""

    name: str  # the beneficiary (account holder)
    account: str  # an IBAN (EPC) or an 18-digit Serbian account (IPS)
    amount: Decimal
    reference: str = ""  # EPC: an RF reference, structured; IPS: the reference after model 00
    text: str = ""  # EPC: unstructured remittance, when there is no RF reference; IPS: purpose
    bic: str = ""
    payment_code: str = IPS_PAYMENT_CODE  # IPS only: the NBS code of what the payment is for


def epc_payload(transfer: Transfer) -> str:
    """The GiroCode's text (EPC069-12 v002, UTF-8), or ``""`` when the transfer cannot be one:
    an amount outside 0.01-999,999,999.99, or more than 331 bytes in all.

    Lines: service tag, version, character set, identification, BIC (optional in v002),
    name, IBAN, amount, purpose (empty), structured reference, unstructured text; a
    payload carries one of the two remittances, never both, and ends without a newline."""
    amount = transfer.amount.quantize(Decimal("0.01"))
    if not Decimal("0.01") <= amount <= EPC_AMOUNT_MAX:
        return ""
    structured = "".join(transfer.reference.split()).upper()
    text = "" if structured else transfer.text[:EPC_TEXT_MAX]
    lines = [
        "BCD",
        "002",
        "1",  # UTF-8
        "SCT",
        transfer.bic.replace(" ", "").upper(),
        _one_line(transfer.name)[:EPC_NAME_MAX],
        transfer.account.replace(" ", "").upper(),
        f"EUR{amount}",
        "",  # purpose code: none
        structured,
        text,
    ]
    payload = "\n".join(lines).rstrip("\n")
    return payload if len(payload.encode("utf-8")) <= EPC_MAX_BYTES else ""


def ips_payload(transfer: Transfer) -> str:
    """The NBS IPS QR's text ("PR": a payment order), or ``""`` when it cannot be one.

    Tags in the order the standard gives: K, V, C, R (18 digits), N (name), I (``RSD`` and
    the amount with a decimal comma), SF (payment code), S (purpose), RO (model ``00`` and
    the reference).  A ``|`` inside a value would end its field, so none is kept."""
    amount = transfer.amount.quantize(Decimal("0.01"))
    if amount <= 0 or len(transfer.account) != 18 or not transfer.account.isdigit():
        return ""
    fields = [
        ("K", "PR"),
        ("V", "01"),
        ("C", "1"),
        ("R", transfer.account),
        ("N", _one_line(transfer.name).replace("|", " ")[:IPS_NAME_MAX]),
        ("I", f"RSD{amount}".replace(".", ",")),
        ("SF", transfer.payment_code),
        ("S", _one_line(transfer.text).replace("|", " ")[:IPS_PURPOSE_MAX]),
    ]
    reference = "".join(c for c in transfer.reference if c.isascii() and (c.isalnum() or c == "-"))
    if reference:
        fields.append(("RO", ("00" + reference)[:IPS_REFERENCE_MAX]))
    return "|".join(f"{tag}:{value}" for tag, value in fields if value)


def qr_png(payload: str) -> bytes:
    """The payload as a PNG (error correction M, as EPC asks; the UTF-8 bytes, no ECI), under
    1 KB: 4 pixels a module and the standard's quiet zone of 4 modules."""
    return _png(_symbol_rows(payload), QUIET_ZONE)


QUIET_ZONE = 4  # modules of light border, as ISO/IEC 18004 asks
MODULE_PIXELS = 4  # one hex digit of a PNG row (see ``_png``)
_QR_OPTIONS = {"ec_level": "M", "eci": "0", "data_mask": 0}


def _symbol_rows(payload: str) -> list[bytes]:
    """The symbol's rows, one byte a module (0 dark, 255 light), drawn by ``zxing-cpp``
    (zint, in C: about 0.08 ms where ``segno`` took 1.4).

    The payload goes in as bytes with ECI 0, so the symbol holds exactly its UTF-8 bytes and
    no ECI header, as ``segno`` wrote it (as text, zint would store Latin-1 where it can;
    as bare bytes it would announce ECI 899, binary); zint writes runs of digits and capitals
    in their own, denser modes, which every reader knows, so a symbol is often a version
    smaller than ``segno``'s all-bytes one.  Mask pattern 0, always (a choice, measured):
    every mask decodes alike, and the search for the one with the lowest penalty cost
    0.4 ms a code in zint, 28 ms in ``segno``.  zint ignores options it does not know, so a
    build that did not take them (the content is then binary, not text) or cannot write
    codes at all falls back to ``segno``.  One pixel a module: zint's own scaling took
    longer (0.08 ms) than the whole PNG."""
    try:
        code = zxingcpp.create_barcode(payload.encode("utf-8"), zxingcpp.BarcodeFormat.QRCode, **_QR_OPTIONS)
    except (ValueError, RuntimeError):
        return _segno_rows(payload)
    if code.ec_level != "M" or code.content_type != zxingcpp.ContentType.Text:
        return _segno_rows(payload)
    image = code.to_image(scale=1, add_quiet_zones=False)
    height, width = image.shape
    pixels = bytes(memoryview(image))  # type: ignore[arg-type]  # a buffer; the stub does not say so
    return [pixels[y * width : (y + 1) * width] for y in range(height)]


def _segno_rows(payload: str) -> list[bytes]:
    """The same rows drawn by ``segno`` (pure Python, byte mode, mask 0), the fallback."""
    code = segno.make_qr(payload, error="m", encoding="utf-8", boost_error=False, mask=0)
    return [bytes(0 if module else 255 for module in row) for row in code.matrix]


_NIBBLES = bytes.maketrans(b"\x00\xff", b"0f")


def _png(rows: Sequence[bytes], border: int) -> bytes:
    """A 1-bit greyscale PNG of a QR symbol, ``rows`` as ``_symbol_rows`` gives them, inside
    a light border of ``border`` modules; one ``zlib`` call, no image library (``segno``'s
    own writer took 3 to 7 ms).

    A module is 4 pixels wide, so one hex digit: "0" dark, "f" light, and ``unhexlify``
    packs a whole row from its modules in C; each row is repeated 4 times."""
    light = b"f" * border
    modules = len(rows[0]) + 2 * border
    padding = b"f" * (modules % 2)  # whole bytes: two modules a byte
    blank = b"\0" + binascii.unhexlify(b"f" * modules + padding)
    lines = [blank] * (border * MODULE_PIXELS)
    for row in rows:
        line = b"\0" + binascii.unhexlify(light + row.translate(_NIBBLES) + light + padding)
        lines += [line] * MODULE_PIXELS
    lines += [blank] * (border * MODULE_PIXELS)
    width, height = modules * MODULE_PIXELS, (len(rows) + 2 * border) * MODULE_PIXELS
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1 bit, greyscale, no interlace
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"".join(lines), 1))  # level 6: 0.06 ms for 100 bytes less
        + _chunk(b"IEND", b"")
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _one_line(text: str) -> str:
    return " ".join(text.split())
