"""Photo uploads and duplicate detection.

A photo can back one check-in, ever: the SHA-256 of the file is unique among used
photos (so even two concurrent check-ins with one file give one success), and a photo
whose perceptual hash is within `PHOTO_DUPLICATE_DISTANCE` bits of a used one (the same
picture re-saved, scaled or recompressed) is refused too. Both give 409
`duplicate_evidence`.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from app.checkins import images
from app.checkins.models import PhotoEvidence, Upload
from app.checkins.settings import setting, upload_dir
from app.errors import Conflict, NotFound
from app.extensions import db


class UploadNotFound(NotFound):
    reason, message = "upload_not_found", "上传的图片不存在"


class DuplicateEvidence(Conflict):
    reason, message = "duplicate_evidence", "这张照片已经用于打卡，不能重复使用"


def save_upload(user_id: int, data: bytes) -> Upload:
    """Check, fingerprint and store a photo. Raises InvalidImage (422 `invalid_image`)."""
    checked = images.check_image(
        data,
        max_bytes=setting("UPLOAD_MAX_BYTES"),
        max_pixels=setting("UPLOAD_MAX_PIXELS"),
        min_side=setting("UPLOAD_MIN_SIDE"),
    )
    public_id = secrets.token_hex(16)
    path = images.store_image(upload_dir(), public_id, checked)
    upload = Upload(
        public_id=public_id,
        user_id=user_id,
        sha256=checked.sha256,
        phash=checked.phash,
        content_type=checked.content_type,
        size_bytes=len(data),
        width=checked.width,
        height=checked.height,
        path=path,
    )
    db.session.add(upload)
    db.session.flush()
    return upload


def own_upload(user_id: int, public_id: str) -> Upload:
    """The caller's own upload. Raises UploadNotFound (also for someone else's)."""
    upload = db.session.scalar(select(Upload).where(Upload.public_id == public_id))
    if upload is None or upload.user_id != user_id or upload.path is None:
        raise UploadNotFound()
    return upload


def check_not_duplicate(upload: Upload) -> None:
    """Refuse a photo already used as evidence. Raises DuplicateEvidence (409)."""
    used = db.session.scalar(
        select(PhotoEvidence.id).where(
            or_(PhotoEvidence.sha256 == upload.sha256, PhotoEvidence.upload_id == upload.id)
        )
    )
    if used is not None:
        raise DuplicateEvidence()
    b0, b1, b2, b3 = images.bands(upload.phash)
    candidates = db.session.scalars(
        select(PhotoEvidence.phash).where(
            or_(
                PhotoEvidence.band0 == b0,
                PhotoEvidence.band1 == b1,
                PhotoEvidence.band2 == b2,
                PhotoEvidence.band3 == b3,
            )
        )
    )
    limit = setting("PHOTO_DUPLICATE_DISTANCE")
    if any(images.hamming(upload.phash, other) <= limit for other in candidates):
        raise DuplicateEvidence("这张照片与已用过的照片相同或高度相似")


def claim_photo(upload: Upload, record_id: int) -> None:
    """Bind the photo to a record; the unique SHA-256 settles races. Raises DuplicateEvidence."""
    b0, b1, b2, b3 = images.bands(upload.phash)
    evidence = PhotoEvidence(
        sha256=upload.sha256, phash=upload.phash, band0=b0, band1=b1, band2=b2, band3=b3,
        upload_id=upload.id, record_id=record_id,
    )  # fmt: skip
    try:
        with db.session.begin_nested():
            db.session.add(evidence)
    except IntegrityError:
        raise DuplicateEvidence() from None


def evidence_upload(record_id: int) -> Upload | None:
    """The photo behind a record, if any (review queue)."""
    return db.session.scalar(
        select(Upload)
        .join(PhotoEvidence, PhotoEvidence.upload_id == Upload.id)
        .where(PhotoEvidence.record_id == record_id)
    )


def upload_file(public_id: str) -> tuple[Path, str]:
    """(file path, content type) of a stored photo for an operator. Raises UploadNotFound."""
    upload = db.session.scalar(select(Upload).where(Upload.public_id == public_id))
    if upload is None or upload.path is None:
        raise UploadNotFound()
    path = upload_dir() / upload.path
    if not path.is_file():
        raise UploadNotFound()
    return path, upload.content_type


def export_uploads(user_id: int) -> list[dict]:
    """Metadata of the resident's uploads (data export; the files are not inlined)."""
    rows = db.session.scalars(select(Upload).where(Upload.user_id == user_id).order_by(Upload.id))
    return [
        {
            "upload_id": u.public_id,
            "content_type": u.content_type,
            "width": u.width,
            "height": u.height,
            "created_at": u.created_at.isoformat(),
            "erased": u.path is None,
        }
        for u in rows
    ]


def erase_uploads(user_id: int) -> None:
    """Delete the resident's photo files; fingerprints stay so a photo still pays once."""
    directory = upload_dir()
    uploads = list(db.session.scalars(select(Upload).where(Upload.user_id == user_id)))
    db.session.execute(
        update(Upload)
        .where(Upload.user_id == user_id)
        .values(path=None)
        .execution_options(synchronize_session=False)
    )
    for upload in uploads:
        if upload.path:
            images.erase_image(directory, upload.path)
