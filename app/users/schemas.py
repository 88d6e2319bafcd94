"""Request and response schemas for login and the current user."""

from marshmallow import Schema, fields, validate

from app.users.profile import avatar_url as _avatar_url


class WxLoginSchema(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=128))


class OperatorLoginSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=256))


class UserSchema(Schema):
    id = fields.Integer()
    nickname = fields.String()
    roles = fields.List(fields.String(), attribute="role_names")
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


class LoginResultSchema(Schema):
    token = fields.String()
    expires_in = fields.Integer(metadata={"description": "seconds until the token expires"})
    user = fields.Nested(UserSchema)
