"""GraphQL types of the talent pool."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

import strawberry
from strawberry import relay

from schema import node
from schema.applications.openings.types import Opening, load_opening
from schema.context import Info
from schema.dataloader import Loader
from schema.network.tags.types import Tag, load_tags
from schema.pagination import Connection
from server.errors import DomainError
from server.pool import notes, talent_pool


@strawberry.type(
    description="A note of the company's members on a person of its talent pool, seen by the "
    "company only."
)
class PoolNote(relay.Node):
    id: relay.NodeID[int]
    body: str = strawberry.field(description="The note, up to 2,000 characters.")
    created_at: datetime = strawberry.field(description="When it was written (UTC).")
    author_name: str | None = strawberry.field(
        description="The member who wrote it (name, or address without one); null when "
        "written with an API key."
    )
    own: bool = strawberry.field(
        description="Whether the caller wrote it (only its writer may delete it)."
    )

    @classmethod
    def from_note(cls, note: notes.Note) -> PoolNote:
        return cls(
            id=note.id,
            body=note.body,
            created_at=note.created_at,
            author_name=note.author or None,
            own=note.own,
        )


class PoolNotesLoader(Loader[int, list[notes.Note]]):
    """The notes of a page of pool entries (people the caller just read from its pool)."""

    async def fetch(self, ids: Sequence[int]) -> Mapping[int, list[notes.Note]]:
        return await notes.of_entries(self.caller, list(ids))


@node.register("PoolNote")
async def load_pool_note(info: Info, pk: int) -> PoolNote | None:
    try:
        return PoolNote.from_note(await notes.get(info.context.caller, pk, datetime.now(UTC)))
    except DomainError:
        return None


@strawberry.type(description="One of the company's open openings, as it fits a pool member.")
class PoolFit:
    score: float = strawberry.field(
        description="Share of the opening's tags the person has, 0 to 1."
    )
    opening_id: strawberry.Private[int]
    matched_tag_ids: strawberry.Private[list[int]]

    @strawberry.field(description="The opening.")
    async def opening(self, info: Info) -> Opening:
        opening = await load_opening(info, self.opening_id)
        assert opening is not None
        return opening

    @strawberry.field(description="The tags the opening and the person share.")
    async def matched_tags(self, info: Info) -> list[Tag]:
        return await load_tags(info, self.matched_tag_ids)


@strawberry.type(
    description="A person the company rejected who registered on the network and agreed to "
    "hear from the company again (current FOLLOW_UP consent). Their own data, so with name "
    "and email."
)
class PoolEntry(relay.Node):
    id: relay.NodeID[int]
    name: str = strawberry.field(description="Name from the latest rejected application.")
    email: str = strawberry.field(description="Address from the latest rejected application.")
    evaluation: int | None = strawberry.field(
        description="Highest evaluation (1 to 5) given when rejecting the person."
    )
    silver_medalist: bool = strawberry.field(
        description="Whether any rejection marked the person a silver medalist."
    )
    rejected_at: datetime = strawberry.field(description="Time of the latest rejection (UTC).")
    tag_ids: strawberry.Private[list[int]]
    best: strawberry.Private[talent_pool.Fit | None]

    @strawberry.field(description="Tags of the person's current network profile.")
    async def tags(self, info: Info) -> list[Tag]:
        return await load_tags(info, self.tag_ids)

    @strawberry.field(
        description="The company's open opening that fits the person best (most of its tags "
        "shared); null when none shares a tag."
    )
    def best_opening(self) -> PoolFit | None:
        if self.best is None:
            return None
        return PoolFit(
            score=self.best.score,
            opening_id=self.best.opening_id,
            matched_tag_ids=self.best.matched_tag_ids,
        )

    @strawberry.field(
        description="The company members' notes on the person, newest first (at most 100)."
    )
    async def notes(self, info: Info) -> list[PoolNote]:
        found = await PoolNotesLoader.of(info).load(self.id)
        return [PoolNote.from_note(n) for n in found or []]

    @classmethod
    def from_entry(cls, entry: talent_pool.PoolEntry) -> PoolEntry:
        return cls(
            id=entry.candidate_id,
            name=entry.name,
            email=entry.email,
            evaluation=entry.evaluation,
            silver_medalist=entry.silver_medalist,
            rejected_at=entry.rejected_at,
            tag_ids=entry.tag_ids,
            best=entry.best,
        )


@strawberry.type(description="A page of the talent pool.")
class PoolEntryConnection(Connection[PoolEntry]):
    pass


@node.register("PoolEntry")
async def load_pool_entry(info: Info, pk: int) -> PoolEntry | None:
    entry = await talent_pool.get(info.context.caller, pk, datetime.now(UTC))
    return PoolEntry.from_entry(entry) if entry else None
