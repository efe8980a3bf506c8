"""GraphQL types of introductions."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import relay

from schema import node
from schema.applications.openings.dataloaders import OpeningLoader
from schema.applications.openings.types import Opening
from schema.context import Info
from schema.network.introductions.dataloaders import ContactLoader, IntroducedCandidateLoader
from schema.network.matching.types import CandidateCard
from schema.pagination import Connection
from server import models as m
from server.network import introductions

IntroductionStatus = strawberry.enum(
    m.IntroductionStatus,
    description="REQUESTED (waiting for the candidate, at most 14 days), ACCEPTED (contact "
    "details readable), DECLINED or EXPIRED (the credit was refunded).",
)


@strawberry.type(description="What a candidate gave the company by accepting an introduction.")
class CandidateContact:
    name: str = strawberry.field(description="The candidate's name, as they entered it.")
    email: str = strawberry.field(description="The candidate's email address.")


@strawberry.type(
    description="A request of the calling company to meet a network candidate, paid with one "
    "credit."
)
class Introduction(relay.Node):
    id: relay.NodeID[int]
    status: IntroductionStatus = strawberry.field(description="Where the request is.")  # type: ignore[valid-type]
    requested_at: datetime = strawberry.field(description="When the company asked (UTC).")
    responded_at: datetime | None = strawberry.field(
        description="When the candidate accepted or declined (UTC); null otherwise."
    )
    expires_at: datetime = strawberry.field(
        description="Until when the candidate may answer (UTC): 14 days after the request."
    )
    hired_at: datetime | None = strawberry.field(
        description="When the company marked the person hired (UTC); null otherwise."
    )
    row: strawberry.Private[m.Introduction]

    @strawberry.field(description="The company's opening the candidate was asked about.")
    async def opening(self, info: Info) -> Opening:
        row = await OpeningLoader.of(info).load(self.row.opening_id)
        assert row is not None
        return Opening.from_model(row)

    @strawberry.field(
        description="The anonymised candidate (blank when the person erased the profile)."
    )
    async def candidate(self, info: Info) -> CandidateCard:
        row = await IntroducedCandidateLoader.of(info).load(self.row.candidate_id)
        assert row is not None
        return await CandidateCard.load(info, row)

    @strawberry.field(
        description="Name and email: null until the candidate ACCEPTED, and after they erased "
        "the profile."
    )
    async def contact(self, info: Info) -> CandidateContact | None:
        found = await ContactLoader.of(info).load(self.row.id)
        return CandidateContact(name=found.name, email=found.email) if found else None

    @classmethod
    def from_model(cls, row: m.Introduction) -> Introduction:
        return cls(
            id=row.id,
            status=row.status,
            requested_at=row.requested_at,
            responded_at=row.responded_at,
            expires_at=row.expires_at,
            hired_at=row.hired_at,
            row=row,
        )


@strawberry.type(description="A page of introductions.")
class IntroductionConnection(Connection[Introduction]):
    pass


@node.register("Introduction")
async def load_introduction(info: Info, introduction_id: int) -> Introduction | None:
    if info.context.caller.is_operator:
        return None
    row = await introductions.scoped(info.context.caller).get_or_none(id=introduction_id)
    return Introduction.from_model(row) if row else None
