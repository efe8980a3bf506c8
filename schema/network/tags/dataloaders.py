"""Per-request loader of tags by id (merged ones included, as stored)."""

from __future__ import annotations

from schema.dataloader import Loader
from server.network import tags


class TagLoader(Loader[int, tags.TagRow]):
    async def fetch(self, ids):
        return await tags.by_ids(ids)
