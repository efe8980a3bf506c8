"""``/``: what the network is, for candidates and for companies, with the privacy page."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from web import pages


async def landing(request: Request) -> Response:
    settings = request.app.state.settings
    return pages.render(request, "landing.html", {"contact": settings.operator_contact})


def routes() -> list[Route]:
    return [Route("/", landing, methods=["GET"])]
