"""The rejection mail (flow 1): whether a person gets one, what it says, when it may go out,
one per person per company per (company-local) day, and the mail a rejection made. The
decision and its undo are in :mod:`server.applications.rejections`."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from server.applications import templates
from server.companies import accounts as companies
from server.config import get_settings
from server.mail import outbox, sending_guards
from server.models import (
    Applicant,
    Application,
    ApplicationStatus,
    Company,
    MailKind,
    MailMessage,
    Opening,
    Referral,
)
from server.network import referrals

if TYPE_CHECKING:
    from server.applications.rejections import Decision

HOLDING_OFFER = (ApplicationStatus.OFFERED, ApplicationStatus.HIRED)


async def holds_offer(company_id: int, email_normalized: str) -> bool:
    return await Application.filter(
        company_id=company_id,
        applicant__email_normalized=email_normalized,
        status__in=HOLDING_OFFER,
    ).exists()


def dedupe_key(company: Company, email_normalized: str, send_after: datetime) -> str:
    """One rejection mail per person per company per (company-local) day."""
    day = send_after.astimezone(ZoneInfo(company.timezone)).date().isoformat()
    return f"rejection:{company.id}:{email_normalized}:{day}"


async def existing_mail(key: str) -> MailMessage | None:
    return await MailMessage.get_or_none(dedupe_key=key)


def send_time(company: Company, decision: Decision, now: datetime) -> datetime:
    """When the mail may go out at the earliest: after the undo window, or later if asked."""
    return max(now + timedelta(minutes=company.undo_window_minutes), decision.send_at or now)


def compose(
    company: Company,
    applicant: Applicant,
    opening: Opening,
    *,
    invitation: bool,
    registration_url: str,
    unsubscribe_url: str,
) -> templates.RenderedMail:
    """The rejection mail exactly as ``applicant`` gets it (the company's template in the
    applicant's language; the plain one when the reason offers no invitation)."""
    return templates.render(
        templates.source_for(company.rejection_templates, applicant.locale, invitation=invitation),
        {
            "candidate_name": applicant.name,
            "company_name": company.name,
            "opening_title": opening.title,
            "registration_url": registration_url,
            "unsubscribe_url": unsubscribe_url,
        },
    )


async def queue(
    company: Company,
    applicant: Applicant,
    opening: Opening,
    application: Application,
    decision: Decision,
    now: datetime,
) -> tuple[Referral | None, MailMessage | None]:
    """Queues the rejection mail (with its referral when the reason offers an invitation),
    or returns the person's mail of that day and its referral when there is one already."""
    send_after = send_time(company, decision, now)
    key = dedupe_key(company, applicant.email_normalized, send_after)
    existing = await existing_mail(key)
    if existing is not None:
        referral = (
            await Referral.get_or_none(id=existing.referral_id) if existing.referral_id else None
        )
        return referral, existing
    send_after = await sending_guards.place(company, send_after)
    invitation = decision.reason.offers_invitation
    referral, registration_url = None, ""
    if invitation:
        referral, raw = await referrals.create_for_mail(
            company.id, application.id, applicant.email_normalized
        )
        registration_url = f"{get_settings().public_url}/r/{raw}"
    unsubscribe = await outbox.unsubscribe_url(applicant.email_normalized)
    rendered = compose(
        company,
        applicant,
        opening,
        invitation=invitation,
        registration_url=registration_url,
        unsubscribe_url=unsubscribe,
    )
    sending_guards.check_links({"subject": rendered.subject, "body": rendered.text}, company)
    message, created = await outbox.queue_mail(
        kind=MailKind.REJECTION,
        recipient=applicant.email,
        subject=rendered.subject,
        body_text=rendered.text,
        body_html=rendered.html,
        locale=applicant.locale,
        dedupe_key=key,
        unsubscribe=unsubscribe,
        company_id=company.id,
        referral_id=referral.id if referral else None,
        send_after=send_after,
        sender=companies.mail_sender(company, applicant.locale),
    )
    if not created:  # a concurrent rejection of the same person won the day's mail
        if referral is not None:
            await referral.delete()
        referral = (
            await Referral.get_or_none(id=message.referral_id) if message.referral_id else None
        )
    return referral, message


async def made_by(application: Application) -> tuple[Referral | None, MailMessage | None]:
    """The referral and the mail a rejection made: the mail its referral carries, or the
    plain mail (a reason without invitation has no referral) queued when it was decided."""
    referral = await Referral.filter(application_id=application.id).order_by("-id").first()
    if referral is not None:
        return referral, await MailMessage.filter(referral_id=referral.id).first()
    if application.decided_at is None:
        return None, None
    applicant = await Applicant.get(id=application.applicant_id)
    key = f"rejection:{application.company_id}:{applicant.email_normalized}:"
    message = (
        await MailMessage.filter(
            kind=MailKind.REJECTION,
            referral_id=None,
            dedupe_key__startswith=key,
            created_at__gte=application.decided_at - timedelta(seconds=5),
        )
        .order_by("-id")
        .first()
    )
    return None, message
