"""updateFollowUpPolicy."""

from __future__ import annotations

from typing import Annotated

import strawberry

from schema.companies.mutations import CompanyPayload
from schema.companies.types import Company
from schema.context import Info
from schema.errors import mutation
from schema.permissions import IsCompany
from server.pool import followups


@strawberry.input(description="Changes to the follow-up policy; fields left out stay as they are.")
class UpdateFollowUpPolicyInput:
    delays_days: list[int] | None = strawberry.field(
        default=None,
        description="Days after a rejection for each follow-up: at most 5, each 1 to 1095, "
        "increasing without repeats (e.g. [182, 365]); [] sends none.",
    )
    enabled: bool | None = strawberry.field(
        default=None, description="Whether follow-ups and new-opening alerts go out at all."
    )
    send_without_match: bool | None = strawberry.field(
        default=None,
        description="Whether a follow-up goes out when no open opening fits the person.",
    )
    timezone: str | None = strawberry.field(
        default=None, description="IANA time zone for dates in mails, e.g. Asia/Tokyo."
    )


@strawberry.type
class TalentPoolMutations:
    @mutation(
        permission_classes=[IsCompany],
        description="Changes when and whether the company's talent pool is followed up.",
    )
    async def update_follow_up_policy(
        self,
        info: Info,
        input: Annotated[
            UpdateFollowUpPolicyInput, strawberry.argument(description="The changes to make.")
        ],
    ) -> CompanyPayload:
        company = await followups.update_policy(
            info.context.caller,
            delays_days=input.delays_days,
            enabled=input.enabled,
            send_without_match=input.send_without_match,
            timezone=input.timezone,
        )
        return CompanyPayload(company=Company.from_model(company), user_errors=[])
