"""applications, referrals, rejectionReasons, previewRejectionMail."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry
from strawberry import relay

from schema import node
from schema.applications.types import (
    Application,
    ApplicationConnection,
    ApplicationStatus,
    Referral,
    ReferralConnection,
    RejectionReason,
    attach,
)
from schema.companies.types import Locale, ReferralStatus
from schema.context import Info
from schema.pagination import After, First, paginate, paginate_core
from schema.permissions import IsCompany
from server import models as m
from server.applications import reasons as rejection_reasons
from server.applications import search
from server.companies import rejection_mail
from server.network import referrals


@strawberry.type(description="A rendered mail, for checking a template.")
class MailPreview:
    subject: str = strawberry.field(description="The rendered subject line.")
    text: str = strawberry.field(description="The rendered plain-text body.")
    html: str = strawberry.field(description="The HTML alternative generated from the text body.")


@strawberry.type
class ApplicationQueries:
    @strawberry.field(
        permission_classes=[IsCompany], description="The company's applications, oldest first."
    )
    async def applications(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        status: Annotated[
            ApplicationStatus | None,  # type: ignore[valid-type]
            strawberry.argument(description="Only applications in this status."),
        ] = None,
        opening_id: Annotated[
            relay.GlobalID | None,
            strawberry.argument(description="Only applications to this opening of the company."),
        ] = None,
        text: Annotated[
            str | None,
            strawberry.argument(description="Part of the applicant's name or email address."),
        ] = None,
        tag: Annotated[
            str | None,
            strawberry.argument(
                description="Only applicants with this tag (its slug, a label or a synonym)."[:200]
            ),
        ] = None,
        applied_from: Annotated[
            date | None,
            strawberry.argument(description="Applied on or after this day (Japan time)."),
        ] = None,
        applied_to: Annotated[
            date | None,
            strawberry.argument(description="Applied on or before this day (Japan time)."),
        ] = None,
    ) -> ApplicationConnection:
        caller = info.context.caller
        filters = search.Filters(
            text=text or "",
            tag=tag or "",
            status=m.ApplicationStatus(status) if status is not None else None,
            opening_id=node.decode(str(opening_id), "Opening")[1] if opening_id else None,
            applied_from=applied_from,
            applied_to=applied_to,
        )
        fetch, count = await search.pages(caller, filters)
        connection = await paginate_core(
            ApplicationConnection, fetch, count, first, after, Application.from_model
        )
        await attach(info, [edge.node for edge in connection.edges])
        return connection

    @strawberry.field(
        permission_classes=[IsCompany],
        description="The company's referrals with each step's time, oldest first.",
    )
    async def referrals(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        status: Annotated[
            ReferralStatus | None,  # type: ignore[valid-type]
            strawberry.argument(description="Only referrals in this status."),
        ] = None,
    ) -> ReferralConnection:
        query = referrals.scoped(info.context.caller)
        if status is not None:
            query = query.filter(status=m.ReferralStatus(status))
        return await paginate(ReferralConnection, query, first, after, Referral.from_model)

    @strawberry.field(
        permission_classes=[IsCompany], description="The company's rejection reason catalogue."
    )
    async def rejection_reasons(self, info: Info) -> list[RejectionReason]:
        company_id = info.context.caller.require_company()
        await rejection_reasons.ensure_defaults(company_id)
        rows = await rejection_reasons.scoped(info.context.caller).order_by("id")
        return [RejectionReason.from_model(r) for r in rows]

    @strawberry.field(
        permission_classes=[IsCompany],
        description="The company's rejection mail rendered for a sample applicant.",
    )
    async def preview_rejection_mail(
        self,
        info: Info,
        locale: Annotated[
            Locale,  # type: ignore[valid-type]
            strawberry.argument(description="Language of the template to render (default JA)."),
        ] = m.Locale.JA,
    ) -> MailPreview:
        shown = await rejection_mail.preview(info.context.caller, m.Locale(locale))
        rendered = shown.mail
        return MailPreview(subject=rendered.subject, text=rendered.text, html=rendered.html)
