"""introductions: the calling company's introduction requests."""

from __future__ import annotations

from typing import Annotated

import strawberry

from schema.context import Info
from schema.network.introductions.types import (
    Introduction,
    IntroductionConnection,
    IntroductionStatus,
)
from schema.pagination import After, First, paginate
from schema.permissions import IsCompany
from server import models as m
from server.network import introductions


@strawberry.type
class IntroductionQueries:
    @strawberry.field(
        permission_classes=[IsCompany],
        description="The calling company's introductions, newest first.",
    )
    async def introductions(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        status: Annotated[
            IntroductionStatus | None,  # type: ignore[valid-type]
            strawberry.argument(description="Only introductions in this status."),
        ] = None,
    ) -> IntroductionConnection:
        query = introductions.scoped(info.context.caller)
        if status is not None:
            query = query.filter(status=m.IntroductionStatus(status))
        return await paginate(
            IntroductionConnection, query, first, after, Introduction.from_model, newest_first=True
        )
