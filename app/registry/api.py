"""Resident endpoints: my share of the registry (records in batches, what became of
them, Merkle inclusion proofs) and the aggregation consent."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields

from app.auth import current_principal, resident_required
from app.carbon import privacy
from app.registry import service
from app.registry.schemas import BatchSchema, RegistryConsentSchema, RegistryConsentSetSchema

blp = Blueprint("registry", __name__, description="我的减排量 My reductions (residents)")

privacy.register_personal_data("registry_consent", service.export_consent, service.withdraw_consent)


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
