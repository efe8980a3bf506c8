"""The company console at ``/app``: HR staff's pages over the same core as the GraphQL API.

Each page module declares its routes with ``web.console.routing`` (``@page``, ``@action``);
importing it registers them.
"""

from __future__ import annotations

from starlette.routing import Route

from web.console import (
    applications,
    dashboard,
    opening_form,
    openings,
    rejection_reasons,
    reports,
    sign_in,
    team,
)
from web.console.routing import ROUTES

PAGES = (  # imported for their routes
    dashboard,
    openings,
    opening_form,
    reports,
    team,
    applications,
    rejection_reasons,
)


def routes() -> list[Route]:
    return [*sign_in.routes(), *ROUTES]
