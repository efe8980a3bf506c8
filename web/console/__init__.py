"""The company console at ``/app``: HR staff's pages over the same core as the GraphQL API.

Each page module declares its routes with ``web.console.routing`` (``@page``, ``@action``);
importing it registers them.
"""

from __future__ import annotations

from starlette.routing import Route

# Importing a page module registers its routes.
from web.console import (  # noqa: F401
    applications,
    credits,
    dashboard,
    imports,
    mail,
    network,
    opening_form,
    openings,
    pool,
    rejection_reasons,
    reports,
    settings,
    sign_in,
    team,
    webhooks,
)
from web.console.routing import ROUTES


def routes() -> list[Route]:
    return [*sign_in.routes(), *ROUTES]
