"""Operator fields of the referral fraud review."""

from __future__ import annotations

from typing import Annotated

import strawberry

from schema.context import Info
from schema.network.referrals.types import (
    FlaggedReferral,
    FlaggedReferralConnection,
    ReferralReview,
)
from schema.pagination import After, First, paginate
from schema.permissions import IsOperator
from server import models as m
from server.network import referral_fraud


@strawberry.type
class ReferralOperatorFields:
    @strawberry.field(
        permission_classes=[IsOperator],
        description="Referrals with fraud signals, newest first: HELD ones (waiting for "
        "approveReferral / rejectReferral) unless review says otherwise.",
    )
    async def flagged_referrals(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        review: Annotated[
            ReferralReview | None,  # type: ignore[valid-type]
            strawberry.argument(description="Only this review state (default HELD)."),
        ] = None,
    ) -> FlaggedReferralConnection:
        query = referral_fraud.flagged(info.context.caller, review and m.ReferralReview(review))
        return await paginate(
            FlaggedReferralConnection,
            query,
            first,
            after,
            FlaggedReferral.from_model,
            newest_first=True,
        )
