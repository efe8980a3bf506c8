"""Per-request loader of the caller's openings."""

from __future__ import annotations

from schema.dataloader import Loader
from server.applications import openings
from server.models import Opening


class OpeningLoader(Loader[int, Opening]):
    async def fetch(self, ids):
        return {o.id: o for o in await openings.by_ids(self.caller, ids)}
