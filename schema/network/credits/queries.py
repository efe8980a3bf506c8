"""creditLedger, and the operator's ledgerCheck."""

from __future__ import annotations

import strawberry

from schema.companies.types import Company, load_company
from schema.context import Info
from schema.network.credits.types import CreditEntry, CreditEntryConnection
from schema.pagination import After, First, paginate
from schema.permissions import IsCompany
from server.network import credits


@strawberry.type
class CreditQueries:
    @strawberry.field(
        permission_classes=[IsCompany],
        description="The calling company's credit ledger, newest entry first.",
    )
    async def credit_ledger(
        self, info: Info, first: First = None, after: After = None
    ) -> CreditEntryConnection:
        query = credits.ledger(info.context.caller)
        return await paginate(
            CreditEntryConnection, query, first, after, CreditEntry.from_model, newest_first=True
        )


@strawberry.type(description="A company whose stored balance disagrees with its ledger.")
class LedgerMismatch:
    company_id: strawberry.Private[int]
    stored: int = strawberry.field(description="The balance stored on the company.")
    computed: int = strawberry.field(description="The sum of the company's ledger entries.")
    chain_consistent: bool = strawberry.field(
        description="Whether every entry's balanceAfter equals the running sum up to it."
    )

    @strawberry.field(description="The company concerned.")
    async def company(self, info: Info) -> Company | None:
        return await load_company(info, self.company_id)


@strawberry.type(description="Balances recomputed from the ledger and compared with stored ones.")
class LedgerCheck:
    mismatches: list[LedgerMismatch] = strawberry.field(
        description="Every company whose balance or balanceAfter chain disagrees, by id."
    )

    @strawberry.field(description="True when no company mismatches.")
    def ok(self) -> bool:
        return not self.mismatches


async def check_ledger() -> LedgerCheck:
    mismatches = await credits.ledger_check()
    return LedgerCheck(
        mismatches=[
            LedgerMismatch(
                company_id=m.company_id,
                stored=m.stored,
                computed=m.computed,
                chain_consistent=m.chain_consistent,
            )
            for m in mismatches
        ]
    )
