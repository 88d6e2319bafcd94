"""Near-duplicate photos under concurrency, through gunicorn (4 workers).

Ten residents upload ten different re-encodings of one picture (JPEG at several
qualities, PNG, WebP, a slightly smaller copy: ten different files, one picture) and
check in with them at the same moment. Exactly one check-in may win (pending review);
the nine others are 409 `duplicate_evidence`, and nothing of theirs is left behind: no
record, no evidence or hash row, no day-cap reservation.
"""

from __future__ import annotations

import io
import threading

import pytest
from PIL import Image
from sqlalchemy import func, select

from app.checkins.fingerprints import WINDOWS
from app.extensions import db
from tests.checkins.scenes import scene
from tests.checkins.support import seed, upload
from tests.concurrency.test_checkin_caps import _fire, _outcomes, _records
from tests.helpers import bearer

pytestmark = pytest.mark.slow


def _reencodings(image: Image.Image) -> list[bytes]:
    """Ten files of one picture, no two with the same bytes."""
    files = []
    for quality in (95, 90, 85, 80, 75, 70):
        files.append(_save(image, "JPEG", quality=quality))
    files.append(_save(image, "PNG"))
    files.append(_save(image, "WEBP", quality=90))
    files.append(_save(image, "WEBP", quality=75))
    smaller = image.resize((image.width * 9 // 10, image.height * 9 // 10))
    files.append(_save(smaller, "JPEG", quality=88))
    return files


def _save(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def _counts(app) -> dict:
    from app.checkins import models

    tables = {
        "evidence": models.PhotoEvidence,
        "hashes": models.PhotoHash,
        "counters": models.DayCounter,
    }
    with app.app_context():
        result = {
            name: db.session.scalar(select(func.count()).select_from(model))
            for name, model in tables.items()
        }
        result["cap_used"] = db.session.scalar(select(func.sum(models.DayCounter.used)))
        db.session.remove()
    return result


def test_ten_reencodings_of_one_picture_at_once_give_one_checkin(
    app, live_server, client, login_resident
):
    seed(app)
    files = _reencodings(scene(4242))
    assert len({hash(f) for f in files}) == 10  # ten different files
    residents = [login_resident()[0] for _ in files]
    jobs = []
    for token, data in zip(residents, files, strict=True):
        response = upload(client, token, data)
        assert response.status_code == 201, response.get_json()
        jobs.append((token, response.get_json()["upload_id"]))
    pending = iter(jobs)
    lock = threading.Lock()

    def send(session):
        with lock:
            token, upload_id = next(pending)
        body = {"scenario": "old_clothes", "evidence": {"type": "photo", "upload_id": upload_id}}
        return session.post(live_server.url + "/api/v1/checkins", json=body,
                            headers=bearer(token), timeout=60)  # fmt: skip

    outcomes = _outcomes(_fire(len(jobs), send))
    assert outcomes == [(201, "pending")] + [(409, "duplicate_evidence")] * 9
    assert _records(app) == {"pending": 1}
    counts = _counts(app)
    assert counts["evidence"] == 1 and counts["counters"] == 1
    assert counts["cap_used"] == 1000  # one item of old clothes, the winner's only
    assert counts["hashes"] == len(WINDOWS)  # the winner's windows, no one else's
