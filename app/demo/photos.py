"""Pictures for the demo's photo check-ins: each one different (the near-duplicate check
would hold look-alikes), a plate on a table, drawn with Pillow."""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw


def plate_photo(seed: int, size: tuple[int, int] = (480, 360)) -> bytes:
    """A JPEG of an empty plate on a table, different for each `seed`."""
    rng = random.Random(seed)  # noqa: S311  (a drawing, not a secret)
    table = tuple(rng.randrange(90, 200) for _ in range(3))
    image = Image.new("RGB", size, table)
    draw = ImageDraw.Draw(image)
    for _ in range(rng.randrange(8, 16)):  # the table's grain and things on it
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        w, h = rng.randrange(30, 200), rng.randrange(10, 120)
        draw.rectangle((x, y, x + w, y + h), fill=tuple(rng.randrange(256) for _ in range(3)))
    cx, cy = rng.randrange(160, 320), rng.randrange(120, 240)
    r = rng.randrange(90, 130)
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(245, 245, 240), outline=(200, 200, 200))
    draw.ellipse((cx - r // 2, cy - r // 2, cx + r // 2, cy + r // 2), outline=(215, 215, 210))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()
