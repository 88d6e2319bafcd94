"""`GET /api/v1/notice-templates`: the subscribe-message templates the product sends.

WeChat delivers a subscribe message only if the resident accepted its template with
`wx.requestSubscribeMessage`, which must run inside a tap. The mini-program loads these
ids ahead and asks for the right ones right before the actions that lead to a notice
(a photo check-in, an alliance application, adopting a tree). Template ids are not secret:
they are in every mini-program's code anyway.
"""

from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint
from marshmallow import Schema, fields

blp = Blueprint("notice_templates", __name__, description="订阅消息 Subscribe-message templates")

# kind -> (config key, default template id, when it is sent)
TEMPLATES = {
    "checkin_review": (
        "WECHAT_TEMPLATE_CHECKIN_REVIEW", "checkin_review_result",
        "a check-in an operator reviewed was not approved",
    ),
    "merchant_application": (
        "WECHAT_TEMPLATE_MERCHANT_APPLICATION", "merchant_application_result",
        "an alliance application was approved or rejected",
    ),
    "tree_replaced": (
        "WECHAT_TEMPLATE_TREE_REPLACED", "tree_replaced",
        "an adopted tree died and was replaced (or the points refunded)",
    ),
}  # fmt: skip


class NoticeTemplateSchema(Schema):
    kind = fields.String(metadata={"enum": list(TEMPLATES)})
    template_id = fields.String(metadata={"description": "for wx.requestSubscribeMessage"})
    sent_when = fields.String()


class NoticeTemplateListSchema(Schema):
    items = fields.List(fields.Nested(NoticeTemplateSchema))


@blp.route("", methods=["GET"])
@blp.response(200, NoticeTemplateListSchema)
def list_templates():
    """The subscribe-message templates, to ask for before the actions they follow."""
    return {
        "items": [
            {"kind": kind, "template_id": current_app.config.get(key, default), "sent_when": when}
            for kind, (key, default, when) in TEMPLATES.items()
        ]
    }
