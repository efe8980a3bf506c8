"""Per-request loader of API keys (scoped to the caller: its company's, or any for operators)."""

from __future__ import annotations

from strawberry.dataloader import DataLoader

from schema.context import Context
from server import api_keys
from server.models import ApiKey


def api_key_loader(context: Context) -> DataLoader[int, ApiKey | None]:
    async def load(ids: list[int]) -> list[ApiKey | None]:
        rows = {k.id: k for k in await api_keys.scoped(context.caller).filter(id__in=ids)}
        return [rows.get(i) for i in ids]

    return DataLoader(load_fn=load)
