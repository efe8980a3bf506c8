"""GraphQL types of applications, applicants, rejection reasons and referrals."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime

import strawberry
from strawberry import relay

from schema import node
from schema.applications.dataloaders import (
    ApplicantLoader,
    ApplicationLoader,
    HistoryLoader,
    RejectionReasonLoader,
)
from schema.applications.openings.dataloaders import OpeningLoader
from schema.applications.openings.types import Opening, attach_tags, load_opening
from schema.companies.types import ReferralStatus
from schema.context import Info
from schema.pagination import Connection
from schema.preload import preloaded, selects
from server import models as m
from server.applications import reasons as rejection_reasons
from server.applications import records as applications
from server.network import referrals

ApplicationStatus = strawberry.enum(m.ApplicationStatus, description="Where an application is.")
ApplicationSource = strawberry.enum(m.ApplicationSource, description="How it came in.")
RejectionKind = strawberry.enum(m.RejectionKind, description="Who ended the process.")


@strawberry.type(description="An entry of the company's rejection reason catalogue.")
class RejectionReason(relay.Node):
    id: relay.NodeID[int]
    code: str = strawberry.field(description="Stable code, e.g. skills_mismatch.")
    name_ja: str = strawberry.field(description="Japanese name, 1 to 200 characters.")
    name_en: str = strawberry.field(description="English name, 1 to 200 characters.")
    kind: RejectionKind = strawberry.field(  # type: ignore[valid-type]
        description="Whether the company rejected or the candidate withdrew."
    )
    offers_invitation: bool = strawberry.field(
        description="Whether the rejection mail invites to the network (not e.g. for fraud)."
    )
    active: bool = strawberry.field(
        description="Whether reason texts given when rejecting can match this entry."
    )

    @classmethod
    def from_model(cls, r: m.RejectionReason) -> RejectionReason:
        return cls(
            id=r.id,
            code=r.code,
            name_ja=r.name_ja,
            name_en=r.name_en,
            kind=r.kind,
            offers_invitation=r.offers_invitation,
            active=r.active,
        )


@strawberry.type(description="A person who applied to the company (company-private).")
class Applicant:
    external_id: str | None = strawberry.field(description="The id in the company's ATS.")
    name: str = strawberry.field(description="Name, 1 to 200 characters.")
    email: str = strawberry.field(description="Email address, up to 320 characters.")

    @classmethod
    def from_model(cls, a: m.Applicant) -> Applicant:
        return cls(external_id=a.external_id, name=a.name, email=a.email)


@strawberry.type(description="One status change of an application.")
class ApplicationEvent:
    status: ApplicationStatus = strawberry.field(  # type: ignore[valid-type]
        description="The status the application moved to."
    )
    at: datetime = strawberry.field(description="When it moved (UTC).")


@strawberry.type(description="An application of a person to one of the company's openings.")
class Application(relay.Node):
    id: relay.NodeID[int]
    status: ApplicationStatus = strawberry.field(  # type: ignore[valid-type]
        description="Where the application is now."
    )
    source: ApplicationSource = strawberry.field(  # type: ignore[valid-type]
        description="How it came in: directly, as a reapplication or through an introduction."
    )
    evaluation: int | None = strawberry.field(description="1 to 5, set when rejecting.")
    silver_medalist: bool = strawberry.field(
        description="Whether the company marked the rejected person as a strong runner-up."
    )
    rejection_note: str = strawberry.field(
        description="The rejection reason text that matched no catalogue entry; empty otherwise."
    )
    applied_at: datetime = strawberry.field(description="When the person applied (UTC).")
    decided_at: datetime | None = strawberry.field(
        description="When it was rejected, hired or declined (UTC); null while undecided."
    )
    row: strawberry.Private[m.Application]
    loaded_applicant: strawberry.Private[Applicant | None] = None  # set by attach
    loaded_opening: strawberry.Private[Opening | None] = None

    @strawberry.field(description="The person who applied.")
    @preloaded("loaded_applicant")
    async def applicant(self, info: Info) -> Applicant:
        if self.loaded_applicant is not None:
            return self.loaded_applicant
        return Applicant.from_model(await ApplicantLoader.of(info).load(self.row.applicant_id))

    @strawberry.field(description="The opening applied to.")
    @preloaded("loaded_opening")
    async def opening(self, info: Info) -> Opening:
        opening = self.loaded_opening or await load_opening(info, self.row.opening_id)
        assert opening is not None
        return opening

    @strawberry.field(description="The catalogue reason of a rejection.")
    async def rejection_reason(self, info: Info) -> RejectionReason | None:
        if self.row.rejection_reason_id is None:
            return None
        reason = await RejectionReasonLoader.of(info).load(self.row.rejection_reason_id)
        return RejectionReason.from_model(reason) if reason else None

    @strawberry.field(description="Status changes, oldest first.")
    async def history(self, info: Info) -> list[ApplicationEvent]:
        events = await HistoryLoader.of(info).load(self.row.id) or []
        return [ApplicationEvent(status=e.status, at=e.at) for e in events]

    @classmethod
    def from_model(cls, a: m.Application) -> Application:
        return cls(
            id=a.id,
            status=a.status,
            source=a.source,
            evaluation=a.evaluation,
            silver_medalist=a.silver_medalist,
            rejection_note=a.rejection_note,
            applied_at=a.applied_at,
            decided_at=a.decided_at,
            row=a,
        )


async def attach(info: Info, applications: Sequence[Application]) -> None:
    """The openings and applicants of a page of ``applications`` (the field ``info`` resolves),
    read at once through their loaders when the query selects them (schema/preload.py)."""
    node = ("edges", "node")
    reads = []
    if selects(info, *node, "opening"):
        reads.append(_attach_openings(info, applications))
    if selects(info, *node, "applicant"):
        reads.append(_attach_applicants(info, applications))
    await asyncio.gather(*reads)


async def _attach_openings(info: Info, applications: Sequence[Application]) -> None:
    ids = list({a.row.opening_id: None for a in applications})
    rows = await OpeningLoader.of(info).load_many(ids)
    found = {i: Opening.from_model(row) for i, row in zip(ids, rows, strict=True) if row}
    if selects(info, "edges", "node", "opening", "tags"):
        await attach_tags(found.values())
    for application in applications:
        application.loaded_opening = found.get(application.row.opening_id)


async def _attach_applicants(info: Info, applications: Sequence[Application]) -> None:
    ids = list({a.row.applicant_id: None for a in applications})
    rows = await ApplicantLoader.of(info).load_many(ids)
    found = {i: Applicant.from_model(row) for i, row in zip(ids, rows, strict=True) if row}
    for application in applications:
        application.loaded_applicant = found.get(application.row.applicant_id)


@strawberry.type(description="A page of applications.")
class ApplicationConnection(Connection[Application]):
    pass


@strawberry.type(description="The personal network link a rejection mail carried.")
class Referral(relay.Node):
    id: relay.NodeID[int]
    status: ReferralStatus = strawberry.field(  # type: ignore[valid-type]
        description="The step the referral has reached, or how it ended."
    )
    click_count: int = strawberry.field(
        description="Opens of the link, including mail scanners' prefetches; 0 or more."
    )
    created_at: datetime = strawberry.field(description="When the referral was created (UTC).")
    mailed_at: datetime | None = strawberry.field(
        description="When its mail was sent (UTC); null until then."
    )
    first_clicked_at: datetime | None = strawberry.field(
        description="When the link was first opened (UTC); null until then."
    )
    registered_at: datetime | None = strawberry.field(
        description="When the person registered through it (UTC); null until then."
    )
    qualified_at: datetime | None = strawberry.field(
        description="When it qualified toward a credit (UTC); null until then."
    )
    settled_at: datetime | None = strawberry.field(
        description="When it was counted in a credit (UTC); null until then."
    )
    closed_at: datetime | None = strawberry.field(
        description="When it ended without a credit (UTC), e.g. as a duplicate, opt-out, bounce "
        "or cancellation; null otherwise."
    )
    row: strawberry.Private[m.Referral]

    @strawberry.field(description="The rejected application (null for company-link referrals).")
    async def application(self, info: Info) -> Application | None:
        if self.row.application_id is None:
            return None
        row = await ApplicationLoader.of(info).load(self.row.application_id)
        return Application.from_model(row) if row else None

    @classmethod
    def from_model(cls, r: m.Referral) -> Referral:
        return cls(
            id=r.id,
            status=r.status,
            click_count=r.click_count,
            created_at=r.created_at,
            mailed_at=r.mailed_at,
            first_clicked_at=r.first_clicked_at,
            registered_at=r.registered_at,
            qualified_at=r.qualified_at,
            settled_at=r.settled_at,
            closed_at=r.closed_at,
            row=r,
        )


@strawberry.type(description="A page of referrals.")
class ReferralConnection(Connection[Referral]):
    pass


@node.register("Application")
async def load_application(info: Info, pk: int) -> Application | None:
    row = await applications.scoped(info.context.caller).get_or_none(id=pk)
    return Application.from_model(row) if row else None


@node.register("Referral")
async def load_referral(info: Info, pk: int) -> Referral | None:
    row = await referrals.scoped(info.context.caller).get_or_none(id=pk)
    return Referral.from_model(row) if row else None


@node.register("RejectionReason")
async def load_reason(info: Info, pk: int) -> RejectionReason | None:
    row = await rejection_reasons.scoped(info.context.caller).get_or_none(id=pk)
    return RejectionReason.from_model(row) if row else None
