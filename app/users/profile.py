"""A resident's public face: the nickname and avatar others see on the leaderboard.

Both come from WeChat's fill-in components (`<input type="nickname">`,
`<button open-type="chooseAvatar">`). WeChat checks what they fill in on the phone, but a
client can call the API directly, so the server checks too: the nickname with
msg_sec_check (v2, scene 1 "资料"), the avatar with img_sec_check after it is cropped to a
256 px square and re-encoded without metadata (docs/decisions/0948). Refused content is a
422 and nothing is stored. An avatar is kept under a random name in `<instance>/avatars`,
new on every change (so a cached old picture is never shown as the new one) and served
without a login at `/api/v1/avatars/<key>.jpg` (the leaderboard shows it to others).
"""

from __future__ import annotations

import io
import logging
import secrets
import warnings
from pathlib import Path

from flask import current_app
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import select

from app.after_commit import after_transaction
from app.errors import NotFound, Unauthorized, Unprocessable
from app.extensions import db
from app.files import private_dir, write_private
from app.ratelimit import hit_per_person
from app.users.models import User
from app.wechat import wechat

log = logging.getLogger(__name__)

AVATAR_SIDE = 256
AVATAR_MAX_BYTES = 5 * 1024 * 1024
AVATAR_MAX_PIXELS = 40_000_000
DEFAULT_PROFILE_RATE_LIMIT = "20 per hour"
RESERVED_NICKNAMES = ("已注销用户",)


class NicknameRejected(Unprocessable):
    reason, message = "nickname_rejected", "昵称未通过内容安全检查，请换一个"


class AvatarRejected(Unprocessable):
    reason, message = "avatar_rejected", "头像未通过内容安全检查，请换一张"


class InvalidAvatar(Unprocessable):
    reason, message = "invalid_image", "图片无效：请选择 JPEG、PNG 或 WebP 图片"


class AvatarNotFound(NotFound):
    reason, message = "avatar_not_found", "头像不存在"


def avatar_path(key: str | None) -> str | None:
    """The address of the avatar stored under `key`, relative to the site root."""
    return f"/api/v1/avatars/{key}.jpg" if key else None


def avatar_url(user: User) -> str | None:
    """The user's avatar address, relative to the site root (None: no avatar)."""
    return avatar_path(user.avatar_key)


def _avatar_dir() -> Path:
    return private_dir(Path(current_app.instance_path) / "avatars")


def _limit(user_id: int) -> None:
    spec = current_app.config.get("PROFILE_RATE_LIMIT", DEFAULT_PROFILE_RATE_LIMIT)
    hit_per_person("profile", spec, str(user_id), "修改太频繁，请稍后再试")


def _live_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or user.deleted_at is not None:
        raise Unauthorized(reason="invalid_token")
    return user


def set_nickname(user_id: int, nickname: str) -> User:
    """Store the resident's nickname once WeChat's msg_sec_check passes it.

    Raises RateLimited (429), NicknameRejected (422), WeChatUnavailable (503),
    Unauthorized (the account is gone).
    """
    user = _live_user(user_id)
    _limit(user_id)
    text = " ".join(nickname.split())
    if not text or text in RESERVED_NICKNAMES:
        raise NicknameRejected("这个昵称不能使用，请换一个")
    if not wechat.text_is_safe(text, user.openid or ""):
        raise NicknameRejected()
    user.nickname = text
    db.session.flush()
    return user


def _square_jpeg(data: bytes) -> bytes:
    if not data or len(data) > AVATAR_MAX_BYTES:
        raise InvalidAvatar("头像图片为空或超过 5 MB")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.format not in ("JPEG", "PNG", "WEBP"):
                    raise InvalidAvatar()
                if image.width * image.height > AVATAR_MAX_PIXELS:
                    raise InvalidAvatar("图片像素过多")
                image.load()
                upright = ImageOps.exif_transpose(image).convert("RGB")
                square = ImageOps.fit(upright, (AVATAR_SIDE, AVATAR_SIDE))
    except InvalidAvatar:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError,
            Image.DecompressionBombWarning):  # fmt: skip
        raise InvalidAvatar() from None
    buffer = io.BytesIO()
    square.save(buffer, format="JPEG", quality=88)  # no exif=: metadata is dropped
    return buffer.getvalue()


def set_avatar(user_id: int, data: bytes) -> User:
    """Store the resident's avatar once WeChat's img_sec_check passes it; the old file
    is deleted after the commit, the new one if the transaction rolls back.

    Raises RateLimited (429), InvalidAvatar (422 `invalid_image`), AvatarRejected (422),
    WeChatUnavailable (503), Unauthorized.
    """
    user = _live_user(user_id)
    _limit(user_id)
    clean = _square_jpeg(data)
    if not wechat.image_is_safe(clean):
        raise AvatarRejected()
    directory = _avatar_dir()
    old, key = user.avatar_key, secrets.token_hex(16)
    write_private(directory / f"{key}.jpg", clean)
    user.avatar_key = key
    db.session.flush()
    after_transaction(
        on_commit=lambda: _unlink(directory, old), on_rollback=lambda: _unlink(directory, key)
    )
    return user


def _unlink(directory: Path, key: str | None) -> None:
    if key:
        (directory / f"{key}.jpg").unlink(missing_ok=True)


def avatar_file(key: str) -> Path:
    """The stored avatar with this key. Raises AvatarNotFound."""
    if len(key) != 32 or any(ch not in "0123456789abcdef" for ch in key):
        raise AvatarNotFound()
    path = _avatar_dir() / f"{key}.jpg"
    known = db.session.scalar(select(User.id).where(User.avatar_key == key))
    if known is None or not path.is_file():
        raise AvatarNotFound()
    return path


def erase_avatar(user: User) -> None:
    """Account deletion: the avatar goes (after the commit)."""
    if user.avatar_key:
        directory, key = _avatar_dir(), user.avatar_key
        user.avatar_key = None
        after_transaction(on_commit=lambda: _unlink(directory, key))
