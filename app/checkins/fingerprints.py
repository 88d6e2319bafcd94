"""Perceptual fingerprints that survive the edits people make to reuse a photo.

A photo is reduced to a 256 px thumbnail, a uniform frame (an added border) is trimmed,
and the grey picture is described by 128-bit signatures: a 64-bit DCT hash (pHash: the
8x8 lowest frequencies of a 32x32 thumbnail against their median) and a 64-bit
difference hash (dHash: each of 8x9 cells against its right neighbour). Two signatures
are one picture when their summed Hamming distance is at most `PHOTO_MATCH_DISTANCE`.

- What is stored for a used photo: the signature of the whole frame and of 34 crops of it
  (95 % and 90 % of each side, at places across the frame), so that a crop of it lines up
  with one of them to within about 1.25 % of the frame (`WINDOWS`).
- What a new photo is looked up with: its whole frame in the 8 orientations of a square
  (the 4 quarter turns, each mirrored) and turned back by 3 degrees either way (`probes`).

Look-ups go through an index: the pHash is cut into three bands of 22/21/21 bits, and a
stored window is a candidate when one of its bands equals a probe's band with any of
that band's 3 least certain bits (closest to the median) flipped. See docs/decisions/0702.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageChops

THUMBNAIL = 256
FRAME_TOLERANCE = 24  # per channel: JPEG ringing along an added border stays below this
ROTATIONS = (-3.0, 3.0)
WEAK_BITS = 3
BANDS = ((42, 22), (21, 21), (0, 21))  # (shift, width) of each pHash band
# (kept fraction of each side, where the kept part sits horizontally, vertically): the whole
# frame; 95 % at the corners, edge midpoints and centre; 90 % on a 5 x 5 grid of places.
WINDOWS = (
    (1.0, 0.5, 0.5),
    *((0.95, x, y) for x in (0.0, 0.5, 1.0) for y in (0.0, 0.5, 1.0)),
    *((0.9, x, y) for x in (0.0, 0.25, 0.5, 0.75, 1.0) for y in (0.0, 0.25, 0.5, 0.75, 1.0)),
)

_BIT_WEIGHTS = 1 << np.arange(63, -1, -1, dtype=np.uint64)
_K, _N = np.meshgrid(np.arange(8), np.arange(32), indexing="ij")
_DCT = np.cos(np.pi * _K * (2 * _N + 1) / 64)  # the 8 lowest rows of a 32-point DCT-II


@dataclass(frozen=True)
class Signature:
    phash: int
    dhash: int
    weak: int = 0  # probe only: the pHash bits closest to the median (WEAK_BITS per band)


@dataclass(frozen=True)
class Fingerprint:
    windows: tuple[Signature, ...]  # stored when the photo is used
    probes: tuple[Signature, ...]  # looked up before it is used

    def dumps(self) -> str:
        return json.dumps({
            "v": 1,
            "windows": [[f"{s.phash:016x}", f"{s.dhash:016x}"] for s in self.windows],
            "probes": [[f"{s.phash:016x}", f"{s.dhash:016x}", f"{s.weak:016x}"]
                       for s in self.probes],
        }, separators=(",", ":"))  # fmt: skip

    @classmethod
    def loads(cls, text: str) -> Fingerprint:
        data = json.loads(text)
        windows = tuple(Signature(int(p, 16), int(d, 16)) for p, d in data["windows"])
        probes = tuple(Signature(int(p, 16), int(d, 16), int(w, 16)) for p, d, w in data["probes"])
        return cls(windows, probes)


def fingerprint(image: Image.Image) -> Fingerprint:
    """The stored windows and the look-up probes of an (upright) picture."""
    grey = _prepare(image)
    width, height = grey.size
    windows = []
    for scale, x, y in WINDOWS:
        left, top = (width - width * scale) * x, (height - height * scale) * y
        box = (left, top, left + width * scale, top + height * scale)
        windows.append(_signature(_grid(grey, box)))
    whole = _grid(grey, (0, 0, width, height))
    probes = [_signature(np.ascontiguousarray(v), weak=True) for v in _orientations(whole)]
    for angle in ROTATIONS:
        turned = grey.rotate(angle, Image.Resampling.BILINEAR)
        inner = (width * 0.05, height * 0.05, width * 0.95, height * 0.95)  # past the corners
        probes.append(_signature(_grid(turned, inner), weak=True))
    return Fingerprint(tuple(windows), tuple(probes))


def distance(a: Signature, b: Signature) -> int:
    """Differing bits of two signatures (of 128)."""
    return (a.phash ^ b.phash).bit_count() + (a.dhash ^ b.dhash).bit_count()


def bands(phash: int) -> tuple[int, int, int]:
    """The three index bands of a pHash."""
    return tuple((phash >> shift) & ((1 << width) - 1) for shift, width in BANDS)  # type: ignore[return-value]  # 3 BANDS, typed tuple[int, ...]


def probe_bands(probe: Signature) -> list[set[int]]:
    """Per band, the values a stored window may have to be a candidate for `probe`."""
    result = []
    for (shift, width), value in zip(BANDS, bands(probe.phash), strict=True):
        weak = (probe.weak >> shift) & ((1 << width) - 1)
        flips = [1 << i for i in range(width) if weak >> i & 1]
        result.append({
            value ^ sum(combo)
            for count in range(len(flips) + 1)
            for combo in itertools.combinations(flips, count)
        })  # fmt: skip
    return result


def _prepare(image: Image.Image) -> Image.Image:
    """A small grey copy with any uniform frame around the picture trimmed."""
    width, height = image.size
    factor = THUMBNAIL / max(width, height)
    small = image
    if factor < 1:
        size = (max(1, round(width * factor)), max(1, round(height * factor)))
        small = image.resize(size, Image.Resampling.BOX, reducing_gap=2.0)  # reduce() first: fast
    return _trim_frame(small.convert("RGB")).convert("L")


def _trim_frame(rgb: Image.Image) -> Image.Image:
    """Remove a border whose colour the four corners share (twice: a frame in a frame)."""
    lut = [0] * (FRAME_TOLERANCE + 1) + [255] * (255 - FRAME_TOLERANCE)
    for _ in range(3):
        width, height = rgb.size
        corners = [rgb.getpixel(p) for p in ((0, 0), (width - 1, 0), (0, height - 1),
                                             (width - 1, height - 1))]  # fmt: skip
        channels = list(zip(*corners, strict=True))
        if any(max(c) - min(c) > FRAME_TOLERANCE for c in channels):
            break  # the corners differ: no frame
        colour = tuple(sum(c) // 4 for c in channels)
        red, green, blue = ImageChops.difference(rgb, Image.new("RGB", rgb.size, colour)).split()
        box = ImageChops.lighter(ImageChops.lighter(red, green), blue).point(lut).getbbox()
        if box is None or box == (0, 0, width, height):
            break
        if box[2] - box[0] < width / 2 or box[3] - box[1] < height / 2:
            break  # mostly one colour: that is the picture, not a frame
        rgb = rgb.crop(box)
    return rgb


def _grid(grey: Image.Image, box: tuple[float, float, float, float]) -> np.ndarray:
    return np.asarray(grey.resize((32, 32), Image.Resampling.BOX, box=box), dtype=np.float64)


def _orientations(grid: np.ndarray):
    for turns in range(4):
        turned = np.rot90(grid, turns)
        yield turned
        yield turned[:, ::-1]


def _signature(grid: np.ndarray, *, weak: bool = False) -> Signature:
    coefficients = (_DCT @ grid @ _DCT.T).ravel()
    median = np.median(coefficients)
    phash = int((coefficients > median).astype(np.uint64) @ _BIT_WEIGHTS)
    cells = Image.fromarray(grid.astype(np.uint8)).resize((9, 8), Image.Resampling.BOX)
    levels = np.asarray(cells, dtype=np.int16)
    dhash = int((levels[:, :-1] > levels[:, 1:]).ravel().astype(np.uint64) @ _BIT_WEIGHTS)
    mask = 0
    if weak:
        margins = np.abs(coefficients - median)
        for shift, width in BANDS:  # bit i of the hash is coefficient 63 - i
            positions = np.arange(63 - shift - width + 1, 64 - shift)
            for index in positions[np.argsort(margins[positions], kind="stable")[:WEAK_BITS]]:
                mask |= 1 << (63 - int(index))
    return Signature(phash, dhash, mask)
