"""The operator query root: companies, reports, mail queue, audit log, provisions, liquidity."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay

from schema import node
from schema.companies.queries import CompanyOperatorFields
from schema.context import Info
from schema.errors import PublicError
from schema.network.referrals.queries import ReferralOperatorFields
from schema.network.tags.types import TagCategory
from schema.operator.lookup import LookupOperatorFields
from schema.operator.types import (
    AuditEvent,
    AuditEventConnection,
    CreditFlowWeek,
    MailQueue,
    ProvisionRecord,
    ProvisionRecordConnection,
    ReferralQuality,
    TagLiquidity,
)
from schema.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, After, First, paginate
from schema.permissions import IsOperator
from schema.reports.queries import From, ReportOperatorFields, To
from schema.webhooks.queries import WebhookOperatorFields
from server import models as m
from server.errors import DomainError
from server.operator import console
from server.reports import funnel as reports

MAX_LIQUIDITY_TAGS = MAX_PAGE_SIZE  # the query cost multiplies by first up to this


def _public(error: DomainError) -> PublicError:
    return PublicError(str(error), error.errors[0].code)


def decode_candidate(global_id: str | None) -> int | None:
    """Database id of a CandidateCard ID (INVALID_ID otherwise)."""
    if global_id is None:
        return None
    try:
        gid = relay.GlobalID.from_id(global_id)
        if gid.type_name != "CandidateCard" or abs(int(gid.node_id)) > node.MAX_PK:
            raise ValueError(gid.type_name)
        return int(gid.node_id)
    except (ValueError, TypeError) as exc:
        raise PublicError(f"{global_id!r} is not a CandidateCard ID", "INVALID_ID") from exc


@strawberry.type(description="Liquidity of the network: supply, demand and the flow of credits.")
class Liquidity:
    @strawberry.field(
        description=f"For each tag open openings ask for: matchable candidates carrying it and "
        f"open openings asking for it, the scarcest supply first; at most {MAX_LIQUIDITY_TAGS}."
    )
    async def tags(
        self,
        info: Info,
        category: Annotated[
            TagCategory | None,  # type: ignore[valid-type]
            strawberry.argument(description="Only this category, e.g. LOCATION."),
        ] = None,
        first: Annotated[
            int,
            strawberry.argument(
                description=f"How many, 1 to {MAX_LIQUIDITY_TAGS} (default {DEFAULT_PAGE_SIZE})."
            ),
        ] = DEFAULT_PAGE_SIZE,
    ) -> list[TagLiquidity]:
        if not 1 <= first <= MAX_LIQUIDITY_TAGS:
            raise PublicError(f"first must be 1 to {MAX_LIQUIDITY_TAGS}", "INVALID_PAGE_SIZE")
        rows = await console.tag_liquidity(
            info.context.caller, category and m.TagCategory(category), first
        )
        return [TagLiquidity.from_liquidity(r) for r in rows]

    @strawberry.field(
        description="Every company's referral quality: the share of the referrals that "
        "reached someone which qualified."
    )
    async def referral_quality(self, info: Info) -> list[ReferralQuality]:
        return [
            ReferralQuality.from_quality(r)
            for r in await console.referral_quality(info.context.caller)
        ]

    @strawberry.field(
        description="Credits earned versus spent per week (Japan time) over [from, to)."
    )
    async def credit_flow(
        self, info: Info, period_from: From, period_to: To
    ) -> list[CreditFlowWeek]:
        try:
            report = await reports.network_report(info.context.caller, period_from, period_to)
        except DomainError as error:
            raise _public(error) from error
        return [
            CreditFlowWeek(
                week_start=w.start,
                earned=w.counts["credits_earned"],
                spent=w.counts["credits_spent"],
                refunded=w.counts["credits_refunded"],
            )
            for w in report.weeks
        ]


@strawberry.type
class ConsoleOperatorFields:
    @strawberry.field(permission_classes=[IsOperator], description="Health of the mail outbox.")
    async def mail_queue(self, info: Info) -> MailQueue:
        return MailQueue.from_health(await console.mail_queue(info.context.caller))

    @strawberry.field(
        permission_classes=[IsOperator],
        description="Operator and security-relevant actions, newest first.",
    )
    async def audit_log(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        action: Annotated[
            str | None,
            strawberry.argument(description="Only this action, e.g. credits.adjust."),
        ] = None,
        company_id: Annotated[
            relay.GlobalID | None,
            strawberry.argument(
                description="Only events of this company: its keys acted, or it was acted upon."
            ),
        ] = None,
    ) -> AuditEventConnection:
        company = node.decode(str(company_id), "Company")[1] if company_id else None
        query = console.audit_log(info.context.caller, action, company)
        return await paginate(
            AuditEventConnection, query, first, after, AuditEvent.from_model, newest_first=True
        )

    @strawberry.field(
        permission_classes=[IsOperator],
        description="Hand-overs of personal data (APPI records) of one candidate or to one "
        "company, newest first; give exactly one of the two.",
    )
    async def provision_records(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        candidate_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="A CandidateCard ID.")
        ] = None,
        company_id: Annotated[
            relay.GlobalID | None, strawberry.argument(description="A Company ID.")
        ] = None,
    ) -> ProvisionRecordConnection:
        candidate = decode_candidate(str(candidate_id) if candidate_id else None)
        company = node.decode(str(company_id), "Company")[1] if company_id else None
        try:
            query = console.provision_records(info.context.caller, candidate, company)
        except DomainError as error:
            raise _public(error) from error
        return await paginate(
            ProvisionRecordConnection,
            query,
            first,
            after,
            ProvisionRecord.from_model,
            newest_first=True,
        )

    @strawberry.field(
        permission_classes=[IsOperator],
        description="Liquidity of the network: candidates per opening by tag, credit flow, "
        "referral quality.",
    )
    def liquidity(self) -> Liquidity:
        return Liquidity()


@strawberry.type(description="Operator-only views of the whole network.")
class OperatorQuery(
    CompanyOperatorFields,
    ReportOperatorFields,
    ConsoleOperatorFields,
    ReferralOperatorFields,
    LookupOperatorFields,
    WebhookOperatorFields,
):
    pass
