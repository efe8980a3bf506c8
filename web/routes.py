"""Routes of the candidate pages."""

from __future__ import annotations

from server.config import Settings


def routes(settings: Settings) -> list:
    """Every web route; development adds the mailbox viewer."""
    return []
