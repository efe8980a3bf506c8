"""GraphQL types of network matching: anonymised candidate cards and scored matches."""

from __future__ import annotations

from collections.abc import Iterable

import strawberry
from strawberry import relay

from schema import node
from schema.context import Info
from schema.network.tags.types import Tag, load_tags, pick, tags_by_id
from schema.pagination import Connection
from server import models as m
from server.network import cards, matching


@strawberry.type(
    description="An anonymised network candidate: no name, email or referring company; "
    "contact details only through an accepted introduction."
)
class CandidateCard(relay.Node):
    id: relay.NodeID[int]
    headline: str = strawberry.field(description="The candidate's headline, up to 200 characters.")
    experience_years: int = strawberry.field(description="Years of experience, 0 to 60.")
    tags: list[Tag] = strawberry.field(
        description="The candidate's tags: skills, job types, locations, conditions."
    )

    @classmethod
    def from_model(cls, candidate: cards.CardData, tags: dict[int, Tag]) -> CandidateCard:
        """The card of a candidate, its tags taken from ``tags`` (id -> Tag)."""
        return cls(
            id=candidate.id,
            headline=candidate.headline,
            experience_years=candidate.experience_years,
            tags=pick(tags, candidate.tag_ids),
        )

    @classmethod
    async def load(cls, info: Info, candidate: m.Candidate) -> CandidateCard:
        """The card of one candidate as the company may see it (server.network.cards.visible), its
        tags (when asked for) through the tag loader."""
        card = cards.visible(candidate)
        wanted = _selects(info.selected_fields, {"tags"})
        tags = await load_tags(info, card.tag_ids) if wanted else []
        return cls.from_model(card, {t.id: t for t in tags})


@strawberry.type(description="A network candidate matching an opening, with why.")
class Match:
    candidate: CandidateCard = strawberry.field(description="The anonymised candidate.")
    score: float = strawberry.field(
        description="IDF-weighted tag overlap: the sum of the matched tags' weights "
        "(rare tags weigh more); higher is better."
    )
    matched_tags: list[Tag] = strawberry.field(
        description="Tags the candidate shares with the opening, rarest first."
    )

    @classmethod
    def from_match(cls, match: matching.Match, tags: dict[int, Tag]) -> Match:
        return cls(
            candidate=CandidateCard.from_model(match.candidate, tags),
            score=match.score,
            matched_tags=pick(tags, match.matched_tag_ids),
        )


def _selects(selections: Iterable, names: set[str]) -> bool:
    """Whether any of the field names is selected anywhere below (fragments included)."""
    return any(
        getattr(s, "name", None) in names or _selects(getattr(s, "selections", ()), names)
        for s in selections
    )


async def load_page_tags(info: Info, matches: Iterable[matching.Match]) -> dict[int, Tag]:
    """Every tag a page of matches shows, in one read (the page is its own batch: a
    DataLoader would add a task and a future per tag); none when the query asks for no
    tags."""
    if not _selects(info.selected_fields, {"tags", "matchedTags"}):
        return {}
    return await tags_by_id(t for r in matches for t in (*r.candidate.tag_ids, *r.matched_tag_ids))


@strawberry.type(description="A page of matches, best first.")
class MatchConnection(Connection[Match]):
    pass


@node.register("CandidateCard")
async def load_candidate_card(info: Info, candidate_id: int) -> CandidateCard | None:
    row = await matching.card(info.context.caller, candidate_id)
    return await CandidateCard.load(info, row) if row else None
