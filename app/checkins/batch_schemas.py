"""Schemas of `POST /partner/events/batch`: the batch in, one answer per event out.

The events are taken as raw JSON values here and validated one by one by the service
(app/checkins/partner_batches.py), so that one malformed event is that event's 422, not
the whole batch's. The OpenAPI document still shows them as PartnerEvent objects.
"""

from __future__ import annotations

from marshmallow import Schema, fields

from app.checkins.partner_batches import BATCH_MAX
from app.checkins.schemas import PartnerEventResultSchema

# Any JSON value, documented as the single endpoint's body (validated per event, above).
_EVENT_ITEM = fields.Raw(
    allow_none=True, metadata={"allOf": [{"$ref": "#/components/schemas/PartnerEvent"}]}
)


class PartnerEventBatchSchema(Schema):
    events = fields.List(
        _EVENT_ITEM,
        required=True,
        metadata={
            "description": f"1 to {BATCH_MAX} events, each as for POST /partner/events; "
            "more is 422 `batch_too_large`, none 422 `batch_empty`",
            "minItems": 1,
            "maxItems": BATCH_MAX,
        },
    )


class PartnerBatchItemSchema(PartnerEventResultSchema):
    status = fields.String(
        allow_none=True,
        metadata={
            "description": "as POST /partner/events answers it (approved, held...); null for "
            "a refused event"
        },
    )
    index = fields.Integer(metadata={"description": "the event's position in `events`"})
    code = fields.Integer(
        metadata={
            "description": "the status POST /partner/events would have answered for this "
            "event: 201 credited, 202 held, 200 an event_id seen before, or its 4xx"
        }
    )
    reason = fields.String(
        allow_none=True,
        metadata={"description": "a refused event's reason slug, as the single endpoint's"},
    )
    message = fields.String(allow_none=True)
    errors = fields.Dict(allow_none=True, metadata={"description": "per-field messages (422)"})


class PartnerBatchCountsSchema(Schema):
    credited = fields.Integer()
    held = fields.Integer()
    duplicate = fields.Integer()
    refused = fields.Integer()


class PartnerEventBatchResultSchema(Schema):
    results = fields.List(fields.Nested(PartnerBatchItemSchema))
    counts = fields.Nested(PartnerBatchCountsSchema)
