"""``/app/credits``: the balance, progress to the next credit, the ledger and the referrals that
earn credits, by status with their dates."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from server.models import ReferralStatus
from server.network import credits, referrals, settlement
from server.principal import Principal
from web.console import view
from web.console.routing import page

LEDGER_SIZE = 50
REFERRAL_SIZE = 50
STATUSES = [s.value for s in ReferralStatus]
# The dates shown per referral (column key, field), in the order a referral lives them.
REFERRAL_DATES = [(name.removesuffix("_at"), name) for name in referrals.DATES]


def _before(request: Request, name: str) -> int | None:
    value = request.query_params.get(name, "")
    return int(value) if value.isdigit() and len(value) < 19 else None


@page("/app/credits")
async def credits_page(request: Request, principal: Principal) -> Response:
    company_id = principal.require_company()
    query = credits.ledger(principal)
    if (before := _before(request, "ledger_before")) is not None:
        query = query.filter(id__lt=before)
    ledger = await query.order_by("-id").limit(LEDGER_SIZE + 1)
    status = request.query_params.get("status", "")
    chosen = ReferralStatus(status) if status in STATUSES else None
    found = await referrals.recent(
        principal, chosen, limit=REFERRAL_SIZE + 1, before=_before(request, "referrals_before")
    )
    return await view.render(
        request,
        principal,
        "console/credits.html",
        {
            "progress": await settlement.progress(company_id),
            "per_credit": settlement.REFERRALS_PER_CREDIT,
            "ledger": ledger[:LEDGER_SIZE],
            "ledger_more": ledger[LEDGER_SIZE - 1].id if len(ledger) > LEDGER_SIZE else None,
            "counts": await referrals.counts_by_status(company_id),
            "referrals": found[:REFERRAL_SIZE],
            "referrals_more": found[REFERRAL_SIZE - 1]["id"]
            if len(found) > REFERRAL_SIZE
            else None,
            "statuses": STATUSES,
            "status": chosen.value if chosen else "",
            "dates": REFERRAL_DATES,
        },
        page_path="/app/credits",
    )
