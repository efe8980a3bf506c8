"""What every talent-pool mail goes through (follow-ups, new-opening alerts, re-approaches):
whether the company may mail the person now, the re-apply link, the queueing under the
person's shared mail cap, and the send jobs after the commit.
"""

from __future__ import annotations

from datetime import datetime

from arq.connections import ArqRedis

from server import tokens
from server.applications.templates import RenderedMail
from server.candidates import consent
from server.companies import accounts as companies
from server.config import get_settings
from server.mail import budget as mail_budget
from server.mail import outbox, suppressions
from server.models import (
    Candidate,
    Company,
    ConsentScope,
    MailKind,
    MailMessage,
    Opening,
    TokenPurpose,
)
from server.network import tags
from server.pool import followup_mails


def url(path: str) -> str:
    """The public address of a page of the platform."""
    return f"{get_settings().public_url}{path}"


async def reachable(company_id: int, candidate: Candidate | None, now: datetime) -> bool:
    """Whether the company may mail the person now (call holding the candidate's lock)."""
    if candidate is None or candidate.erased_at is not None or not candidate.email:
        return False
    if candidate.paused_until is not None and candidate.paused_until > now:
        return False
    if not await consent.is_granted(candidate.id, ConsentScope.FOLLOW_UP, company_id):
        return False
    if await suppressions.is_suppressed(candidate.email):
        return False
    return not await mail_budget.in_process(company_id, candidate.email_normalized)


async def reapply_url(company_id: int, candidate_id: int, applicant_id: int, opening_id: int):
    """A fresh single-purpose link by which the person re-applies to the opening."""
    raw = await tokens.issue(
        TokenPurpose.REAPPLY,
        candidate_id=candidate_id,
        company_id=company_id,
        data={"opening_id": opening_id, "applicant_id": applicant_id},
    )
    return url(f"/a/{raw}")


async def enqueue_due(redis: ArqRedis | None, messages: list[MailMessage], now: datetime):
    """After the commit: send jobs for the mails due now (later ones are the sweeper's)."""
    due = [m.id for m in messages if m.send_after <= now]
    if redis is not None and due:
        await outbox.enqueue_send(redis, due)


async def queue_capped(
    kind: MailKind,
    candidate: Candidate,
    company: Company,
    rendered: RenderedMail,
    key: str,
    unsubscribe: str,
    now: datetime,
) -> MailMessage:
    """Queues a follow-up or alert mail, sent when the person's shared mail cap has room."""
    message, _ = await outbox.queue_mail(
        kind=kind,
        recipient=candidate.email,
        subject=rendered.subject,
        body_text=rendered.text,
        body_html=rendered.html,
        locale=candidate.locale,
        dedupe_key=key,
        unsubscribe=unsubscribe,
        company_id=company.id,
        candidate_id=candidate.id,
        send_after=await mail_budget.place(candidate.id, now),
        sender=companies.mail_sender(company, candidate.locale),
    )
    return message


async def opening_alert(
    company: Company,
    candidate: Candidate,
    row: dict,
    opening: Opening,
    matched_tag_ids: list[int],
    *,
    reapproach: bool = False,
) -> tuple[RenderedMail, str]:
    """The mail that sends a person one open opening (an alert, or a member's re-approach),
    with the tags they match in their language; and its unsubscribe address."""
    found = await tags.by_ids(matched_tag_ids)
    english = candidate.locale == "en"
    labels = [
        (found[t].category, found[t].label_en if english else found[t].label_ja)
        for t in matched_tag_ids
        if t in found
    ]
    unsubscribe = await outbox.unsubscribe_url(candidate.email)
    rendered = followup_mails.opening_alert(
        candidate.locale,
        candidate_name=row["name"],
        company_name=company.name,
        opening_title=opening.title,
        matched=labels,
        reapply_url=await reapply_url(company.id, candidate.id, row["applicant_id"], opening.id),
        portal_url=url("/me"),
        unsubscribe_url=unsubscribe,
        reapproach=reapproach,
    )
    return rendered, unsubscribe
