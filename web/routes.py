"""Routes of the candidate pages."""

from __future__ import annotations

from server.config import Settings
from web import console, landing, links, static
from web.candidates import introductions, join, pool_links, portal, register
from web.mail import mailbox, unsubscribe
from web.operator import admin


def routes(settings: Settings) -> list:
    """Every web route; development adds the mailbox viewer."""
    return [
        *landing.routes(),
        *links.routes(),
        *register.routes(),
        *join.routes(),
        *introductions.routes(),  # before the portal's /me/{token}/...
        *portal.routes(),
        *pool_links.routes(),
        *unsubscribe.routes(),
        *mailbox.routes(settings),
        *admin.routes(),
        *console.routes(),
        static.mount(),
    ]
