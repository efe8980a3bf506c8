"""viewer and the operator's companies list."""

from __future__ import annotations

from typing import Annotated

import strawberry

from schema.companies.types import Company, CompanyConnection, CompanyStatus
from schema.context import Info
from schema.errors import PublicError
from schema.network.credits.queries import LedgerCheck, check_ledger
from schema.pagination import After, First, paginate
from schema.permissions import IsCompany, IsOperator
from server import models as m
from server.companies import accounts as companies
from server.errors import DomainError
from server.operator import console


@strawberry.type
class CompanyQueries:
    @strawberry.field(permission_classes=[IsCompany], description="The calling company.")
    async def viewer(self, info: Info) -> Company:
        try:
            company = await companies.viewer(info.context.caller)
        except DomainError as error:
            raise PublicError(str(error), error.errors[0].code) from error
        return Company.from_model(company)


async def list_companies(
    info: Info,
    first: int | None,
    after: str | None,
    status: m.CompanyStatus | None,
    search: str | None = None,
) -> CompanyConnection:
    try:
        query = console.companies(info.context.caller, search)
    except DomainError as error:
        raise PublicError(str(error), error.errors[0].code) from error
    if status is not None:
        query = query.filter(status=status)
    return await paginate(CompanyConnection, query, first, after, Company.from_model)


@strawberry.type
class CompanyOperatorFields:
    @strawberry.field(
        permission_classes=[IsOperator],
        description="Every partner company, oldest first, with its key figures.",
    )
    async def companies(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        status: Annotated[
            CompanyStatus | None,  # type: ignore[valid-type]
            strawberry.argument(description="Only companies in this status."),
        ] = None,
        search: Annotated[
            str | None,
            strawberry.argument(
                description=f"Only companies whose name or slug contains this text (any case), "
                f"up to {console.MAX_SEARCH} characters."
            ),
        ] = None,
    ) -> CompanyConnection:
        return await list_companies(info, first, after, status and m.CompanyStatus(status), search)

    @strawberry.field(
        permission_classes=[IsOperator],
        description="Every company's balance recomputed from its ledger and compared with the "
        "stored one; lists only the companies that disagree.",
    )
    async def ledger_check(self) -> LedgerCheck:
        return await check_ledger()
