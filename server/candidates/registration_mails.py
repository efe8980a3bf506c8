"""The registration confirmation: sent when a person registers from a referral, with the
link to their portal (the thank-you page promises it). Queued in the registration's own
transaction (the outbox), so a registration that rolls back mails nothing."""

from __future__ import annotations

from server import i18n, tokens
from server.config import get_settings
from server.mail import outbox
from server.models import Candidate, Company, Locale, MailKind, MailMessage, TokenPurpose


async def queue_confirmation(
    candidate: Candidate, company: Company, referral_id: int, locale: Locale
) -> MailMessage:
    """Queues the confirmation with a fresh portal link (inside the caller's transaction)."""
    raw = await tokens.issue(
        TokenPurpose.PORTAL, email=candidate.email_normalized, candidate_id=candidate.id
    )
    public_url = get_settings().public_url
    subject = i18n.translate(locale, "mail.registration_confirm.subject")
    body = i18n.translate(locale, "mail.registration_confirm.body")
    message, _ = await outbox.queue_mail(
        kind=MailKind.PORTAL_LINK,
        recipient=candidate.email or candidate.email_normalized or "",
        subject=subject,
        body_text=body.format(
            name=candidate.display_name,
            company=company.name,
            days=tokens.DEFAULT_TTL[TokenPurpose.PORTAL].days,
            url=f"{public_url}/me/{raw}",
            me_url=f"{public_url}/me",
        ),
        locale=locale,
        dedupe_key=f"registered:{referral_id}",
        company_id=company.id,
        candidate_id=candidate.id,
    )
    return message
