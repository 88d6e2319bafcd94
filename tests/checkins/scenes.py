"""Photo-like test pictures and the edits people make to reuse a photo.

`scene(seed)` draws a distinct picture per seed: a sky and a ground gradient split at a
random horizon, a dozen or two overlapping shapes (ellipses, boxes, polygons, poles),
a striped or dotted texture patch, sensor-like noise and sometimes a soft focus. Not
flat colours: every picture has gradients, edges and grain like a phone photo.

`EDITS` are the ways the same picture comes back: re-encoded, resized, cropped by 5 %
or 10 % (the kept part anywhere in the frame), framed by a 20 px border, mirrored,
rotated by 3 degrees (straightened, corners filled) or by 90 degrees.
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable

from PIL import Image, ImageDraw, ImageFilter, ImageOps

SIZE = (640, 480)


def scene(seed: int, size: tuple[int, int] = SIZE) -> Image.Image:
    """A distinct photo-like picture for each seed (deterministic)."""
    rng = random.Random(seed)
    width, height = size
    colour = lambda: tuple(rng.randrange(256) for _ in range(3))  # noqa: E731
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    horizon = rng.randrange(height // 4, 3 * height // 4)
    sky, haze, ground, near = colour(), colour(), colour(), colour()
    for y in range(height):
        start, end, t = (sky, haze, y / horizon) if y < horizon else (
            ground, near, (y - horizon) / (height - horizon))  # fmt: skip
        shade = tuple(int(a + (b - a) * t) for a, b in zip(start, end, strict=True))
        draw.line([(0, y), (width, y)], fill=shade)
    for _ in range(rng.randrange(8, 20)):
        x0, y0 = rng.randrange(-50, width), rng.randrange(-50, height)
        x1, y1 = x0 + rng.randrange(20, width // 2), y0 + rng.randrange(20, height // 2)
        kind = rng.randrange(4)
        if kind == 0:
            draw.ellipse((x0, y0, x1, y1), fill=colour())
        elif kind == 1:
            draw.rectangle((x0, y0, x1, y1), fill=colour())
        elif kind == 2:
            points = [(rng.randrange(-50, width + 50), rng.randrange(-50, height + 50))
                      for _ in range(rng.randrange(3, 7))]  # fmt: skip
            draw.polygon(points, fill=colour())
        else:
            draw.line([(x0, y0), (x1, y1)], fill=colour(), width=rng.randrange(2, 12))
    _texture(draw, rng, width, height, colour())
    grain = Image.frombytes("L", size, rng.randbytes(width * height))  # seeded, unlike effect_noise
    image = Image.blend(image, grain.convert("RGB"), rng.uniform(0.05, 0.2))
    if rng.random() < 0.5:
        image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 2)))
    return image


def _texture(draw: ImageDraw.ImageDraw, rng: random.Random, width: int, height: int,
             fill: tuple) -> None:  # fmt: skip
    """Stripes or dots over one patch (a fence, tiles, gravel)."""
    x0, y0 = rng.randrange(width - 100), rng.randrange(height - 80)
    x1, y1 = x0 + rng.randrange(60, 200), y0 + rng.randrange(40, 160)
    step = rng.randrange(4, 12)
    if rng.random() < 0.5:
        for x in range(x0, x1, step):
            draw.line([(x, y0), (x + step, y1)], fill=fill, width=max(1, step // 3))
    else:
        for _ in range(rng.randrange(40, 160)):
            x, y = rng.randrange(x0, x1), rng.randrange(y0, y1)
            draw.ellipse((x, y, x + step // 2 + 1, y + step // 2 + 1), fill=fill)


def encode(image: Image.Image, fmt: str = "JPEG", quality: int = 90) -> bytes:
    """The picture as an uploaded file."""
    buffer = io.BytesIO()
    image.save(buffer, fmt, quality=quality)
    return buffer.getvalue()


def decode(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data)).convert("RGB")


def _crop(image: Image.Image, fraction: float, rng: random.Random) -> Image.Image:
    """Keep (1 - fraction) of each side, the kept part anywhere in the frame."""
    width, height = image.size
    kept_w, kept_h = round(width * (1 - fraction)), round(height * (1 - fraction))
    left = round((width - kept_w) * rng.random())
    top = round((height - kept_h) * rng.random())
    return image.crop((left, top, left + kept_w, top + kept_h))


def _border(image: Image.Image, rng: random.Random) -> Image.Image:
    return ImageOps.expand(image, 20, fill=tuple(rng.randrange(256) for _ in range(3)))


def _rotate3(image: Image.Image, rng: random.Random) -> Image.Image:
    angle = rng.choice((-3, 3))
    fill = rng.choice(((255, 255, 255), (0, 0, 0)))
    return image.rotate(angle, Image.Resampling.BICUBIC, fillcolor=fill)


def _rotate90(image: Image.Image, rng: random.Random) -> Image.Image:
    return image.rotate(rng.choice((90, 270)), expand=True)


def _resize(image: Image.Image, _rng: random.Random) -> Image.Image:
    return image.resize((image.width * 3 // 5, image.height * 3 // 5), Image.Resampling.BILINEAR)


Edit = Callable[[Image.Image, random.Random], Image.Image]
EDITS: dict[str, Edit] = {
    "re-encode": lambda image, _rng: image,  # only the JPEG quality changes, below
    "resize 60 %": _resize,
    "crop 5 %": lambda image, rng: _crop(image, 0.05, rng),
    "crop 10 %": lambda image, rng: _crop(image, 0.10, rng),
    "border 20 px": _border,
    "mirror": lambda image, _rng: ImageOps.mirror(image),
    "rotate 3°": _rotate3,
    "rotate 90°": _rotate90,
}


def edited(image: Image.Image, edit: str, rng: random.Random) -> bytes:
    """The file a resident would upload after `edit` (saved again as JPEG)."""
    quality = 60 if edit == "re-encode" else rng.randrange(75, 92)
    return encode(EDITS[edit](image, rng), quality=quality)
