"""openings connection."""

from __future__ import annotations

from typing import Annotated

import strawberry

from schema.applications.openings.types import (
    Opening,
    OpeningConnection,
    OpeningStatus,
    attach_tags,
)
from schema.context import Info
from schema.pagination import After, First, paginate_core
from schema.permissions import IsCompany
from schema.preload import selects
from server import models as m
from server.applications import openings


@strawberry.type
class OpeningQueries:
    @strawberry.field(permission_classes=[IsCompany], description="The company's openings.")
    async def openings(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        status: Annotated[
            OpeningStatus | None,  # type: ignore[valid-type]
            strawberry.argument(description="Only openings in this status; all when unset."),
        ] = None,
    ) -> OpeningConnection:
        caller, wanted = info.context.caller, status and m.OpeningStatus(status)
        connection = await paginate_core(
            OpeningConnection,
            lambda cursor, limit: openings.page(caller, wanted, cursor, limit),
            lambda: openings.count(caller, wanted),
            first,
            after,
            Opening.from_model,
        )
        if selects(info, "edges", "node", "tags"):
            await attach_tags(edge.node for edge in connection.edges)
        return connection
