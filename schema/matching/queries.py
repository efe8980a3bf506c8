"""matches: network candidates for one of the company's open openings."""

from __future__ import annotations

import math
from typing import Annotated

import strawberry
from strawberry import relay
from strawberry.relay.utils import from_base64, to_base64

from schema import node
from schema.context import Info
from schema.errors import PublicError
from schema.matching.types import Match, MatchConnection, load_page_tags
from schema.node import MAX_PK
from schema.pagination import After, First, check_first
from schema.permissions import IsCompany
from server import matching

CURSOR_PREFIX = "match"


def encode_cursor(match: matching.Match) -> str:
    return to_base64(CURSOR_PREFIX, f"{match.score!r}:{match.candidate.id}")


def decode_cursor(after: str | None) -> tuple[float, int] | None:
    if after is None:
        return None
    try:
        prefix, value = from_base64(after)
        score, candidate_id = value.split(":")
        if prefix != CURSOR_PREFIX or not math.isfinite(float(score)):
            raise ValueError(prefix)
        if abs(int(candidate_id)) > MAX_PK:
            raise ValueError(candidate_id)
        return float(score), int(candidate_id)
    except (ValueError, TypeError) as exc:
        raise PublicError("after is not a cursor from this list", "INVALID_CURSOR") from exc


@strawberry.type
class MatchingQueries:
    @strawberry.field(
        permission_classes=[IsCompany],
        description="Network candidates matching one of the company's open openings, best "
        "first (score, then candidate id, both descending), at most the best 1,000. Only "
        "candidates sharing with the network now; never the company's own applicants or "
        "referrals, nor candidates already introduced to it. Another company's, a closed or "
        "an unknown opening has no matches.",
    )
    async def matches(
        self,
        info: Info,
        opening_id: Annotated[
            relay.GlobalID,
            strawberry.argument(description="Global ID of an Opening of the calling company."),
        ],
        first: First = None,
        after: After = None,
    ) -> MatchConnection:
        size = check_first(first)
        cursor = decode_cursor(after)
        pk = node.decode(str(opening_id), "Opening")[1]
        caller = info.context.caller
        rows = await matching.matches(caller, pk, size + 1, cursor)
        tags = await load_page_tags(info, rows[:size])
        edges = [
            relay.Edge(cursor=encode_cursor(r), node=Match.from_match(r, tags)) for r in rows[:size]
        ]
        return MatchConnection(
            edges=edges,
            page_info=relay.PageInfo(
                has_next_page=len(rows) > size,
                has_previous_page=cursor is not None,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
            _count=lambda: matching.count(caller, pk),
        )
