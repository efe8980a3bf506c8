"""Rejecting an application: the company's decision, then status, referral and rejection mail
(:mod:`server.applications.rejection_mails`) in one transaction (transactional outbox), the
send job after the commit; and taking a rejection back while its mail waits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from arq.connections import ArqRedis
from tortoise.transactions import in_transaction

from server import audit
from server.applications import reasons as rejection_reasons
from server.applications import rejection_mails
from server.errors import DomainError, ErrorCode, FieldError, NotFound
from server.mail import outbox
from server.models import (
    Applicant,
    Application,
    ApplicationEvent,
    ApplicationStatus,
    Company,
    MailMessage,
    MailStatus,
    Opening,
    Referral,
    ReferralStatus,
    RejectionReason,
)
from server.network import referrals
from server.principal import Permission, Principal

MAX_NOTE = 2000
MAX_BULK = 100  # applications rejected together (a page of the console's list is 50)


@dataclass
class Rejection:
    application: Application
    referral: Referral | None
    mail: MailMessage | None


@dataclass
class Decision:
    """What the company decided about one rejected application."""

    reason: RejectionReason
    note: str = ""
    evaluation: int | None = None
    silver_medalist: bool = False
    send_mail: bool = True
    send_at: datetime | None = None


def check_evaluation(evaluation: int | None, prefix: list[str]) -> list[FieldError]:
    if evaluation is not None and not 1 <= evaluation <= 5:
        return [FieldError(ErrorCode.INVALID, "evaluation is 1 to 5", [*prefix, "evaluation"])]
    return []


async def apply(
    company: Company,
    application: Application,
    applicant: Applicant,
    opening: Opening,
    decision: Decision,
    *,
    now: datetime | None = None,
    mail_allowed: bool = True,
) -> Rejection:
    """Rejects a locked application inside the caller's transaction.

    ``mail_allowed`` false creates the referral without a mail (old imported rejections).
    """
    now = now or datetime.now(UTC)
    application.status = ApplicationStatus.REJECTED
    application.rejection_reason_id = decision.reason.id
    application.rejection_note = decision.note
    application.evaluation = decision.evaluation
    application.silver_medalist = decision.silver_medalist
    application.decided_at = application.decided_at or now
    await application.save()
    await ApplicationEvent.create(
        company_id=company.id,
        application_id=application.id,
        status=ApplicationStatus.REJECTED,
        at=now,
    )
    if not decision.send_mail or await rejection_mails.holds_offer(
        company.id, applicant.email_normalized
    ):
        return Rejection(application, None, None)
    if not mail_allowed:
        if not decision.reason.offers_invitation:
            return Rejection(application, None, None)
        referral, _ = await referrals.create_for_mail(
            company.id, application.id, applicant.email_normalized
        )
        return Rejection(application, referral, None)
    referral, message = await rejection_mails.queue(
        company, applicant, opening, application, decision, now
    )
    return Rejection(application, referral, message)


async def _existing_rejection(application: Application) -> Rejection:
    return Rejection(application, *await rejection_mails.made_by(application))


async def _reject_locked(
    company: Company, application: Application, decision: Decision
) -> Rejection:
    """Rejects one application locked by the caller's transaction."""
    if application.status == ApplicationStatus.REJECTED:
        return await _existing_rejection(application)
    if application.status == ApplicationStatus.HIRED:
        raise DomainError(
            ErrorCode.WRONG_STATE, "a hired application cannot be rejected", ["applicationId"]
        )
    applicant = await Applicant.get(id=application.applicant_id)
    opening = await Opening.get(id=application.opening_id)
    return await apply(company, application, applicant, opening, decision)


async def decide(
    principal: Principal,
    *,
    reason: str | None = None,
    evaluation: int | None = None,
    silver_medalist: bool = False,
    send_mail: bool = True,
    send_at: datetime | None = None,
) -> Decision:
    """The company's decision from what the caller gave (the reason found in its catalogue).

    Raises:
        DomainError: FORBIDDEN for a viewer, INVALID evaluation, TOO_LONG reason.
    """
    principal.require(Permission.WRITE)
    company_id = principal.require_company()
    errors = check_evaluation(evaluation, [])
    if reason and len(reason) > MAX_NOTE:
        errors.append(
            FieldError(ErrorCode.TOO_LONG, f"reason is at most {MAX_NOTE} characters", ["reason"])
        )
    if errors:
        raise DomainError.many(errors)
    catalogue_reason, note = await rejection_reasons.find(company_id, reason)
    return Decision(catalogue_reason, note, evaluation, silver_medalist, send_mail, send_at)


async def reject(
    principal: Principal,
    application_id: int,
    *,
    redis: ArqRedis | None = None,
    **decision: Any,
) -> Rejection:
    """Rejects an application; the rejection mail goes out after the undo window.

    ``decision``: the keywords of :func:`decide`. Rejecting an already rejected application
    returns what the first rejection made.

    Raises:
        DomainError: NOT_FOUND (another company's application reads as not found),
            WRONG_STATE for a hired application, INVALID evaluation.
    """
    [result] = await reject_many(principal, [application_id], redis=redis, **decision)
    return result


async def reject_many(
    principal: Principal,
    application_ids: list[int],
    *,
    redis: ArqRedis | None = None,
    **decision: Any,
) -> list[Rejection]:
    """Rejects several applications with one decision, all or none (in one transaction).

    Raises:
        DomainError: NOT_FOUND when any id is not the caller's company's application,
            WRONG_STATE when one is hired, TOO_LONG past ``MAX_BULK`` applications.
    """
    wanted = list(dict.fromkeys(application_ids))
    made = await decide(principal, **decision)
    if not wanted or len(wanted) > MAX_BULK:
        raise DomainError(
            ErrorCode.TOO_LONG,
            f"reject 1 to {MAX_BULK} applications at a time",
            ["applicationIds"],
        )
    company_id = principal.require_company()
    async with in_transaction("default"):
        locked = {
            a.id: a
            for a in await Application.select_for_update()
            .filter(id__in=wanted, company_id=company_id)
            .order_by("id")
        }
        if len(locked) != len(wanted):
            raise NotFound("application", ["applicationId"])
        company = await Company.get(id=company_id)
        results = [await _reject_locked(company, locked[i], made) for i in wanted]
        for application_id in wanted:
            await audit.record(
                principal, "application.reject", "Application", application_id,
                reason=made.reason.code,
            )  # fmt: skip
    if redis is not None:
        await enqueue_due(redis, results)
    return results


async def enqueue_due(redis: ArqRedis, results: list[Rejection]) -> None:
    """After the commit: queues the mails due now; later ones are the sweeper's."""
    now = datetime.now(UTC)
    due = [
        r.mail.id
        for r in results
        if r.mail is not None and r.mail.status == MailStatus.PENDING and r.mail.send_after <= now
    ]
    if due:
        await outbox.enqueue_send(redis, due)


async def unreject(principal: Principal, application_id: int) -> Application:
    """Takes a rejection back while its mail is still waiting out the undo window.

    Raises:
        DomainError: WRONG_STATE when the application is not rejected or its mail has gone.
    """
    principal.require(Permission.WRITE)
    company_id = principal.require_company()
    async with in_transaction("default"):
        application = await Application.select_for_update().get_or_none(
            id=application_id, company_id=company_id
        )
        if application is None:
            raise NotFound("application", ["applicationId"])
        if application.status != ApplicationStatus.REJECTED:
            raise DomainError(
                ErrorCode.WRONG_STATE, "the application is not rejected", ["applicationId"]
            )
        referral, message = await rejection_mails.made_by(application)
        if message is not None:
            # Atomic against the sender's claim: only a still-pending, not yet due mail cancels.
            # It gives up its day's key, so a rejection decided again that day mails again.
            cancelled = await MailMessage.filter(
                id=message.id, status=MailStatus.PENDING, send_after__gt=datetime.now(UTC)
            ).update(
                status=MailStatus.CANCELLED,
                dedupe_key=f"{message.dedupe_key}:cancelled:{message.id}",
            )
            if not cancelled:
                raise DomainError(
                    ErrorCode.WRONG_STATE,
                    "the rejection mail has already been sent",
                    ["applicationId"],
                )
        if referral is not None:
            referral.status, referral.closed_at = ReferralStatus.CANCELLED, datetime.now(UTC)
            await referral.save(update_fields=["status", "closed_at"])
        previous = (
            await ApplicationEvent.filter(
                application_id=application.id, status__not=ApplicationStatus.REJECTED
            )
            .order_by("-at", "-id")
            .first()
        )
        application.status = previous.status if previous else ApplicationStatus.IN_REVIEW
        application.decided_at = None
        await application.save(update_fields=["status", "decided_at", "updated_at"])
        await ApplicationEvent.create(
            company_id=company_id,
            application_id=application.id,
            status=application.status,
            at=datetime.now(UTC),
        )
        await audit.record(principal, "application.unreject", "Application", application.id)
    return application
