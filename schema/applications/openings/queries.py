"""openings connection."""

from __future__ import annotations

from typing import Annotated

import strawberry

from schema.applications.openings.types import Opening, OpeningConnection, OpeningStatus
from schema.context import Info
from schema.pagination import After, First, paginate
from schema.permissions import IsCompany
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
        query = openings.scoped(info.context.caller)
        if status is not None:
            query = query.filter(status=m.OpeningStatus(status))
        return await paginate(OpeningConnection, query, first, after, Opening.from_model)
