"""What a rejection will do before it is made (the exact mail each person gets) and what one
did (its mail, whether it can still be taken back). Reads only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from server.applications import rejection_mails, rejections
from server.applications.templates import RenderedMail
from server.config import get_settings
from server.errors import NotFound
from server.mail import sending_guards
from server.models import (
    Applicant,
    Application,
    ApplicationStatus,
    Company,
    MailMessage,
    MailStatus,
    Opening,
)
from server.principal import Principal

# The personal links are issued when the mail is made; the preview shows where they go.
LINK_PLACEHOLDER = "XXXXXXXXXXXX"


class Outcome(StrEnum):
    MAIL = "MAIL"  # rejected, and this mail goes out
    NO_MAIL = "NO_MAIL"  # rejected without a mail (asked so)
    HOLDS_OFFER = "HOLDS_OFFER"  # rejected; no mail, the person holds an offer of the company
    MAILED_TODAY = "MAILED_TODAY"  # rejected; the person's mail of that day already exists
    ALREADY_REJECTED = "ALREADY_REJECTED"  # nothing changes
    HIRED = "HIRED"  # cannot be rejected


@dataclass(frozen=True)
class Preview:
    application: Application
    applicant: Applicant
    opening: Opening
    outcome: Outcome
    mail: RenderedMail | None = None
    send_after: datetime | None = None  # at the earliest (the daily quota may hold it later)


def _links() -> tuple[str, str]:
    url = get_settings().public_url
    return f"{url}/r/{LINK_PLACEHOLDER}", f"{url}/u/{LINK_PLACEHOLDER}"


async def _outcome(
    company: Company, application: Application, applicant: Applicant, decision, now: datetime
) -> Outcome:
    if application.status == ApplicationStatus.REJECTED:
        return Outcome.ALREADY_REJECTED
    if application.status == ApplicationStatus.HIRED:
        return Outcome.HIRED
    if not decision.send_mail:
        return Outcome.NO_MAIL
    if await rejection_mails.holds_offer(company.id, applicant.email_normalized):
        return Outcome.HOLDS_OFFER
    key = rejection_mails.dedupe_key(
        company, applicant.email_normalized, rejection_mails.send_time(company, decision, now)
    )
    if await rejection_mails.existing_mail(key) is not None:
        return Outcome.MAILED_TODAY
    return Outcome.MAIL


async def preview(principal: Principal, application_ids: list[int], **decision) -> list[Preview]:
    """What rejecting these applications with this decision (the keywords of
    ``rejections.decide``) would do, each with the exact mail its person would get.

    Raises:
        DomainError: NOT_FOUND when any id is not the caller's company's application;
            FORBIDDEN for a viewer; the decision's and the template's errors.
    """
    made = await rejections.decide(principal, **decision)
    company_id = principal.require_company()
    wanted = list(dict.fromkeys(application_ids))[: rejections.MAX_BULK]
    found = {
        a.id: a
        for a in await Application.filter(id__in=wanted, company_id=company_id).prefetch_related(
            "applicant", "opening"
        )
    }
    if not wanted or len(found) != len(wanted):
        raise NotFound("application", ["applicationId"])
    company = await Company.get(id=company_id)
    now = datetime.now(UTC)
    registration_url, unsubscribe_url = _links()
    previews = []
    for application in (found[i] for i in wanted):
        applicant, opening = application.applicant, application.opening
        outcome = await _outcome(company, application, applicant, made, now)
        mail = None
        if outcome == Outcome.MAIL:
            invitation = made.reason.offers_invitation
            mail = rejection_mails.compose(
                company,
                applicant,
                opening,
                invitation=invitation,
                registration_url=registration_url if invitation else "",
                unsubscribe_url=unsubscribe_url,
            )
            sending_guards.check_links({"subject": mail.subject, "body": mail.text}, company)
        send_after = rejection_mails.send_time(company, made, now) if mail else None
        previews.append(Preview(application, applicant, opening, outcome, mail, send_after))
    return previews


@dataclass(frozen=True)
class Done:
    """A rejection that was made: its mail (if any) and until when it can be taken back."""

    mail: MailMessage | None
    undo_until: datetime | None  # None: not (or no longer) possible
    undoable: bool


async def done(principal: Principal, application: Application) -> Done | None:
    """The rejection of one of the caller's applications, None when it is not rejected."""
    if application.company_id != principal.require_company():
        raise NotFound("application", ["applicationId"])
    if application.status != ApplicationStatus.REJECTED:
        return None
    _, mail = await rejection_mails.made_by(application)
    if mail is None:
        return Done(None, None, True)
    waiting = mail.status == MailStatus.PENDING and mail.send_after > datetime.now(UTC)
    return Done(mail, mail.send_after if waiting else None, waiting)
