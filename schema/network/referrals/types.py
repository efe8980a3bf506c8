"""GraphQL types of the referral fraud review (operator only)."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import relay

from schema.companies.types import Company, ReferralStatus, load_company
from schema.context import Info
from schema.pagination import Connection
from server import models as m

ReferralReview = strawberry.enum(
    m.ReferralReview,
    description="Fraud review of a referral: NONE (no signal), HELD (flagged, never settles "
    "until approved), APPROVED, REJECTED (never counts; a settled one was clawed back).",
)


@strawberry.type(
    description="A referral with fraud signals: registration from the company's own network, "
    "an address at the company's own domain, a burst from one network, or a registration "
    "seconds after the mail."
)
class FlaggedReferral:
    id: relay.GlobalID = strawberry.field(description="The Referral's ID.")
    status: ReferralStatus = strawberry.field(description="Where the referral is.")  # type: ignore[valid-type]
    review: ReferralReview = strawberry.field(description="The operator's review.")  # type: ignore[valid-type]
    flags: list[str] = strawberry.field(
        description="COMPANY_NETWORK, COMPANY_DOMAIN, BURST, FAST_AFTER_MAIL."
    )
    registration_network: str = strawberry.field(
        description="The network (IPv4 /24, IPv6 /64) it registered from; empty when unknown."
    )
    registered_at: datetime | None = strawberry.field(description="When it registered (UTC).")
    mailed_at: datetime | None = strawberry.field(description="When its mail was sent (UTC).")
    settled: bool = strawberry.field(description="Whether it already counted in a credit.")
    company_id: strawberry.Private[int]

    @strawberry.field(description="The company the referral would earn credit for.")
    async def company(self, info: Info) -> Company | None:
        return await load_company(info, self.company_id)

    @classmethod
    def from_model(cls, row: m.Referral) -> FlaggedReferral:
        return cls(
            id=relay.GlobalID("Referral", str(row.id)),
            status=row.status,
            review=row.review,
            flags=list(row.fraud_flags),
            registration_network=row.registration_network,
            registered_at=row.registered_at,
            mailed_at=row.mailed_at,
            settled=row.settlement_id is not None,
            company_id=row.company_id,
        )


@strawberry.type(description="A page of flagged referrals.")
class FlaggedReferralConnection(Connection[FlaggedReferral]):
    pass
