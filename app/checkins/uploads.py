"""Photo uploads: checked, fingerprinted and stored without metadata; operator access,
export and erasure. Whether a photo was used before is app/checkins/duplicates.py."""

from __future__ import annotations

import secrets
from pathlib import Path

from sqlalchemy import select, update

from app.checkins import images
from app.checkins.models import PhotoEvidence, Upload
from app.checkins.settings import setting, upload_dir
from app.errors import NotFound
from app.extensions import db


class UploadNotFound(NotFound):
    reason, message = "upload_not_found", "上传的图片不存在"


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
        fingerprint=checked.fingerprint,
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
