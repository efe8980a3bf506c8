"""Per-request loaders for introduction relations, every lookup scoped to the caller."""

from __future__ import annotations

from strawberry.dataloader import DataLoader

from schema.context import Context
from server import introductions, openings
from server.models import Candidate, Opening


def opening_loader(context: Context) -> DataLoader[int, Opening | None]:
    async def load(ids: list[int]) -> list[Opening | None]:
        rows = {o.id: o for o in await openings.scoped(context.caller).filter(id__in=ids)}
        return [rows.get(i) for i in ids]

    return DataLoader(load_fn=load)


def candidate_loader(context: Context) -> DataLoader[int, Candidate | None]:
    """Candidates introduced to the caller's company (erased ones too: their card is blank)."""

    async def load(ids: list[int]) -> list[Candidate | None]:
        rows = await introductions.introduced_candidates(context.caller, ids)
        return [rows.get(i) for i in ids]

    return DataLoader(load_fn=load)


def contact_loader(context: Context) -> DataLoader[int, introductions.Contact | None]:
    """Contact details by introduction id: only the caller's accepted ones."""

    async def load(ids: list[int]) -> list[introductions.Contact | None]:
        rows = await introductions.contacts(context.caller, ids)
        return [rows.get(i) for i in ids]

    return DataLoader(load_fn=load)
