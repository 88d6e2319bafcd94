"""Request and response schemas for login, the current user, and operators' views of
residents and console accounts."""

from marshmallow import Schema, fields, validate
from webargs.fields import DelimitedList

from app.fields import Id
from app.pagination import PageArgsSchema
from app.users import public_code
from app.users.profile import avatar_url as _avatar_url

_CODE = {
    "type": "string",
    "nullable": True,
    "description": "公开编号: 8 characters the resident reads out (stable, derived from the id)",
}


def _public_code(user) -> str | None:
    return public_code.encode(user.id)


class WxLoginSchema(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=128))


class OperatorLoginSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=256))


class UserSchema(Schema):
    id = fields.Integer()
    nickname = fields.String()
    roles = fields.List(fields.String(), attribute="role_names")
    public_code = fields.Function(_public_code, metadata=_CODE)
    frozen = fields.Function(
        lambda user: user.frozen_at is not None,
        metadata={"type": "boolean", "description": "points-moving writes are refused (403)"},
    )
    avatar_url = fields.Function(
        _avatar_url,
        metadata={"type": "string", "nullable": True,
                  "description": "relative to the site root; null: none set"},
    )  # fmt: skip


class NicknameSchema(Schema):
    nickname = fields.String(
        required=True,
        validate=validate.Length(min=1, max=20),
        metadata={"description": 'from <input type="nickname">; checked by msg_sec_check'},
    )


class AvatarFileSchema(Schema):
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class AdminUserSchema(Schema):
    """A user as operators see them (the resident page, the search)."""

    id = fields.Integer()
    nickname = fields.String()
    username = fields.String(allow_none=True, metadata={"description": "console accounts only"})
    roles = fields.List(fields.String(), attribute="role_names")
    public_code = fields.Function(_public_code, metadata=_CODE)
    created_at = fields.DateTime()
    deleted_at = fields.DateTime(allow_none=True)
    frozen_at = fields.DateTime(allow_none=True)
    frozen_reason = fields.String()
    frozen_by = fields.Integer(allow_none=True)
    disabled_at = fields.DateTime(allow_none=True)


class UserSearchArgsSchema(PageArgsSchema):
    q = fields.String(
        load_default=None,
        validate=validate.Length(max=64),
        metadata={"description": "user id, 公开编号 (public_code) or part of the nickname"},
    )
    frozen = fields.Boolean(load_default=None, metadata={"description": "only (un)frozen"})


class UserNamesArgsSchema(Schema):
    ids = DelimitedList(
        Id(), required=True, validate=validate.Length(min=1, max=100),
        metadata={"description": "comma-separated user ids (at most 100)"},
    )  # fmt: skip


class UserNameSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    kind = fields.String(metadata={"enum": ["resident", "console", "deleted"]})


class UserNameListSchema(Schema):
    items = fields.List(fields.Nested(UserNameSchema))


class FreezeSchema(Schema):
    reason = fields.String(
        required=True,
        validate=validate.Length(min=1, max=200),
        metadata={"description": "冻结原因（仅运营人员可见，记入审计日志）"},
    )


class NoBodySchema(Schema):
    """`{}`."""


_USERNAME = validate.Regexp(r"^[A-Za-z0-9_.-]{3,32}$", error="3-32 位字母、数字或 _ . -")


class ConsoleAccountArgsSchema(PageArgsSchema):
    role = fields.String(
        load_default=None,
        validate=validate.OneOf(["operator", "merchant_owner", "merchant_clerk", "verifier",
                                 "holder"]),
    )  # fmt: skip
    q = fields.String(load_default=None, validate=validate.Length(max=64))


class ConsoleAccountCreateSchema(Schema):
    username = fields.String(required=True, validate=_USERNAME)
    nickname = fields.String(
        required=True,
        validate=validate.Length(min=1, max=64),
        metadata={"description": "the person's name, shown everywhere in the console"},
    )


class ConsoleAccountViewSchema(Schema):
    id = fields.Integer()
    username = fields.String()
    nickname = fields.String()
    roles = fields.List(fields.String(), attribute="role_names")
    created_at = fields.DateTime()
    disabled_at = fields.DateTime(allow_none=True)
    last_login_at = fields.DateTime(allow_none=True)


class ConsoleAccountPasswordSchema(Schema):
    account = fields.Nested(ConsoleAccountViewSchema)
    password = fields.String(metadata={"description": "shown once: give it to the person"})


class LoginResultSchema(Schema):
    token = fields.String()
    expires_in = fields.Integer(metadata={"description": "seconds until the token expires"})
    user = fields.Nested(UserSchema)
