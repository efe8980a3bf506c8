"""GraphQL types of openings."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import relay

from schema import node
from schema.applications.openings.dataloaders import OpeningLoader
from schema.context import Info
from schema.network.tags.types import Tag, load_tags
from schema.pagination import Connection
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

    @strawberry.field(description="Tags of the opening (skills, job type, location, conditions).")
    async def tags(self, info: Info) -> list[Tag]:
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


@node.register("Opening")
async def load_opening(info: Info, opening_id: int) -> Opening | None:
    row = await OpeningLoader.of(info).load(opening_id)
    return Opening.from_model(row) if row else None
