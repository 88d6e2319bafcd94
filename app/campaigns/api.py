"""Campaign endpoints: operators create and pause; residents see what is running."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from app.audit.views import audited
from app.auth import current_principal, operator_required, resident_required
from app.campaigns import service
from app.campaigns.models import STATUS_ACTIVE, STATUS_PAUSED, Campaign
from app.campaigns.schemas import CampaignCreateSchema, CampaignListArgsSchema, CampaignSchema
from app.pagination import PageArgsSchema, page_schema, paginate_desc

admin_blp = Blueprint("admin_campaigns", __name__, description="活动管理 Campaigns (operators)")
blp = Blueprint("campaigns", __name__, description="进行中的活动 Live campaigns")


@admin_blp.route("")
class Campaigns(MethodView):
    # On each method, not in `decorators`: only there does its bearer security reach the
    # OpenAPI document.
    @operator_required
    @admin_blp.arguments(CampaignListArgsSchema, location="query")
    @admin_blp.response(200, page_schema(CampaignSchema))
    def get(self, args):
        """Campaigns, newest first, with their budget burn (`?live=true` for running ones)."""
        stmt = service.list_campaigns_stmt(live_only=args["live"])
        items, cursor = paginate_desc(stmt, Campaign.id, args["limit"], args["cursor"])
        return {"items": items, "next_cursor": cursor}

    @operator_required
    @audited("campaigns.create", "campaign:{id}")
    @admin_blp.arguments(CampaignCreateSchema)
    @admin_blp.response(201, CampaignSchema)
    @admin_blp.alt_response(400, description="invalid_campaign")
    @admin_blp.alt_response(404, description="scenario_not_found")
    def post(self, body):
        """Create a campaign: time window, scenarios, multiplier and/or bonus, budget."""
        return service.create_campaign(**body, created_by=current_principal().user_id)


@admin_blp.route("/<int:campaign_id>")
@operator_required
@admin_blp.response(200, CampaignSchema)
@admin_blp.alt_response(404, description="campaign_not_found")
def get_campaign(campaign_id: int):
    """One campaign with its budget burn."""
    return service.get_campaign(campaign_id)


@admin_blp.route("/<int:campaign_id>/pause", methods=["POST"])
@operator_required
@audited("campaigns.pause", "campaign:{campaign_id}")
@admin_blp.response(200, CampaignSchema)
def pause_campaign(campaign_id: int):
    """Stop a campaign paying bonuses (it can be resumed)."""
    return service.set_campaign_status(campaign_id, STATUS_PAUSED)


@admin_blp.route("/<int:campaign_id>/resume", methods=["POST"])
@operator_required
@audited("campaigns.resume", "campaign:{campaign_id}")
@admin_blp.response(200, CampaignSchema)
def resume_campaign(campaign_id: int):
    """Resume a paused campaign."""
    return service.set_campaign_status(campaign_id, STATUS_ACTIVE)


@blp.route("")
@resident_required
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, page_schema(CampaignSchema))
def live_campaigns(args):
    """Campaigns running now, for the mini-program's home page."""
    stmt = service.list_campaigns_stmt(live_only=True)
    items, cursor = paginate_desc(stmt, Campaign.id, args["limit"], args["cursor"])
    return {"items": items, "next_cursor": cursor}
