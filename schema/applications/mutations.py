"""Application mutations: create, import, status, reject, unreject, reasons, templates."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay

from schema import node
from schema.applications.inputs import (
    ApplicationPayload,
    CreateApplicationInput,
    ImportApplicationRow,
    ImportApplicationsInput,
    ImportApplicationsPayload,
    RejectApplicationInput,
    RejectApplicationPayload,
    RejectApplicationsInput,
    RejectApplicationsPayload,
    RejectionReasonPayload,
    SetApplicationStatusInput,
    UnrejectApplicationInput,
    UpdateCompanySettingsInput,
    UpdateRejectionTemplateInput,
    UpsertRejectionReasonInput,
)
from schema.applications.types import Application, Referral, RejectionReason
from schema.companies.mutations import CompanyPayload
from schema.companies.types import Company
from schema.context import Info
from schema.errors import PublicError, mutation, user_errors
from schema.permissions import IsCompany
from server import models as m
from server.applications import ats_import, rejections
from server.applications import reasons as rejection_reasons
from server.applications import records as applications
from server.companies import accounts as companies
from server.errors import DomainError


def _app_id(gid: relay.GlobalID) -> int:
    return node.decode(str(gid), "Application")[1]


def _opening_id(gid: relay.GlobalID | None) -> int | None:
    return node.decode(str(gid), "Opening")[1] if gid is not None else None


def _import_row(row: ImportApplicationRow) -> ats_import.ImportRow:
    try:
        opening_id = _opening_id(row.opening_id)
    except PublicError:
        opening_id = -1  # reads as "opening not found" for that row only
    return ats_import.ImportRow(
        external_id=row.external_id,
        name=row.name,
        email=row.email,
        opening_id=opening_id,
        opening_title=row.opening_title,
        status=m.ApplicationStatus(row.status),
        tags=row.tags,
        applied_at=row.applied_at,
        decided_at=row.decided_at,
        rejection_reason=row.rejection_reason,
        evaluation=row.evaluation,
    )


@strawberry.type
class ApplicationMutations:
    @mutation(permission_classes=[IsCompany], description="Records an application.")
    async def create_application(
        self,
        info: Info,
        input: Annotated[
            CreateApplicationInput, strawberry.argument(description="The application to record.")
        ],
    ) -> ApplicationPayload:
        application = await applications.create(
            info.context.caller,
            _opening_id(input.opening_id),
            name=input.name,
            email=input.email,
            external_id=input.external_id,
            tag_texts=input.tags,
            status=m.ApplicationStatus(input.status),
        )
        return ApplicationPayload(application=Application.from_model(application), user_errors=[])

    @mutation(
        permission_classes=[IsCompany],
        description="Upserts up to 10,000 ATS rows; bad rows are reported and skipped.",
    )
    async def import_applications(
        self,
        info: Info,
        input: Annotated[
            ImportApplicationsInput,
            strawberry.argument(description="The ATS rows to upsert, up to 10,000."),
        ],
    ) -> ImportApplicationsPayload:
        result = await ats_import.import_rows(
            info.context.caller,
            [_import_row(r) for r in input.rows],
            send_old_mails=input.send_old_rejection_mails,
            redis=info.context.redis,
            idempotency_key=input.idempotency_key,
        )
        return ImportApplicationsPayload(
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
            rejected_rows=result.rejected_rows,
            user_errors=user_errors(DomainError.many(result.errors)) if result.errors else [],
        )

    @mutation(
        permission_classes=[IsCompany],
        description="Moves an application to review, offer, hire or decline.",
    )
    async def set_application_status(
        self,
        info: Info,
        input: Annotated[
            SetApplicationStatusInput,
            strawberry.argument(description="The application and its new status."),
        ],
    ) -> ApplicationPayload:
        application = await applications.set_status(
            info.context.caller,
            _app_id(input.application_id),
            m.ApplicationStatus(input.status),
        )
        return ApplicationPayload(application=Application.from_model(application), user_errors=[])

    @mutation(
        permission_classes=[IsCompany],
        description="Rejects an application: referral and mail in one transaction.",
    )
    async def reject_application(
        self,
        info: Info,
        input: Annotated[
            RejectApplicationInput,
            strawberry.argument(description="The application to reject and how."),
        ],
    ) -> RejectApplicationPayload:
        result = await rejections.reject(
            info.context.caller,
            _app_id(input.application_id),
            reason=input.reason,
            evaluation=input.evaluation,
            silver_medalist=input.silver_medalist,
            send_mail=input.send_mail,
            send_at=input.send_at,
            redis=info.context.redis,
        )
        return RejectApplicationPayload(
            application=Application.from_model(result.application),
            referral=Referral.from_model(result.referral) if result.referral else None,
            user_errors=[],
        )

    @mutation(
        permission_classes=[IsCompany],
        description="Rejects up to 100 applications with one decision, all or none.",
    )
    async def reject_applications(
        self,
        info: Info,
        input: Annotated[
            RejectApplicationsInput,
            strawberry.argument(description="The applications to reject and how."),
        ],
    ) -> RejectApplicationsPayload:
        results = await rejections.reject_many(
            info.context.caller,
            [_app_id(gid) for gid in input.application_ids],
            reason=input.reason,
            evaluation=input.evaluation,
            silver_medalist=input.silver_medalist,
            send_mail=input.send_mail,
            send_at=input.send_at,
            redis=info.context.redis,
        )
        return RejectApplicationsPayload(
            applications=[Application.from_model(r.application) for r in results], user_errors=[]
        )

    @mutation(
        permission_classes=[IsCompany], description="Takes a rejection back inside the undo window."
    )
    async def unreject_application(
        self,
        info: Info,
        input: Annotated[
            UnrejectApplicationInput, strawberry.argument(description="The rejection to take back.")
        ],
    ) -> ApplicationPayload:
        application = await rejections.unreject(info.context.caller, _app_id(input.application_id))
        return ApplicationPayload(application=Application.from_model(application), user_errors=[])

    @mutation(
        permission_classes=[IsCompany],
        description="Adds or changes a rejection reason of the catalogue.",
    )
    async def upsert_rejection_reason(
        self,
        info: Info,
        input: Annotated[
            UpsertRejectionReasonInput,
            strawberry.argument(description="The catalogue entry to create or change."),
        ],
    ) -> RejectionReasonPayload:
        reason = await rejection_reasons.upsert(
            info.context.caller,
            code=input.code,
            name_ja=input.name_ja,
            name_en=input.name_en,
            kind=m.RejectionKind(input.kind),
            offers_invitation=input.offers_invitation,
            active=input.active,
        )
        return RejectionReasonPayload(
            rejection_reason=RejectionReason.from_model(reason), user_errors=[]
        )

    @mutation(
        permission_classes=[IsCompany],
        description="Sets the company's rejection mail for one locale.",
    )
    async def update_rejection_template(
        self,
        info: Info,
        input: Annotated[
            UpdateRejectionTemplateInput,
            strawberry.argument(description="The locale and its new subject and body."),
        ],
    ) -> CompanyPayload:
        company = await companies.update_rejection_template(
            info.context.caller, m.Locale(input.locale), input.subject, input.body
        )
        return CompanyPayload(company=Company.from_model(company), user_errors=[])

    @mutation(permission_classes=[IsCompany], description="Changes company settings.")
    async def update_company_settings(
        self,
        info: Info,
        input: Annotated[
            UpdateCompanySettingsInput, strawberry.argument(description="The settings to change.")
        ],
    ) -> CompanyPayload:
        company = await companies.update_settings(
            info.context.caller,
            undo_window_minutes=input.undo_window_minutes,
            agency_fee_yen=input.agency_fee_yen,
            contact_email=input.contact_email,
            mail_from_name=input.mail_from_name,
            reply_to_email=input.reply_to_email,
        )
        return CompanyPayload(company=Company.from_model(company), user_errors=[])
