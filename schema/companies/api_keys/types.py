"""GraphQL types of API keys."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import relay

from schema import node
from schema.context import Info
from server import models as m
from server.companies import api_keys


@strawberry.type(description="An API key; its secret is shown only once, when created.")
class ApiKey(relay.Node):
    id: relay.NodeID[int]
    name: str = strawberry.field(description="Label chosen by the creator, up to 100 characters.")
    prefix: str = strawberry.field(description="Public part of the key: rk_<prefix>_...")
    created_at: datetime = strawberry.field(description="When the key was created (UTC).")
    last_used_at: datetime | None = strawberry.field(
        description="Last use, updated at most once a minute."
    )
    revoked_at: datetime | None = strawberry.field(
        description="When the key was revoked (UTC); null while it is valid."
    )

    @classmethod
    def from_model(cls, key: m.ApiKey) -> ApiKey:
        return cls(
            id=key.id,
            name=key.name,
            prefix=key.prefix,
            created_at=key.created_at,
            last_used_at=key.last_used_at,
            revoked_at=key.revoked_at,
        )


@node.register("ApiKey")
async def load_api_key(info: Info, key_id: int) -> ApiKey | None:
    row = await api_keys.scoped(info.context.caller).get_or_none(id=key_id)
    return ApiKey.from_model(row) if row else None
