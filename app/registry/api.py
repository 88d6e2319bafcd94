"""Resident endpoints: my share of the registry (records in batches, what became of
them, Merkle inclusion proofs) and the aggregation consent."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields

from app.auth import current_principal, resident_required
from app.idempotency import current_idempotency, idempotent
from app.pagination import Page, PageArgsSchema, page_schema
from app.registry import personal, service
from app.registry.schemas import (
    BatchSchema,
    PersonalOffsetCreateSchema,
    PersonalOffsetSchema,
    PoolListSchema,
    RegistryConsentSchema,
    RegistryConsentSetSchema,
)
from app.users import service as users

blp = Blueprint("registry", __name__, description="我的减排量 My reductions (residents)")


class ProofStepSchema(Schema):
    side = fields.String(metadata={"enum": ["left", "right"]})
    hash = fields.String()


class HeldSchema(Schema):
    holder = fields.String()
    kg = fields.Integer()


class RetiredSchema(Schema):
    holder = fields.String()
    beneficiary = fields.String()
    purpose = fields.String()
    kg = fields.Integer()
    certificate_id = fields.String()


class FateSchema(Schema):
    held = fields.List(fields.Nested(HeldSchema))
    buffer_kg = fields.Integer()
    cancelled_kg = fields.Integer()
    retired = fields.List(fields.Nested(RetiredSchema))


class ReductionSchema(Schema):
    record_id = fields.Integer()
    scenario = fields.String()
    scenario_name = fields.String()
    carbon_g = fields.Float()
    day = fields.Date()
    batch = fields.Nested(BatchSchema)
    leaf_data = fields.String(metadata={"description": "the canonical text the leaf hashes"})
    leaf_hash = fields.String()
    proof = fields.List(fields.Nested(ProofStepSchema))
    revoked = fields.Boolean()
    fate = fields.Nested(FateSchema, allow_none=True)


class ReductionsSchema(Schema):
    pseudonym = fields.String(metadata={"description": "my id in the public leaf data"})
    items = fields.List(fields.Nested(ReductionSchema))


@blp.route("/me/reductions", methods=["GET"])
@resident_required
@blp.response(200, ReductionsSchema)
def my_reductions():
    """Which of my records are in which batch, what became of the batch (held,
    transferred, retired by whom), each with its inclusion proof against the batch's
    public Merkle root (`scripts/verify_inclusion.py` checks one offline)."""
    return service.my_reductions(current_principal().user_id)


@blp.route("/me/registry-consent", methods=["GET"])
@resident_required
@blp.response(200, RegistryConsentSchema)
def get_consent():
    """My answer to "my reductions may be aggregated and transferred", and its text."""
    return service.get_consent(current_principal().user_id)


@blp.route("/me/registry-consent", methods=["PUT"])
@resident_required
@blp.arguments(RegistryConsentSetSchema)
@blp.response(200, RegistryConsentSchema)
def set_consent(body: dict):
    """Agree or withdraw (for future batches; my points are not affected)."""
    return service.set_consent(current_principal().user_id, body["granted"])


@blp.route("/offset-pools", methods=["GET"])
@resident_required
@blp.response(200, PoolListSchema)
def offset_pools():
    """What I can offset with points (一元碳汇): sink or reduction units, points per kg."""
    return {"items": personal.pools()}


def _with_certificates(offsets: list) -> list:
    for item in offsets:
        item.certificate_id = service.certificate_of_retirement(item.retirement_id)
    return offsets


@blp.route("/me/offsets", methods=["POST"])
@resident_required
@idempotent
@blp.arguments(PersonalOffsetCreateSchema)
@blp.response(201, PersonalOffsetSchema)
@blp.alt_response(404, description="offset_pool_not_found")
@blp.alt_response(409, description="insufficient_points, insufficient_units")
@blp.alt_response(422, description="invalid_quantity")
@blp.alt_response(403, description="account_frozen: an operator froze the account")
def create_offset(body: dict):
    """Spend points to retire kilograms in my name; the answer names my certificate
    (我的碳中和证书, public at /registry/certificates/<id>)."""
    key, request_hash = current_idempotency()
    user_id = current_principal().user_id
    done = personal.offset(
        user_id,
        body["pool_id"],
        body["kg"],
        beneficiary=users.get_user(user_id).nickname,
        idempotency_key=key,
        request_hash=request_hash,
    )
    return _with_certificates([done])[0]


@blp.route("/me/offsets", methods=["GET"])
@resident_required
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, page_schema(PersonalOffsetSchema))
def my_offsets(args: dict):
    """My personal offsets, newest first, with their certificates."""
    items, next_cursor = personal.my_offsets(
        current_principal().user_id, args["limit"], args["cursor"]
    )
    return Page(_with_certificates(items), next_cursor)
