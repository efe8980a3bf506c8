"""Routes of the candidate pages."""

from __future__ import annotations

from server.config import Settings
from web import join, links, mailbox, portal, register, static, unsubscribe


def routes(settings: Settings) -> list:
    """Every web route; development adds the mailbox viewer."""
    return [
        *links.routes(),
        *register.routes(),
        *join.routes(),
        *portal.routes(),
        *unsubscribe.routes(),
        *mailbox.routes(settings),
        static.mount(),
    ]
