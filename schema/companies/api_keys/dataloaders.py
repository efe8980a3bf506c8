"""Per-request loader of API keys (scoped to the caller: its company's, or any for operators)."""

from __future__ import annotations

from schema.dataloader import Loader
from server.companies import api_keys
from server.models import ApiKey


class ApiKeyLoader(Loader[int, ApiKey]):
    async def fetch(self, ids):
        return {k.id: k for k in await api_keys.scoped(self.caller).filter(id__in=ids)}
