"""QR images: every QR the product renders (site codes, coupon codes, event codes,
certificate links) is drawn here, the same way."""

from __future__ import annotations

import io

import qrcode
from qrcode.constants import ERROR_CORRECT_M


def qr_png(text: str) -> bytes:
    """`text` as a PNG QR code (error correction M, 8 px modules, 4-module margin)."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=8, border=4)
    code.add_data(text)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image().save(buffer, format="PNG")
    return buffer.getvalue()
