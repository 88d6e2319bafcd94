"""Resident profile endpoints: the nickname and avatar shown on the leaderboard, the
avatar images themselves (public: others see them), the export of all my data and the
deletion of my account."""

from __future__ import annotations

from flask import send_file
from flask_smorest import Blueprint

from app.auth import current_principal, resident_required
from app.users import personal_data, service
from app.users.schemas import AvatarFileSchema, NicknameSchema, UserSchema

blp = Blueprint("profile", __name__, description="昵称与头像 Nickname and avatar (residents)")


@blp.route("/me/nickname", methods=["PUT"])
@resident_required
@blp.arguments(NicknameSchema)
@blp.response(200, UserSchema)
@blp.alt_response(422, description="nickname_rejected: refused by WeChat's msgSecCheck")
@blp.alt_response(429, description="rate_limited")
@blp.alt_response(503, description="wechat_unavailable: the check could not be made")
def put_nickname(body: dict):
    """Set my nickname (from WeChat's nickname fill-in); it replaces 绿友<id> on the
    leaderboard once WeChat's content check passes it."""
    return service.set_nickname(current_principal().user_id, body["nickname"])


@blp.route("/me/avatar", methods=["POST"])
@resident_required
@blp.arguments(AvatarFileSchema, location="files")
@blp.response(200, UserSchema)
@blp.alt_response(422, description="invalid_image, avatar_rejected (WeChat's imgSecCheck)")
@blp.alt_response(429, description="rate_limited")
@blp.alt_response(503, description="wechat_unavailable: the check could not be made")
def post_avatar(files: dict):
    """Set my avatar (the file WeChat's chooseAvatar gave): cropped to a 256 px square,
    stored without metadata once WeChat's image check passes it."""
    return service.set_avatar(current_principal().user_id, files["file"].read())


@blp.route("/avatars/<string:key>.jpg", methods=["GET"])
@blp.response(200, content_type="image/jpeg", description="an avatar (no login needed)")
@blp.alt_response(404, description="avatar_not_found")
def get_avatar(key: str):
    """An avatar shown on the leaderboard; its name changes with every new avatar, so it
    may be cached for long."""
    response = send_file(service.avatar_file(key), mimetype="image/jpeg", max_age=86400 * 30)
    response.headers["Cache-Control"] = "public, max-age=2592000, immutable"
    return response


@blp.route("/me/export", methods=["GET"])
@resident_required
@blp.response(
    200,
    description="a JSON file (`Content-Disposition: attachment`): account, carbon records, "
    "the whole points history with its hash chain, coupons, consents, partner accounts, "
    "alliance applications, uploads' metadata",
    headers={"Content-Disposition": {"schema": {"type": "string"},
                                     "description": "attachment; filename=…json"}},
)  # fmt: skip
def export_me():
    """Everything we hold about me, as a JSON file to save or share (wx.downloadFile)."""
    user_id = current_principal().user_id
    data = personal_data.export_user_data(user_id)
    disposition = f'attachment; filename="{personal_data.export_filename(user_id)}"'
    return data, 200, {"Content-Disposition": disposition, "Cache-Control": "private, no-store"}


@blp.route("/me", methods=["DELETE"])
@resident_required
@blp.response(204)
def delete_me():
    """Delete my account: personal data is anonymised, the ledger kept pseudonymised."""
    personal_data.delete_account(current_principal().user_id)
