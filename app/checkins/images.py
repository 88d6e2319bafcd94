"""Photo checks with Pillow: type, size, pixels; fingerprints; metadata-free storage.

A photo is accepted only if Pillow decodes it as JPEG, PNG or WebP within the byte and
pixel limits. Fingerprints are taken: the SHA-256 of the uploaded bytes (the exact
same file), a 64-bit difference hash of the pixels (decision 0204: the same picture
re-saved, resized or recompressed) and the window and probe signatures of
app/checkins/fingerprints.py (cropped, framed, mirrored, rotated copies). What is stored
is a re-encoding without EXIF, so no GPS position or device data is ever kept.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from app.checkins import fingerprints
from app.errors import Unprocessable
from app.files import private_dir, write_private

FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}


class InvalidImage(Unprocessable):
    reason, message = "invalid_image", "图片无效：请上传 JPEG、PNG 或 WebP 照片"


@dataclass(frozen=True)
class CheckedImage:
    content_type: str
    extension: str
    width: int
    height: int
    sha256: str
    phash: str  # 16 hex digits
    fingerprint: str  # fingerprints.Fingerprint, as JSON
    clean_bytes: bytes


def dhash(image: Image.Image) -> int:
    """64-bit difference hash: is each pixel brighter than its right neighbour (9x8 grey)."""
    small = image.convert("L").resize((9, 8), Image.Resampling.LANCZOS)
    pixels = small.tobytes()  # mode L: one byte per pixel
    value = 0
    for row in range(8):
        for col in range(8):
            left, right = pixels[row * 9 + col], pixels[row * 9 + col + 1]
            value = (value << 1) | (1 if left > right else 0)
    return value


def hamming(a: str, b: str) -> int:
    """Differing bits of two 16-hex-digit hashes."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


def bands(phash: str) -> tuple[int, int, int, int]:
    """The hash as four 16-bit bands (hashes within distance 3 share one)."""
    value = int(phash, 16)
    return tuple((value >> shift) & 0xFFFF for shift in (48, 32, 16, 0))  # type: ignore[return-value]  # 4 items, typed tuple[int, ...]


def check_image(data: bytes, *, max_bytes: int, max_pixels: int, min_side: int) -> CheckedImage:
    """Validate an uploaded photo and fingerprint it. Raises InvalidImage (422)."""
    if not data:
        raise InvalidImage("文件为空")
    if len(data) > max_bytes:
        raise InvalidImage(f"图片不能超过 {max_bytes // (1024 * 1024)} MB")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                fmt = probe.format
                width, height = probe.size
                if fmt not in FORMATS:
                    raise InvalidImage()
                if width * height > max_pixels:
                    raise InvalidImage("图片像素过多")
                if min(width, height) < min_side:
                    raise InvalidImage("图片太小，无法作为凭证")
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                upright = ImageOps.exif_transpose(image)
                legacy = f"{dhash(upright):016x}"
                signatures = fingerprints.fingerprint(upright).dumps()
                clean = _reencode(upright, fmt)
    except InvalidImage:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError,
            Image.DecompressionBombWarning):  # fmt: skip
        raise InvalidImage() from None
    content_type, extension = FORMATS[fmt]
    return CheckedImage(
        content_type=content_type,
        extension=extension,
        width=width,
        height=height,
        sha256=hashlib.sha256(data).hexdigest(),
        phash=legacy,
        fingerprint=signatures,
        clean_bytes=clean,
    )


def _reencode(image: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    if fmt == "JPEG":
        image.convert("RGB").save(buffer, format="JPEG", quality=90)
    else:
        image.save(buffer, format=fmt)  # no exif= argument: metadata is dropped
    return buffer.getvalue()


def store_image(directory: Path, public_id: str, checked: CheckedImage) -> str:
    """Write the clean image under `directory`; returns its relative path."""
    relative = f"{public_id[:2]}/{public_id}.{checked.extension}"
    target = directory / relative
    private_dir(target.parent)
    temporary = target.with_suffix(".part")
    write_private(temporary, checked.clean_bytes)
    temporary.replace(target)
    return relative


def erase_image(directory: Path, relative: str) -> None:
    """Delete a stored image (missing files are fine)."""
    (directory / relative).unlink(missing_ok=True)
