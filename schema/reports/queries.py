"""report (the calling company) and operator.networkReport."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from schema.context import Info
from schema.errors import PublicError
from schema.permissions import IsCompany, IsOperator
from schema.reports.types import Report
from server.errors import DomainError
from server.reports import funnel as reports

PERIOD_LIMIT = f"at most {reports.MAX_PERIOD.days} days after from"
From = Annotated[
    datetime,
    strawberry.argument(name="from", description="Start of the period (inclusive), ISO 8601."),
]
To = Annotated[
    datetime,
    strawberry.argument(
        name="to", description=f"End of the period (exclusive): after from, {PERIOD_LIMIT}."
    ),
]


def _public(error: DomainError) -> PublicError:
    return PublicError(str(error), error.errors[0].code)


@strawberry.type
class ReportQueries:
    @strawberry.field(
        permission_classes=[IsCompany],
        description="The calling company's funnel over [from, to), weeks in its time zone; "
        f"the period is {PERIOD_LIMIT} (else an INVALID error).",
    )
    async def report(self, info: Info, period_from: From, period_to: To) -> Report:
        try:
            built = await reports.company_report(info.context.caller, period_from, period_to)
        except DomainError as error:
            raise _public(error) from error
        return Report.from_report(built)


@strawberry.type
class ReportOperatorFields:
    @strawberry.field(
        permission_classes=[IsOperator],
        description="The whole network's funnel over [from, to), weeks in Japan time; the "
        f"period is {PERIOD_LIMIT} (else an INVALID error).",
    )
    async def network_report(self, info: Info, period_from: From, period_to: To) -> Report:
        try:
            built = await reports.network_report(info.context.caller, period_from, period_to)
        except DomainError as error:
            raise _public(error) from error
        return Report.from_report(built)
