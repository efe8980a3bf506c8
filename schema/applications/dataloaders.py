"""Per-request loaders for application relations (every lookup scoped to the caller)."""

from __future__ import annotations

from strawberry.dataloader import DataLoader

from schema.context import Context
from server import applicants
from server.models import Applicant


def applicant_loader(context: Context) -> DataLoader[int, Applicant | None]:
    async def load(ids: list[int]) -> list[Applicant | None]:
        rows = {a.id: a for a in await applicants.scoped(context.caller).filter(id__in=ids)}
        return [rows.get(i) for i in ids]

    return DataLoader(load_fn=load)
