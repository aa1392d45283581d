"""The owner's brand colours, made safe to read: WCAG 2 contrast decides which colour text takes.

``[brand] color`` paints the buttons, the amount and the headings; an owner may pick a light
one (a yellow, a pale green) that white button text or coloured headings cannot be read on.
Templates therefore never take text colours from the brand directly: ``ink`` is the brand
colour where it reads at AA (4.5:1) on white and on the accent, else dark ink; ``on_color``
is white or dark ink, whichever reads better on the brand colour (a button's text).
"""

from __future__ import annotations

from typing import Any

INK = "#1d2430"  # the mails' body text
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


def brand_context(brand: dict[str, Any]) -> dict[str, Any]:
    """The ``[brand]`` table as templates see it, with ``ink`` and ``on_color`` added."""
    color, accent = brand["color"], brand["accent"]
    readable = min(contrast(color, WHITE), contrast(color, accent)) >= AA
    on_color = WHITE if contrast(WHITE, color) >= contrast(INK, color) else INK
    return {**brand, "ink": color if readable else INK, "on_color": on_color}
