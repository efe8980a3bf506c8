"""Operator mutations of the referral fraud review: approveReferral, rejectReferral."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay

from schema import node
from schema.context import Info
from schema.errors import UserError, mutation
from schema.network.referrals.types import FlaggedReferral
from schema.permissions import IsOperator
from server.network import referral_fraud


@strawberry.input(description="A referral and why the operator decided so.")
class ReviewReferralInput:
    referral_id: relay.GlobalID = strawberry.field(description="The Referral to review.")
    note: str = strawberry.field(default="", description="Why, kept in the audit log.")


@strawberry.type
class ReviewReferralPayload:
    referral: FlaggedReferral | None = strawberry.field(
        default=None, description="The referral as stored; null when userErrors is not empty."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Expected failures, with the input field and a code."
    )


async def _review(info: Info, input: ReviewReferralInput, approve: bool) -> ReviewReferralPayload:
    referral_id = node.decode(str(input.referral_id), "Referral")[1]
    row = await referral_fraud.review(
        info.context.caller, referral_id, approve=approve, note=input.note[:500]
    )
    return ReviewReferralPayload(referral=FlaggedReferral.from_model(row), user_errors=[])


@strawberry.type
class ReferralReviewMutations:
    @mutation(
        permission_classes=[IsOperator],
        description="Operator: a held referral may settle (audited as referral.approve).",
    )
    async def approve_referral(
        self,
        info: Info,
        input: Annotated[ReviewReferralInput, strawberry.argument(description="The referral.")],
    ) -> ReviewReferralPayload:
        return await _review(info, input, approve=True)

    @mutation(
        permission_classes=[IsOperator],
        description="Operator: a referral never counts; if it already settled, its credit is "
        "clawed back with a CLAWBACK ledger entry (audited as referral.reject).",
    )
    async def reject_referral(
        self,
        info: Info,
        input: Annotated[ReviewReferralInput, strawberry.argument(description="The referral.")],
    ) -> ReviewReferralPayload:
        return await _review(info, input, approve=False)
