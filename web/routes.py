"""Routes of the candidate pages."""

from __future__ import annotations

from server.config import Settings
from web import (
    admin,
    introductions,
    join,
    landing,
    links,
    mailbox,
    pool_links,
    portal,
    register,
    static,
    unsubscribe,
)


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
        static.mount(),
    ]
