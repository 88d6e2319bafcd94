"""A photo backs one check-in, ever: exact copies, re-saves and edited copies are refused.

`check_not_duplicate` then `claim_photo`, in the check-in's one transaction:

1. Lock. Every look-up key of the photo (the index bands its probes may hit and the bands
   its own windows will be stored under, app/checkins/fingerprints.py) is mapped to a
   bucket, and an upsert per bucket, in ascending order, takes a row lock on its
   `checkin_photo_locks` row. A photo matches a used one only through a shared key, so two
   near-duplicates in flight always share a bucket row: the second waits on it until the
   first commits or rolls back, then checks with the first one's rows visible. Unrelated
   photos rarely share a bucket; the fixed order rules out deadlocks. (SQLite serialises
   writers anyway, with BEGIN IMMEDIATE.)
2. Check: the same file (SHA-256) or upload; the dHash of decision 0204 within
   `PHOTO_DUPLICATE_DISTANCE` (also evidence from before the window hashes); any window of
   a used photo within `PHOTO_MATCH_DISTANCE` of any probe, found through the bands.
3. Claim: the evidence row (unique SHA-256 and upload: the last guard) and its windows.

All of it is refused with 409 `duplicate_evidence`.
"""

from __future__ import annotations

from PIL import Image
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from app.checkins import fingerprints, images
from app.checkins.models import PhotoClaimLock, PhotoEvidence, PhotoHash, Upload
from app.checkins.settings import setting, upload_dir
from app.db import table_of
from app.errors import Conflict
from app.extensions import db
from app.sql import conflict_insert

BUCKET_BITS = 18  # per band: at most 3 * 2**18 + 4 * 2**16 lock rows, ever
_locks = table_of(PhotoClaimLock)


class DuplicateEvidence(Conflict):
    reason, message = "duplicate_evidence", "这张照片已经用于打卡，不能重复使用"


def check_not_duplicate(upload: Upload) -> fingerprints.Fingerprint:
    """Lock the photo's look-up keys, then refuse it if a used photo matches.

    Returns the fingerprint for `claim_photo`. Raises DuplicateEvidence (409).
    """
    fingerprint = upload_fingerprint(upload)
    _lock_keys(lock_keys(fingerprint, upload.phash))
    used = db.session.scalar(
        select(PhotoEvidence.id).where(
            or_(PhotoEvidence.sha256 == upload.sha256, PhotoEvidence.upload_id == upload.id)
        )
    )
    if used is not None:
        raise DuplicateEvidence()
    if _legacy_match(upload.phash) or _window_match(fingerprint):
        raise DuplicateEvidence("这张照片与已用过的照片相同或高度相似")
    return fingerprint


def claim_photo(upload: Upload, record_id: int, fingerprint: fingerprints.Fingerprint) -> None:
    """Bind the photo and its window hashes to a record (after `check_not_duplicate`).

    Raises DuplicateEvidence (the unique SHA-256 / upload, should the locks be bypassed).
    """
    b0, b1, b2, b3 = images.bands(upload.phash)
    evidence = PhotoEvidence(
        sha256=upload.sha256, phash=upload.phash, band0=b0, band1=b1, band2=b2, band3=b3,
        upload_id=upload.id, record_id=record_id,
    )  # fmt: skip
    try:
        with db.session.begin_nested():
            db.session.add(evidence)
            db.session.flush()
    except IntegrityError:
        raise DuplicateEvidence() from None
    rows = []
    for number, window in enumerate(fingerprint.windows):
        c0, c1, c2 = fingerprints.bands(window.phash)
        rows.append({
            "evidence_id": evidence.id, "window": number, "phash": f"{window.phash:016x}",
            "dhash": f"{window.dhash:016x}", "band0": c0, "band1": c1, "band2": c2,
        })  # fmt: skip
    db.session.execute(table_of(PhotoHash).insert(), rows)


def upload_fingerprint(upload: Upload) -> fingerprints.Fingerprint:
    """The upload's fingerprint (computed from its stored file for uploads made before
    fingerprints were kept)."""
    if upload.fingerprint:
        return fingerprints.Fingerprint.loads(upload.fingerprint)
    # mypy: own_upload gives only a live upload, whose path is set. own_upload: the file exists
    with Image.open(upload_dir() / upload.path) as image:  # type: ignore[operator]
        image.load()
        return fingerprints.fingerprint(image)


def lock_keys(fingerprint: fingerprints.Fingerprint, legacy_phash: str) -> list[int]:
    """The sorted lock buckets of a photo: every band value it looks up or is stored under
    (three window bands, then the four 16-bit dHash bands of decision 0204)."""
    keys: set[int] = set()
    for position, (_shift, width) in enumerate(fingerprints.BANDS):
        drop = width - BUCKET_BITS
        for probe in fingerprint.probes:
            keys.update(position << BUCKET_BITS | v >> drop
                        for v in fingerprints.probe_bands(probe)[position])  # fmt: skip
        for window in fingerprint.windows:
            keys.add(position << BUCKET_BITS | fingerprints.bands(window.phash)[position] >> drop)
    base = len(fingerprints.BANDS) << BUCKET_BITS
    keys.update(base + (position << 16 | value)
                for position, value in enumerate(images.bands(legacy_phash)))  # fmt: skip
    return sorted(keys)


def _lock_keys(keys: list[int]) -> None:
    """Row-lock each key's bucket row, creating it if new, in the given (ascending) order.

    One upsert per key, executed in order (executemany): PostgreSQL waits on a row, or on
    a concurrent insert of it, that another check-in holds until that one ends."""
    stmt = conflict_insert(_locks).on_conflict_do_update(
        index_elements=[_locks.c.key], set_={"claims": _locks.c.claims + 1}
    )
    db.session.execute(stmt, [{"key": key, "claims": 1} for key in keys])


def _legacy_match(phash: str) -> bool:
    b0, b1, b2, b3 = images.bands(phash)
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
    return any(images.hamming(phash, other) <= limit for other in candidates)


def _window_match(fingerprint: fingerprints.Fingerprint) -> bool:
    """Some window of a used photo within the distance of some probe (by index)."""
    wanted: list[set[int]] = [set(), set(), set()]
    for probe in fingerprint.probes:
        for position, values in enumerate(fingerprints.probe_bands(probe)):
            wanted[position] |= values
    rows = db.session.execute(
        select(PhotoHash.phash, PhotoHash.dhash).where(
            or_(
                PhotoHash.band0.in_(sorted(wanted[0])),
                PhotoHash.band1.in_(sorted(wanted[1])),
                PhotoHash.band2.in_(sorted(wanted[2])),
            )
        )
    )
    limit = setting("PHOTO_MATCH_DISTANCE")
    for phash, dhash in rows:
        window = fingerprints.Signature(int(phash, 16), int(dhash, 16))
        if any(fingerprints.distance(probe, window) <= limit for probe in fingerprint.probes):
            return True
    return False
