"""``operator { candidate(email:) }``: find a profile for a request that came by mail."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry import relay

from schema.context import Info
from schema.permissions import IsOperator
from server import models as m
from server.operator import lookup as operator_lookup


@strawberry.type(
    description="A registered person as the operator sees them, to act on an erasure or "
    "disclosure request (reading it is audited)."
)
class OperatorCandidate:
    id: strawberry.ID = strawberry.field(
        description="The CandidateCard ID (for eraseCandidate, provisionRecords, mailQueue.held)."
    )
    display_name: str = strawberry.field(description="The name the person registered.")
    email: str | None = strawberry.field(description="The address as registered.")
    sharing: bool = strawberry.field(description="Shares the profile with the network now.")
    paused_until: datetime | None = strawberry.field(description="Paused until, if paused.")
    erased_at: datetime | None = strawberry.field(description="When the profile was erased.")
    registered_at: datetime = strawberry.field(description="When the profile was created.")

    @classmethod
    def from_model(cls, candidate: m.Candidate) -> OperatorCandidate:
        return cls(
            id=strawberry.ID(relay.to_base64("CandidateCard", candidate.id)),
            display_name=candidate.display_name,
            email=candidate.email,
            sharing=candidate.sharing,
            paused_until=candidate.paused_until,
            erased_at=candidate.erased_at,
            registered_at=candidate.created_at,
        )


@strawberry.type
class LookupOperatorFields:
    @strawberry.field(
        permission_classes=[IsOperator],
        description="The profile registered with this email address (compared as the "
        "registration stores it: any width or case); null when none.",
    )
    async def candidate(
        self,
        info: Info,
        email: Annotated[str, strawberry.argument(description="The address, as given.")],
    ) -> OperatorCandidate | None:
        found = await operator_lookup.candidate_by_email(info.context.caller, email)
        return OperatorCandidate.from_model(found) if found else None
