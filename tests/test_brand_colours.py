"""Colours, the logo's plate and bank details a client must be able to read (issue 15 part 5), as pure functions;
tests/test_mail_looks.py checks the mails themselves in Chromium."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from mailbot.outbound.colours import AA, WHITE, brand_context, contrast
from mailbot.outbound.context import shown_iban
from mailbot.outbound.plate import on_light_plate


def test_contrast_is_wcag_two():
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#777", "#ffffff") == pytest.approx(4.48, abs=0.01)  # just below AA
    assert contrast("#1f4e79", "#ffffff") == contrast("#ffffff", "#1f4e79")


def test_a_dark_brand_colour_is_its_own_ink_and_button():
    brand = brand_context({"color": "#1f4e79", "accent": "#eef3f8", "font": "Arial"})
    assert (brand["ink"], brand["button"], brand["font"]) == ("#1f4e79", "#1f4e79", "Arial")


def test_a_light_brand_colour_gets_a_darker_shade_of_itself_for_text_and_buttons():
    brand = brand_context({"color": "#f2c200", "accent": "#fff8dc", "font": "Arial"})
    assert brand["color"] == "#f2c200"
    for shade, backgrounds in ((brand["ink"], (WHITE, "#fff8dc")), (brand["button"], (WHITE,))):
        assert AA <= min(contrast(shade, back) for back in backgrounds) < AA + 0.3, (
            shade
        )  # dark enough, no darker
        assert shade[1:3] > shade[3:5] > shade[5:7]  # still a yellow-brown: red over green over blue


def test_a_brand_colour_too_light_only_on_the_accent_is_darkened_for_text_only():
    # #767676 reads at 4.54:1 on white, but not on a grey accent.
    brand = brand_context({"color": "#767676", "accent": "#e0e0e0", "font": "x"})
    assert brand["button"] == "#767676" and brand["ink"] != "#767676"
    assert contrast(brand["ink"], "#e0e0e0") >= AA


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        ("DE89370400440532013000", "DE89 3704 0044 0532 0130 00"),
        ("de89 3704 0044 0532 0130 00", "DE89 3704 0044 0532 0130 00"),
        ("FI21 1234 5600 0007 85", "FI21 1234 5600 0007 85"),
        ("160-0000000012345-67", "160-0000000012345-67"),  # a Serbian account number stays as written
    ],
)
def test_an_iban_shows_in_groups_of_four(written, shown):
    assert shown_iban(written) == shown


def _png(mode: str, colour: tuple[int, ...], size: tuple[int, int] = (40, 10)) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, colour).save(out, "PNG")
    return out.getvalue()


def test_a_transparent_logo_is_laid_on_a_white_plate_inside_the_image():
    logo = Image.new("RGBA", (40, 10), (0, 0, 0, 0))
    logo.paste((31, 78, 121, 255), (10, 2, 30, 8))  # dark lettering on transparency
    out = io.BytesIO()
    logo.save(out, "PNG")
    data, plated = on_light_plate(out.getvalue())
    image = Image.open(io.BytesIO(data))
    assert plated and image.mode == "RGB" and image.size == (42, 12)  # a margin of a tenth of the height
    assert image.getpixel((0, 0)) == (255, 255, 255) and image.getpixel((6, 6)) == (255, 255, 255)
    assert image.getpixel((21, 6)) == (31, 78, 121)


def test_an_opaque_logo_or_an_unreadable_file_travels_as_it_is():
    for data in (_png("RGB", (200, 0, 0)), _png("RGBA", (200, 0, 0, 255)), b"not an image"):
        assert on_light_plate(data) == (data, False)
    assert on_light_plate(_png("RGBA", (0, 0, 255, 127)))[1]  # half transparent: plated
