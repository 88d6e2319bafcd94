"""Request and response schemas for login and the current user."""

from marshmallow import Schema, fields, validate


class WxLoginSchema(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=128))


class OperatorLoginSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=256))


class UserSchema(Schema):
    id = fields.Integer()
    nickname = fields.String()
    roles = fields.List(fields.String(), attribute="role_names")


class LoginResultSchema(Schema):
    token = fields.String()
    expires_in = fields.Integer(metadata={"description": "seconds until the token expires"})
    user = fields.Nested(UserSchema)
