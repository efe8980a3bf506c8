"""adjustCredits (operator only)."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay

from schema import node
from schema.companies.dataloaders import CompanyLoader
from schema.companies.types import Company
from schema.context import Info
from schema.errors import UserError, mutation
from schema.network.credits.types import CreditEntry
from schema.permissions import IsOperator
from server import models as m
from server.network import credits


@strawberry.input(description="A manual change of a company's credit balance.")
class AdjustCreditsInput:
    company_id: relay.GlobalID = strawberry.field(description="The company to adjust.")
    delta: int = strawberry.field(
        description=f"Credits to add (positive) or remove (negative): not 0, at most "
        f"{credits.MAX_ADJUSTMENT} either way; the balance never goes below 0."
    )
    memo: str = strawberry.field(
        description=f"Why, 1 to {credits.MAX_MEMO_LENGTH} characters (kept in the ledger and "
        "the audit log)."
    )
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="Up to 200 characters: a retry with the same key returns the first entry; "
        "the same key with another input is IDEMPOTENCY_KEY_REUSED.",
    )


@strawberry.type
class AdjustCreditsPayload:
    credit_entry: CreditEntry | None = strawberry.field(
        default=None, description="The ADJUSTMENT entry."
    )
    company: Company | None = strawberry.field(
        default=None, description="The company with its new balance."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Expected failures, with the input field and a code."
    )


@strawberry.type
class CreditMutations:
    @mutation(
        permission_classes=[IsOperator],
        description="Operator: adds or removes a company's credits by hand, audited.",
    )
    async def adjust_credits(
        self,
        info: Info,
        input: Annotated[
            AdjustCreditsInput, strawberry.argument(description="The company, the change and why.")
        ],
    ) -> AdjustCreditsPayload:
        company_id = node.decode(str(input.company_id), "Company")[1]
        entry = await credits.adjust(
            info.context.caller, company_id, input.delta, input.memo, input.idempotency_key
        )
        info.context.forget(CompanyLoader)  # its balance changed
        company = await m.Company.get(id=entry.company_id)
        return AdjustCreditsPayload(
            credit_entry=CreditEntry.from_model(entry),
            company=Company.from_model(company),
            user_errors=[],
        )
