"""GraphQL types of openings."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import strawberry
from strawberry import relay

from schema import node
from schema.applications.openings.dataloaders import OpeningLoader
from schema.context import Info
from schema.network.tags.types import Tag, load_tags, pick, tags_by_id
from schema.pagination import Connection
from schema.preload import preloaded
from server import models as m

OpeningStatus = strawberry.enum(m.OpeningStatus, description="Whether an opening takes people.")


@strawberry.type(description="A job opening of the calling company.")
class Opening(relay.Node):
    id: relay.NodeID[int]
    title: str = strawberry.field(description="Title, up to 200 characters.")
    description: str = strawberry.field(description="Free text, up to 20,000 characters.")
    status: OpeningStatus = strawberry.field(  # type: ignore[valid-type]
        description="OPEN openings are matched and alert the talent pool; CLOSED ones are not."
    )
    remote_ok: bool = strawberry.field(description="Whether remote work is possible.")
    created_at: datetime = strawberry.field(description="When the opening was created.")
    opened_at: datetime = strawberry.field(description="When it was last opened or reopened.")
    closed_at: datetime | None = strawberry.field(
        description="When it was closed; null while it is OPEN."
    )
    tag_ids: strawberry.Private[list[int]]
    loaded_tags: strawberry.Private[list[Tag] | None] = None  # set by attach_tags

    @strawberry.field(description="Tags of the opening (skills, job type, location, conditions).")
    @preloaded("loaded_tags")
    async def tags(self, info: Info) -> list[Tag]:
        if self.loaded_tags is not None:
            return self.loaded_tags
        return await load_tags(info, self.tag_ids)

    @classmethod
    def from_model(cls, opening: m.Opening) -> Opening:
        return cls(
            id=opening.id,
            title=opening.title,
            description=opening.description,
            status=opening.status,
            remote_ok=opening.remote_ok,
            created_at=opening.created_at,
            opened_at=opening.opened_at,
            closed_at=opening.closed_at,
            tag_ids=list(opening.tag_ids),
        )


@strawberry.type(description="A page of openings.")
class OpeningConnection(Connection[Opening]):
    pass


async def attach_tags(openings: Iterable[Opening]) -> None:
    """Every opening's tags, read at once for a page (schema/preload.py)."""
    openings = list(openings)
    found = await tags_by_id(t for o in openings for t in o.tag_ids)
    for opening in openings:
        opening.loaded_tags = pick(found, opening.tag_ids)


@node.register("Opening")
async def load_opening(info: Info, opening_id: int) -> Opening | None:
    row = await OpeningLoader.of(info).load(opening_id)
    return Opening.from_model(row) if row else None
