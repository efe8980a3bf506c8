"""matches: network candidates for one of the company's open openings."""

from __future__ import annotations

import math
from typing import Annotated

import strawberry
from strawberry import relay

from schema import node
from schema.context import Info
from schema.network.matching.types import Match, MatchConnection, load_page_tags
from schema.pagination import After, First, check_first, decode_cursor, page, parse_key
from schema.permissions import IsCompany
from server.network import matching

CURSOR_PREFIX = "match"


def cursor_value(match: matching.Match) -> str:
    return f"{match.score!r}:{match.candidate.id}"


def parse_cursor(value: str) -> tuple[float, int]:
    score, candidate_id = value.split(":")
    if not math.isfinite(float(score)):
        raise ValueError(score)
    return float(score), parse_key(candidate_id)


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
        cursor = decode_cursor(after, parse_cursor, CURSOR_PREFIX)
        pk = node.decode(str(opening_id), "Opening")[1]
        caller = info.context.caller
        rows = await matching.matches(caller, pk, size + 1, cursor)
        tags = await load_page_tags(info, rows[:size])
        return page(
            MatchConnection,
            rows,
            size,
            cursor_value,
            lambda r: Match.from_match(r, tags),
            lambda: matching.count(caller, pk),
            cursor is not None,
            CURSOR_PREFIX,
        )
