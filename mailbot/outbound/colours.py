"""The owner's brand colours, made safe to read: WCAG 2 contrast decides which colour text takes.

``[brand] color`` paints the buttons, the amount and the headings; an owner may pick a light
one (a yellow, a pale green) that white button text or coloured headings cannot be read on.
Templates therefore never take text colours from the brand directly: ``ink`` is the brand
colour where it reads at AA (4.5:1) on white and on the accent, else a darker shade of it;
``button`` is the brand colour where white text reads on it, else a darker shade. Button
text stays white: a light button with dark text turns to light text on a light button when
the Gmail app inverts a mail's colours, while white on a dark button turns to dark on light.
"""

from __future__ import annotations

import colorsys
from functools import lru_cache
from typing import Any

WHITE = "#ffffff"
AA = 4.5


def _channels(colour: str) -> tuple[int, int, int]:
    digits = colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def luminance(colour: str) -> float:
    """WCAG 2 relative luminance of ``#rrggbb`` or ``#rgb``."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in _channels(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio, 1 to 21."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@lru_cache(maxsize=64)  # each mail asks; the owner has one or two colours
def darker(colour: str, *backgrounds: str) -> str:
    """``colour`` itself if it reads at AA on every one of ``backgrounds``, else the same hue
    made darker, step by step, until it does (black at the latest)."""
    r, g, b = (c / 255 for c in _channels(colour))
    hue, lightness, saturation = colorsys.rgb_to_hls(r, g, b)
    while lightness > 0:
        channels = colorsys.hls_to_rgb(hue, lightness, saturation)
        shade = "#" + "".join(f"{round(c * 255):02x}" for c in channels)
        if all(contrast(shade, back) >= AA for back in backgrounds):
            return shade
        lightness = max(0.0, lightness - 0.005)
    return "#000000"


def brand_context(brand: dict[str, Any]) -> dict[str, Any]:
    """The ``[brand]`` table as templates see it, with ``ink`` and ``button`` added."""
    color, accent = brand["color"], brand["accent"]
    return {**brand, "ink": darker(color, WHITE, accent), "button": darker(color, WHITE)}
