"""The mail that asks a candidate to meet a company (Japanese and English), with its accept and
decline links.
"""

from __future__ import annotations

from datetime import UTC, datetime

from server import i18n, timezones, tokens
from server.applications import opening_view
from server.config import get_settings
from server.mail import outbox
from server.models import (
    Candidate,
    Company,
    Introduction,
    Locale,
    MailKind,
    Opening,
    TokenPurpose,
)

# --- requesting ---------------------------------------------------------------------------


def answer_url(raw: str, answer: str, locale: Locale) -> str:
    """The mailed link to the confirm page of one answer (``accept`` or ``decline``), in the
    candidate's language."""
    return f"{get_settings().public_url}/me/introductions/{raw}/{answer}?lang={locale.value}"


async def queue_mail(
    introduction: Introduction, company: Company, opening: Opening, candidate: Candidate
) -> int:
    locale = Locale(candidate.locale)
    raw = await tokens.issue(
        TokenPurpose.INTRODUCTION,
        email=candidate.email_normalized or "",
        candidate_id=candidate.id,
        company_id=company.id,
        data={"introduction_id": introduction.id},
        ttl=introduction.expires_at - datetime.now(UTC),
    )
    subject = i18n.translate(locale, "mail.introduction.subject")
    body = i18n.translate(locale, "mail.introduction.body")
    values = {
        "name": candidate.display_name,
        "company": company.name,
        "opening": opening.title,
        "opening_details": opening_view.mail_text(
            await opening_view.view(opening, company, locale), locale
        ),
        "accept_url": answer_url(raw, "accept", locale),
        "decline_url": answer_url(raw, "decline", locale),
        "expires": _local_day(introduction.expires_at),
        "portal_url": f"{get_settings().public_url}/me",
    }
    message, _ = await outbox.queue_mail(
        kind=MailKind.INTRODUCTION,
        recipient=candidate.email or "",
        unsubscribe=await outbox.unsubscribe_url(candidate.email or ""),
        subject=subject.format(**values),
        body_text=body.format(**values),
        locale=locale,
        dedupe_key=f"introduction:{introduction.id}",
        company_id=company.id,
        candidate_id=candidate.id,
    )
    return message.id


def _local_day(value: datetime) -> str:
    return value.astimezone(timezones.JAPAN).strftime("%Y-%m-%d")
