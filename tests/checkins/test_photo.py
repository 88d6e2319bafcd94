"""Photo evidence: upload checks, duplicates (exact, re-saved, edited), review queue, metadata."""

from __future__ import annotations

import io
import random

from PIL import Image, ImageOps

from app.extensions import db
from tests.checkins.scenes import EDITS, edited, encode, scene
from tests.checkins.support import account, photo, upload
from tests.helpers import bearer


def _photo_checkin(client, token, upload_id, scenario="clean_plate", **extra):
    body = {"scenario": scenario, "evidence": {"type": "photo", "upload_id": upload_id}, **extra}
    return client.post("/api/v1/checkins", json=body, headers=bearer(token))


def _uploaded(client, token, data) -> str:
    response = upload(client, token, data)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["upload_id"]


def test_upload_rejects_what_is_not_a_photo(client, resident):
    token, _user, _openid = resident
    tiny = io.BytesIO()
    Image.new("RGB", (20, 20)).save(tiny, "PNG")
    gif = io.BytesIO()
    Image.new("RGB", (100, 100)).save(gif, "GIF")
    truncated = photo(1)[:600]
    for data in [b"not an image at all", b"", tiny.getvalue(), gif.getvalue(), truncated]:
        response = upload(client, token, data)
        assert response.status_code == 422, data[:20]
        assert response.get_json()["reason"] == "invalid_image"
    missing = client.post("/api/v1/uploads", data={}, headers=bearer(token),
                          content_type="multipart/form-data")  # fmt: skip
    assert missing.status_code == 422


def test_upload_rejects_oversized_files(app, client, resident):
    token, _user, _openid = resident
    app.config["UPLOAD_MAX_BYTES"] = 2000
    try:
        response = upload(client, token, photo(2, size=(800, 600)))
    finally:
        del app.config["UPLOAD_MAX_BYTES"]
    assert response.status_code == 422
    assert response.get_json()["reason"] == "invalid_image"


def test_stored_photo_has_no_exif_location(app, client, resident, make_operator):
    token, _user, _openid = resident
    image = Image.open(io.BytesIO(photo(3)))
    exif = Image.Exif()
    exif[0x8825] = {2: (39.0, 54.0, 0.0)}  # a GPS IFD
    exif[0x010F] = "PhoneMaker"
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes())
    assert b"PhoneMaker" in buffer.getvalue()
    upload_id = _uploaded(client, token, buffer.getvalue())

    op_token = make_operator()[0]
    stored = client.get(f"/api/v1/admin/uploads/{upload_id}", headers=bearer(op_token))
    assert stored.status_code == 200
    assert stored.mimetype == "image/jpeg"
    assert b"PhoneMaker" not in stored.data
    assert not Image.open(io.BytesIO(stored.data)).getexif()


def test_photo_checkin_waits_for_review_then_pays(client, resident, make_operator):
    token, _user, _openid = resident
    op_token = make_operator()[0]
    response = _photo_checkin(client, token, _uploaded(client, token, photo(10)))
    assert response.status_code == 201
    body = response.get_json()
    assert (body["status"], body["carbon_g"], body["points"]) == ("pending", 144.0, 0)
    assert account(client, token)["pending_count"] == 1

    queue = client.get("/api/v1/admin/checkins?status=pending", headers=bearer(op_token))
    items = queue.get_json()["items"]
    assert [i["record"]["id"] for i in items] == [body["id"]]
    assert items[0]["expected_points"] == 5 and items[0]["upload_id"]

    approved = client.post(f"/api/v1/admin/checkins/{body['id']}/approve", headers=bearer(op_token))
    assert approved.status_code == 200
    assert approved.get_json()["record"]["status"] == "approved"
    again = client.post(f"/api/v1/admin/checkins/{body['id']}/approve", headers=bearer(op_token))
    assert again.status_code == 409
    assert again.get_json()["reason"] == "already_decided"

    mine = account(client, token)
    assert (mine["points_balance"], mine["carbon_total_g"]) == (5, 144.0)
    ledger = client.get("/api/v1/me/ledger", headers=bearer(token)).get_json()["items"]
    assert [(e["amount"], e["code"]) for e in ledger] == [(5, "checkin_reward")]
    assert client.get("/api/v1/admin/checkins", headers=bearer(op_token)).get_json()["items"] == []


def test_rejected_photo_pays_nothing_and_frees_the_cap(client, resident, make_operator):
    token, _user, _openid = resident
    op_token = make_operator()[0]
    ids = [_photo_checkin(client, token, _uploaded(client, token, photo(n))).get_json()["id"]
           for n in (20, 21)]  # fmt: skip
    capped = _photo_checkin(client, token, _uploaded(client, token, photo(22)))
    assert capped.status_code == 409
    assert capped.get_json()["reason"] == "daily_cap_reached"  # clean_plate: 2 meals a day

    rejected = client.post(f"/api/v1/admin/checkins/{ids[0]}/reject", json={"note": "不是餐盘"},
                           headers=bearer(op_token))  # fmt: skip
    assert rejected.get_json()["record"]["status"] == "rejected"
    assert client.post(f"/api/v1/admin/checkins/{ids[0]}/approve",
                       headers=bearer(op_token)).status_code == 409  # fmt: skip
    assert _photo_checkin(client, token, _uploaded(client, token, photo(23))).status_code == 201
    assert account(client, token)["points_balance"] == 0


def test_same_file_twice_is_duplicate_evidence(client, resident, login_resident):
    token, _user, _openid = resident
    data = photo(30)
    assert _photo_checkin(client, token, _uploaded(client, token, data)).status_code == 201
    again = _photo_checkin(client, token, _uploaded(client, token, data))
    assert again.status_code == 409
    assert again.get_json()["reason"] == "duplicate_evidence"
    # A friend who got the picture in a chat cannot use it either, for any scenario.
    friend = login_resident()[0]
    shared = _photo_checkin(client, friend, _uploaded(client, friend, data), scenario="old_clothes")
    assert shared.get_json()["reason"] == "duplicate_evidence"


def test_resaved_resized_photo_is_duplicate_evidence(client, resident):
    token, _user, _openid = resident
    original = photo(40, size=(640, 480))
    assert _photo_checkin(client, token, _uploaded(client, token, original)).status_code == 201
    resaved = io.BytesIO()
    Image.open(io.BytesIO(original)).resize((480, 360)).save(resaved, "PNG")
    response = _photo_checkin(client, token, _uploaded(client, token, resaved.getvalue()))
    assert response.status_code == 409
    assert response.get_json()["reason"] == "duplicate_evidence"


def test_one_upload_backs_one_checkin_and_only_its_owner_can_use_it(client, resident,
                                                                    login_resident):  # fmt: skip
    token, _user, _openid = resident
    upload_id = _uploaded(client, token, photo(50))
    other = login_resident()[0]
    stolen = _photo_checkin(client, other, upload_id)
    assert stolen.status_code == 404
    assert stolen.get_json()["reason"] == "upload_not_found"
    assert _photo_checkin(client, token, upload_id).status_code == 201
    assert _photo_checkin(client, token, upload_id).get_json()["reason"] == "duplicate_evidence"


def test_different_photos_are_not_duplicates(client, resident):
    token, _user, _openid = resident
    for n in (60, 61):
        assert _photo_checkin(client, token, _uploaded(client, token, photo(n))).status_code == 201


def test_every_edit_of_a_used_photo_is_duplicate_evidence(client, resident, login_resident):
    """Cropped, framed, mirrored, rotated copies too, for any resident (decision 0702)."""
    token = resident[0]
    original = scene(7)
    used = _photo_checkin(client, token, _uploaded(client, token, encode(original)))
    assert used.status_code == 201
    rng = random.Random(7)
    outcomes = {}
    for edit in EDITS:
        friend = login_resident()[0]  # a fresh resident each time: no cap gets in the way
        response = _photo_checkin(
            client, friend, _uploaded(client, friend, edited(original, edit, rng))
        )
        outcomes[edit] = (response.status_code, response.get_json().get("reason"))
    assert outcomes == dict.fromkeys(EDITS, (409, "duplicate_evidence"))
    other = _photo_checkin(client, token, _uploaded(client, token, encode(scene(8))))
    assert other.status_code == 201


def test_uploads_and_evidence_from_before_window_hashes_still_count(app, client, resident,
                                                                    login_resident):  # fmt: skip
    """An upload without a stored fingerprint is fingerprinted from its file; evidence
    without window rows (used before revision 0702) is still found by its 0204 dHash."""
    from sqlalchemy import delete, update

    from app.checkins.models import PhotoHash, Upload

    token = resident[0]
    original = scene(9)
    upload_id = _uploaded(client, token, encode(original))
    with app.app_context():
        db.session.execute(update(Upload).where(Upload.public_id == upload_id)
                           .values(fingerprint=None))  # fmt: skip
        db.session.commit()
    assert _photo_checkin(client, token, upload_id).status_code == 201
    friend = login_resident()[0]
    mirror_id = _uploaded(client, friend, encode(ImageOps.mirror(original)))
    mirrored = _photo_checkin(client, friend, mirror_id)
    with app.app_context():
        assert db.session.query(PhotoHash).count() > 0  # the windows came from the file
        db.session.execute(delete(PhotoHash))
        db.session.commit()
    friend = login_resident()[0]
    resaved = _photo_checkin(
        client, friend, _uploaded(client, friend, encode(original, quality=70))
    )
    assert (mirrored.status_code, resaved.status_code) == (409, 409)
    assert resaved.get_json()["reason"] == "duplicate_evidence"
