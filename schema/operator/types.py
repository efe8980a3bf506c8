"""GraphQL types of the operator's console."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from schema import node
from schema.companies.api_keys.dataloaders import ApiKeyLoader
from schema.companies.api_keys.types import ApiKey
from schema.companies.members.dataloaders import MemberLoader
from schema.companies.members.types import Member
from schema.companies.types import Company, load_company
from schema.context import Info
from schema.network.tags.types import TagCategory
from schema.pagination import Connection
from server import models as m
from server.operator import console
from server.operator import lookup as operator_lookup

MailKind = strawberry.enum(m.MailKind, description="What an outbox mail is for.")


@strawberry.type(description="Outbox rows of one kind, by state.")
class MailKindHealth:
    kind: MailKind = strawberry.field(description="The kind of mail.")  # type: ignore[valid-type]
    pending: int = strawberry.field(description="Waiting to be sent (due or not yet due).")
    due: int = strawberry.field(description="Pending and due now: should be moving.")
    sending: int = strawberry.field(description="Claimed by a worker right now.")
    failed: int = strawberry.field(description="Given up: refused by the server or retried out.")
    suppressed: int = strawberry.field(description="Not sent: the address is suppressed.")
    sent_last_day: int = strawberry.field(description="Sent in the last 24 hours.")

    @classmethod
    def from_health(cls, item: console.KindHealth) -> MailKindHealth:
        return cls(
            kind=item.kind,
            pending=item.pending,
            due=item.due,
            sending=item.sending,
            failed=item.failed,
            suppressed=item.suppressed,
            sent_last_day=item.sent_last_day,
        )


@strawberry.type(description="A mail waiting in the outbox past now (e.g. held by the mail cap).")
class HeldMail:
    kind: MailKind = strawberry.field(description="The kind of mail.")  # type: ignore[valid-type]
    subject: str = strawberry.field(description="Its subject.")
    company: str | None = strawberry.field(description="Name of the company it is from.")
    queued_at: datetime = strawberry.field(description="When it was queued.")
    send_after: datetime = strawberry.field(description="When it may go out.")

    @classmethod
    async def from_models(cls, rows: list[m.MailMessage]) -> list[HeldMail]:
        ids = {row.company_id for row in rows if row.company_id}
        names = dict(await m.Company.filter(id__in=list(ids)).values_list("id", "name"))
        return [
            cls(
                kind=row.kind,
                subject=row.subject,
                company=names.get(row.company_id),
                queued_at=row.created_at,
                send_after=row.send_after,
            )
            for row in rows
        ]


@strawberry.type(description="Health of the mail outbox.")
class MailQueue:
    pending: int = strawberry.field(description="Mails waiting to be sent, all kinds.")
    due: int = strawberry.field(description="Of those, mails due now.")
    sending: int = strawberry.field(description="Mails claimed by a worker.")
    failed: int = strawberry.field(description="Mails that failed for good.")
    oldest_pending_age_seconds: int | None = strawberry.field(
        description="Seconds since the oldest pending mail was queued; null when none waits."
    )
    oldest_due_age_seconds: int | None = strawberry.field(
        description="Seconds the longest-waiting due mail is overdue: large means the workers "
        "are behind or down; null when none is due."
    )
    by_kind: list[MailKindHealth] = strawberry.field(description="The same, for every kind.")
    checked_at: datetime = strawberry.field(description="When the figures were read.")

    @strawberry.field(
        description="Mails to one person that wait past now (held by the mail cap or "
        "scheduled), soonest first, at most 100. Name the person by a CandidateCard ID or an "
        "email address (either matches); with neither, the list is empty."
    )
    async def held(
        self,
        info: Info,
        candidate_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="A CandidateCard ID.")
        ] = None,
        email: Annotated[
            str | None, strawberry.argument(description="An address the person uses.")
        ] = None,
    ) -> list[HeldMail]:
        candidate = node.decode(str(candidate_id), "CandidateCard")[1] if candidate_id else None
        rows = await operator_lookup.held_mails(
            info.context.caller, candidate_id=candidate, email=email
        )
        return await HeldMail.from_models(rows)

    @classmethod
    def from_health(cls, health: console.MailQueueHealth) -> MailQueue:
        return cls(
            pending=health.totals.pending,
            due=health.totals.due,
            sending=health.totals.sending,
            failed=health.totals.failed,
            oldest_pending_age_seconds=health.oldest_pending_age,
            oldest_due_age_seconds=health.oldest_due_age,
            by_kind=[MailKindHealth.from_health(k) for k in health.by_kind],
            checked_at=health.checked_at,
        )


@strawberry.type(description="One operator or security-relevant action.")
class AuditEvent(relay.Node):
    id: relay.NodeID[int]
    action: str = strawberry.field(description="What was done, e.g. credits.adjust, tag.merge.")
    target_type: str = strawberry.field(description="Type of the object acted upon.")
    target_id: str = strawberry.field(description="Its database id (not a global ID).")
    data: JSON = strawberry.field(description="Details of the action.")
    created_at: datetime = strawberry.field(description="When (UTC).")
    api_key_id: strawberry.Private[int | None]
    company_id: strawberry.Private[int | None]
    member_id: strawberry.Private[int | None]

    @strawberry.field(description="The console member who acted; null for API keys and jobs.")
    async def member(self, info: Info) -> Member | None:
        if self.member_id is None:
            return None
        row = await MemberLoader.of(info).load(self.member_id)
        return Member.from_model(row) if row else None

    @strawberry.field(description="The API key that acted; null for the command line.")
    async def api_key(self, info: Info) -> ApiKey | None:
        if self.api_key_id is None:
            return None
        row = await ApiKeyLoader.of(info).load(self.api_key_id)
        return ApiKey.from_model(row) if row else None

    @strawberry.field(description="The company whose key acted; null for operator keys.")
    async def company(self, info: Info) -> Company | None:
        return await load_company(info, self.company_id) if self.company_id else None

    @classmethod
    def from_model(cls, event: m.AuditEvent) -> AuditEvent:
        return cls(
            id=event.id,
            action=event.action,
            target_type=event.target_type,
            target_id=event.target_id,
            data=event.data,
            created_at=event.created_at,
            api_key_id=event.api_key_id,
            member_id=event.member_id,
            company_id=event.company_id,
        )


@strawberry.type(description="A page of audit events.")
class AuditEventConnection(Connection[AuditEvent]):
    pass


@strawberry.type(description="One hand-over of a candidate's personal data to a company (APPI).")
class ProvisionRecord(relay.Node):
    id: relay.NodeID[int]
    candidate_id: relay.GlobalID = strawberry.field(description="The person (a CandidateCard).")
    introduction_id: relay.GlobalID | None = strawberry.field(
        description="The introduction it was made for, if any."
    )
    items: list[str] = strawberry.field(description="Which personal data items were provided.")
    provided_at: datetime = strawberry.field(description="When (UTC).")
    company_id: strawberry.Private[int]

    @strawberry.field(description="The company that received the data.")
    async def company(self, info: Info) -> Company | None:
        return await load_company(info, self.company_id)

    @classmethod
    def from_model(cls, record: m.ProvisionRecord) -> ProvisionRecord:
        intro = record.introduction_id
        return cls(
            id=record.id,
            candidate_id=relay.GlobalID("CandidateCard", str(record.candidate_id)),
            introduction_id=relay.GlobalID("Introduction", str(intro)) if intro else None,
            items=[str(i) for i in record.items or []],
            provided_at=record.provided_at,
            company_id=record.company_id,
        )


@strawberry.type(description="A page of provision records.")
class ProvisionRecordConnection(Connection[ProvisionRecord]):
    pass


@strawberry.type(description="Supply and demand of one tag across the network.")
class TagLiquidity:
    tag_id: relay.GlobalID = strawberry.field(description="The tag (a Tag ID).")
    category: TagCategory = strawberry.field(description="Its category.")  # type: ignore[valid-type]
    slug: str = strawberry.field(description="Its slug.")
    label_ja: str = strawberry.field(description="Japanese label.")
    label_en: str = strawberry.field(description="English label.")
    candidates: int = strawberry.field(
        description="Candidates carrying it who share with the network now (not erased, not "
        "paused)."
    )
    open_openings: int = strawberry.field(
        description="Open openings of active companies asking for it."
    )
    candidates_per_opening: float | None = strawberry.field(
        description="candidates ÷ openOpenings; null when no opening asks for it."
    )

    @classmethod
    def from_liquidity(cls, row: console.TagLiquidity) -> TagLiquidity:
        return cls(
            tag_id=relay.GlobalID("Tag", str(row.tag_id)),
            category=row.category,
            slug=row.slug,
            label_ja=row.label_ja,
            label_en=row.label_en,
            candidates=row.candidates,
            open_openings=row.open_openings,
            candidates_per_opening=row.candidates_per_opening,
        )


@strawberry.type(description="How well one company's referrals turn into network members.")
class ReferralQuality:
    reached: int = strawberry.field(
        description="Referrals that reached the person: mail sent, came via the company's "
        "link, or opened the link or registered."
    )
    qualified: int = strawberry.field(
        description="Of all its referrals, those that registered with network-sharing consent "
        "and were new to the network (qualified)."
    )
    quality: float | None = strawberry.field(
        description="qualified ÷ reached; null when none reached anyone."
    )
    company_id: strawberry.Private[int]

    @strawberry.field(description="The company.")
    async def company(self, info: Info) -> Company | None:
        return await load_company(info, self.company_id)

    @classmethod
    def from_quality(cls, row: console.ReferralQuality) -> ReferralQuality:
        return cls(
            reached=row.reached,
            qualified=row.qualified,
            quality=row.quality,
            company_id=row.company_id,
        )


@strawberry.type(description="Credits entering and leaving the network in one week.")
class CreditFlowWeek:
    week_start: date = strawberry.field(description="Monday of the week (Japan time).")
    earned: int = strawberry.field(description="Credits earned by settlement.")
    spent: int = strawberry.field(description="Credits spent on introductions.")
    refunded: int = strawberry.field(description="Credits refunded.")


async def load_audit_event(info: Info, event_id: int) -> AuditEvent | None:
    if not info.context.caller.is_operator:
        return None
    row = await console.audit_log(info.context.caller).get_or_none(id=event_id)
    return AuditEvent.from_model(row) if row else None


node.register("AuditEvent")(load_audit_event)
