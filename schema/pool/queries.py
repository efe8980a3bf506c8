"""talentPool: the company's own rejects who agreed to hear from it again."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import strawberry
from strawberry import relay

from schema import node
from schema.context import Info
from schema.errors import PublicError
from schema.pagination import After, First, check_first, decode_cursor, page
from schema.permissions import IsCompany
from schema.pool.types import PoolEntry, PoolEntryConnection
from server.errors import DomainError
from server.pool import talent_pool


def _arg(description: str):
    return strawberry.argument(description=description)


@strawberry.type
class TalentPoolQueries:
    @strawberry.field(
        permission_classes=[IsCompany],
        description="The company's talent pool: people it rejected who registered on the "
        "network and keep their follow-up consent to it (not erased, not paused), one entry "
        "per person, ordered by entry id; each with the best fitting open opening.",
    )
    async def talent_pool(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        tag: Annotated[
            str | None, _arg("Only people whose profile has this tag (free text, up to 50).")
        ] = None,
        opening_id: Annotated[
            relay.GlobalID | None, _arg("Only people rejected for this opening.")
        ] = None,
        evaluation_min: Annotated[
            int | None, _arg("Only people whose highest evaluation is at least this (1 to 5).")
        ] = None,
        silver_medalist: Annotated[
            bool | None, _arg("Only silver medalists (true) or only the others (false).")
        ] = None,
        rejected_before: Annotated[
            datetime | None, _arg("Only people whose latest rejection is before this time.")
        ] = None,
        rejected_after: Annotated[
            datetime | None, _arg("Only people whose latest rejection is at or after this time.")
        ] = None,
    ) -> PoolEntryConnection:
        size = check_first(first)
        cursor = decode_cursor(after)
        if evaluation_min is not None and not 1 <= evaluation_min <= 5:
            raise PublicError("evaluationMin is 1 to 5", "INVALID_ARGUMENT")
        filters = talent_pool.Filters(
            tag=tag,
            opening_id=node.decode(str(opening_id), "Opening")[1] if opening_id else None,
            evaluation_min=evaluation_min,
            silver_medalist=silver_medalist,
            rejected_before=rejected_before,
            rejected_after=rejected_after,
        )
        try:
            entries, total = await talent_pool.entries(
                info.context.caller, datetime.now(UTC), filters, after=cursor, limit=size + 1
            )
        except DomainError as error:
            raise PublicError(error.errors[0].message, "INVALID_ARGUMENT") from error

        async def count() -> int:
            return total

        return page(
            PoolEntryConnection,
            entries,
            size,
            lambda e: e.candidate_id,
            PoolEntry.from_entry,
            count,
            cursor is not None,
        )
