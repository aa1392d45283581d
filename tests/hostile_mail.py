"""A corpus of hostile and huge mails, made in code (nothing big is committed).

Each maker returns the raw bytes of one message with a From, a Subject and a
Message-ID before the hostile part, so the tests can check that even a mail over
every limit is recognised by its sender and subject.  Used by the tests
(``test_hostile_mail.py``) and by ``benchmarks/hostile_mail.py``.
"""

from __future__ import annotations

import base64
import io
import random
import zipfile
from collections.abc import Callable

KIB = 1024
MIB = 1024 * KIB
SENDER = "mallory@hostile.example"


def head(name: str, extra: str = "") -> bytes:
    """The ordinary top of every corpus mail; ``extra`` lines go before the last header."""
    return (
        f"From: Mallory <{SENDER}>\r\nTo: billing@muster-design.example\r\n"
        f"Subject: hostile {name}\r\nMessage-ID: <{name}@hostile.example>\r\n"
        f"Date: Sun, 22 Nov 2026 09:00:00 +0000\r\n{extra}MIME-Version: 1.0\r\n"
    ).encode()


def encoded_word_header(size: int) -> bytes:
    """One header of ``size`` bytes of RFC 2047 encoded words (the stdlib decoder's cost
    grows faster than their number)."""
    word = "=?utf-8?q?=C3=A4?= "
    value = word * (size // len(word))
    return head(f"encoded-words-{size}", f"X-Words: {value}\r\n") + b"\r\nPaid.\r\n"


def long_header(size: int) -> bytes:
    """One plain header line of ``size`` bytes."""
    return head(f"long-header-{size}", "X-Long: " + "a" * size + "\r\n") + b"\r\nPaid.\r\n"


def many_headers(count: int) -> bytes:
    """``count`` short headers before the body."""
    lines = "".join(f"X-H{i}: v\r\n" for i in range(count))
    return head(f"many-headers-{count}", lines) + b"\r\nPaid.\r\n"


def deep_multipart(depth: int) -> bytes:
    """Multiparts nested ``depth`` deep, a text part at the bottom."""
    body = b"Content-Type: text/plain\r\n\r\nPaid.\r\n"
    for level in range(depth, 0, -1):
        boundary = f"b{level}".encode()
        body = (
            b"Content-Type: multipart/mixed; boundary=" + boundary + b"\r\n\r\n--" + boundary + b"\r\n"
            + body + b"\r\n--" + boundary + b"--\r\n"
        )  # fmt: skip
    return head(f"deep-{depth}") + body


def many_parts(count: int) -> bytes:
    """One multipart with ``count`` tiny text parts."""
    part = b"--b\r\nContent-Type: text/plain\r\n\r\nx\r\n"
    return head(f"parts-{count}", "Content-Type: multipart/mixed; boundary=b\r\n") + (
        b"\r\n" + part * count + b"--b--\r\n"
    )


def with_attachment(name: str, filename: str, ctype: str, data: bytes) -> bytes:
    """A text part saying "Paid." and ``data`` attached in base64."""
    return (
        head(name, "Content-Type: multipart/mixed; boundary=b\r\n")
        + b"\r\n--b\r\nContent-Type: text/plain\r\n\r\nPaid yesterday, thanks.\r\n--b\r\n"
        + f"Content-Type: {ctype}; name={filename}\r\nContent-Disposition: attachment; "
        f"filename={filename}\r\nContent-Transfer-Encoding: base64\r\n\r\n".encode()
        + base64.encodebytes(data)
        + b"--b--\r\n"
    )


def part_header_words(size: int) -> bytes:
    """Encoded words in an attachment's header (not the mail's: its own limits pass) and
    8-bit text, so a forward to the owner would have the stdlib write the mail again."""
    words = "=?utf-8?q?=C3=A4?= " * (size // 19)
    return (
        head(f"part-words-{size}", "Content-Type: multipart/mixed; boundary=b\r\n")
        + b"\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        + "Bezahlt – danke.\r\n".encode()
        + f'--b\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename="{words}"\r\n'.encode()
        + b"\r\nx\r\n--b--\r\n"
    )


def zip_bomb(unpacked: int) -> bytes:
    """A zip of ``unpacked`` bytes of zeros (a few hundred KiB packed), written in
    chunks so making it costs no memory either; attached as a remittance advice."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open("zeros.bin", "w", force_zip64=True) as member,
    ):
        chunk = bytes(MIB)
        for _ in range(unpacked // MIB):
            member.write(chunk)
    return with_attachment(f"zip-bomb-{unpacked}", "remittance.zip", "application/zip", buffer.getvalue())


def big_attachment(size: int) -> bytes:
    """``size`` random bytes attached (random: nothing compresses it)."""
    data = random.Random(size).randbytes(size)
    return with_attachment(f"attachment-{size}", "scan.pdf", "application/pdf", data)


def many_lines(size: int) -> bytes:
    """A text body of ``size`` bytes of empty lines (the parser keeps an object per line)."""
    return head(f"lines-{size}") + b"\r\n" + b"\n" * size


def html_nesting(depth: int) -> bytes:
    """An HTML-only mail of ``depth`` nested elements on one line."""
    html = b"<div>" * depth + b"Paid." + b"</div>" * depth
    return head(f"html-{depth}", "Content-Type: text/html; charset=utf-8\r\n") + b"\r\n" + html + b"\r\n"


def bounce_parts(count: int) -> bytes:
    """A delivery report (read in full for our Message-IDs) with ``count`` 16 KiB parts."""
    boundary = "rb"
    part = b"--rb\r\nContent-Type: text/plain\r\n\r\n" + b"x" * (16 * KIB) + b"\r\n"
    ctype = f"Content-Type: multipart/report; report-type=delivery-status; boundary={boundary}\r\n"
    return head(f"bounce-{count}", ctype) + b"\r\n" + part * count + b"--rb--\r\n"


def plain_reply() -> bytes:
    """The control: an ordinary reply, read whole."""
    return head("plain", "Content-Type: text/plain; charset=utf-8\r\n") + b"\r\nPaid yesterday, thanks.\r\n"


# name -> (maker, whether it breaks a limit and is read as oversized)
CORPUS: dict[str, tuple[Callable[[], bytes], bool]] = {
    "plain-reply": (plain_reply, False),
    "encoded-words-244k": (lambda: encoded_word_header(244 * KIB), True),
    "encoded-words-1m": (lambda: encoded_word_header(MIB), True),
    "encoded-words-10m": (lambda: encoded_word_header(10 * MIB), True),
    "encoded-words-60k": (lambda: encoded_word_header(60 * KIB), True),
    "header-10m": (lambda: long_header(10 * MIB), True),
    "headers-100000": (lambda: many_headers(100_000), True),
    "multipart-100-deep": (lambda: deep_multipart(100), True),
    "parts-10000": (lambda: many_parts(10_000), True),
    "zip-bomb-256m": (lambda: zip_bomb(256 * MIB), False),
    "attachment-25m": (lambda: big_attachment(25 * MIB), True),
    "attachment-7m": (lambda: big_attachment(7 * MIB), False),
    "lines-9m": (lambda: many_lines(9 * MIB), True),
    "html-100000-deep": (lambda: html_nesting(100_000), False),
    "bounce-400-parts": (lambda: bounce_parts(400), False),
    "part-header-words-256k": (lambda: part_header_words(256 * KIB), False),
}
