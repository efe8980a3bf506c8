"""``/app``: where the company stands (credits, the way to the next one)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from server.network import settlement
from server.principal import Principal
from web.console import view
from web.console.routing import page


@page("/app")
async def dashboard(request: Request, principal: Principal) -> Response:
    progress = await settlement.progress(principal.require_company())
    return await view.render(
        request,
        principal,
        "console/dashboard.html",
        {"progress": progress, "per_credit": settlement.REFERRALS_PER_CREDIT},
        page_path="/app",
    )
