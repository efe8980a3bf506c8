"""GraphQL types of credits: ledger entries and the progress toward the next credit."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import relay

from schema import node
from schema.context import Info
from schema.pagination import Connection
from server import models as m
from server.network import credits, settlement

CreditKind = strawberry.enum(
    m.CreditKind,
    description="Why a ledger entry moved the balance: SETTLEMENT (+1 per ten qualified "
    "referrals), INTRODUCTION (-1 per requested introduction), REFUND (+1 when one is declined "
    "or expires), ADJUSTMENT (by the network's operator).",
)


@strawberry.type(description="One entry of a company's credit ledger (entries never change).")
class CreditEntry(relay.Node):
    id: relay.NodeID[int]
    delta: int = strawberry.field(
        description="Credits added (positive) or spent (negative); never 0."
    )
    kind: CreditKind = strawberry.field(description="Why the balance moved.")  # type: ignore[valid-type]
    balance_after: int = strawberry.field(
        description="The company's balance right after this entry; never negative."
    )
    memo: str = strawberry.field(description="Why, up to 500 characters; may be empty.")
    created_at: datetime = strawberry.field(description="When it was written (UTC).")

    @classmethod
    def from_model(cls, entry: m.CreditEntry) -> CreditEntry:
        return cls(
            id=entry.id,
            delta=entry.delta,
            kind=entry.kind,
            balance_after=entry.balance_after,
            memo=entry.memo,
            created_at=entry.created_at,
        )


@strawberry.type(description="A page of credit ledger entries.")
class CreditEntryConnection(Connection[CreditEntry]):
    pass


@strawberry.type(
    description=f"Referrals on the way to credits: every {settlement.REFERRALS_PER_CREDIT} "
    "qualified referrals earn one credit."
)
class ReferralProgress:
    qualified: int = strawberry.field(
        description="Referrals that ever qualified (registered, shared the profile, new to "
        "the network), settled or not."
    )
    settled: int = strawberry.field(description="Qualified referrals already counted in a credit.")
    toward_next_credit: int = strawberry.field(
        description=f"Qualified referrals waiting for the next credit: 0 to "
        f"{settlement.REFERRALS_PER_CREDIT - 1} once settled (settlement runs within minutes)."
    )
    credits_earned: int = strawberry.field(description="Credits earned from referrals so far.")

    @classmethod
    def from_progress(cls, progress: settlement.Progress) -> ReferralProgress:
        return cls(
            qualified=progress.qualified,
            settled=progress.settled,
            toward_next_credit=progress.toward_next_credit,
            credits_earned=progress.credits_earned,
        )


@node.register("CreditEntry")
async def load_credit_entry(info: Info, entry_id: int) -> CreditEntry | None:
    row = await credits.ledger(info.context.caller).get_or_none(id=entry_id)
    return CreditEntry.from_model(row) if row else None
