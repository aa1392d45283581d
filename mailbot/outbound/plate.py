"""A logo with transparency, laid on a white plate inside the image itself.

Most logos are dark lettering on transparency: on a dark mail background they vanish.
A plate painted with CSS is not enough: the Gmail and Outlook apps invert the colours of
a mail in dark mode, the plate with them, but never the pixels of an image. So the plate
goes into the picture: a white rectangle with a margin of a tenth of the logo's height.
An image without transparent pixels is left as the owner made it.
"""

from __future__ import annotations

import io
import logging

from PIL import Image, UnidentifiedImageError

log = logging.getLogger(__name__)
MARGIN = 0.1  # of the logo's height, on every side


def on_light_plate(data: bytes) -> tuple[bytes, bool]:
    """The image as PNG on white, and True; or ``data`` unchanged and False when it has no
    transparency (or cannot be read: the mail then carries it as it is)."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            if not image.has_transparency_data:
                return data, False
            rgba = image.convert("RGBA")
    except (UnidentifiedImageError, OSError, ValueError) as error:
        log.warning("logo not read (%s); sent as it is", error)
        return data, False
    lowest_alpha = rgba.getchannel("A").getextrema()[0]
    if lowest_alpha == 255:
        return data, False  # an alpha channel, but every pixel opaque
    margin = max(1, round(rgba.height * MARGIN))
    plate = Image.new("RGB", (rgba.width + 2 * margin, rgba.height + 2 * margin), "white")
    plate.paste(rgba, (margin, margin), rgba)
    out = io.BytesIO()
    plate.save(out, "PNG", optimize=True)
    return out.getvalue(), True
