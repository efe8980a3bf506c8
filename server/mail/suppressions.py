"""Addresses that must not be mailed: unsubscribed (one click), bounced or complained.

Suppression is checked when a mail is claimed for sending, so a mail queued before the
unsubscription is stopped too. Mails the person has just asked for (``REQUESTED_KINDS``:
a portal link, an address confirmation) still reach an unsubscribed address, or nobody could
reach their own profile to erase it after unsubscribing; a bounced address gets nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise import connections
from tortoise.transactions import in_transaction

from server import tokens
from server.errors import NotFound
from server.models import (
    MailKind,
    MailMessage,
    Referral,
    ReferralStatus,
    Suppression,
    SuppressionReason,
    TokenPurpose,
)
from server.text import normalize_email

REQUESTED_KINDS = frozenset({MailKind.PORTAL_LINK, MailKind.JOIN_CONFIRM})

# ON CONFLICT keeps the first reason, except that a hard failure (bounce, complaint) replaces
# an unsubscription: it also stops the requested kinds above.
_SUPPRESS = (
    "INSERT INTO suppression (email_normalized, reason, created_at) VALUES ($1, $2, $3) "
    "ON CONFLICT (email_normalized) DO UPDATE SET reason = EXCLUDED.reason "
    "WHERE suppression.reason = 'UNSUBSCRIBED' AND EXCLUDED.reason <> 'UNSUBSCRIBED' "
    "RETURNING id"
)
# A plain UPDATE waits for a sender's (short) claim and then skips the row it claimed.
_STOP_PENDING = (
    "UPDATE mail_message SET status = 'SUPPRESSED', last_error = 'unsubscribed' "
    "WHERE recipient = $1 AND status = 'PENDING' AND kind <> ALL($2::text[]) RETURNING id"
)


async def reason_for(email: str) -> SuppressionReason | None:
    """Why the address is suppressed, or None when it may be mailed."""
    row = await Suppression.get_or_none(email_normalized=normalize_email(email))
    return row.reason if row else None


async def is_suppressed(email: str) -> bool:
    return await reason_for(email) is not None


def blocks(reason: SuppressionReason | None, kind: MailKind) -> bool:
    """Whether a suppression with this reason stops a mail of this kind."""
    if reason is None:
        return False
    return reason != SuppressionReason.UNSUBSCRIBED or kind not in REQUESTED_KINDS


async def suppress(email: str, reason: SuppressionReason) -> bool:
    """Suppresses an address (idempotent, safe concurrently); True when this call changed it."""
    rows = await connections.get("default").execute_query_dict(
        _SUPPRESS, [normalize_email(email), reason.value, datetime.now(UTC)]
    )
    return bool(rows)


async def close_referrals(message_ids: list[int], status: ReferralStatus) -> None:
    """Closes the still-pending referrals whose mails will never be sent."""
    if not message_ids:
        return
    referral_ids = await MailMessage.filter(
        id__in=message_ids, referral_id__isnull=False
    ).values_list("referral_id", flat=True)
    if referral_ids:
        await Referral.filter(id__in=referral_ids, status=ReferralStatus.PENDING).update(
            status=status, closed_at=datetime.now(UTC)
        )


async def unsubscribe_with_token(raw_token: str) -> str:
    """One-click unsubscription: suppresses the token's address and stops its pending mails.

    Idempotent: a second click (or a mail client's retry) answers the same.

    Returns:
        The normalised address that was unsubscribed.

    Raises:
        DomainError: NOT_FOUND for an unknown token, EXPIRED for an expired one.
    """
    async with in_transaction("default"):
        token = await tokens.find(raw_token, TokenPurpose.UNSUBSCRIBE, for_update=True)
        if not token.email_normalized:
            raise NotFound("link")
        email = token.email_normalized
        await suppress(email, SuppressionReason.UNSUBSCRIBED)
        stopped = await connections.get("default").execute_query_dict(
            _STOP_PENDING, [email, [kind.value for kind in REQUESTED_KINDS]]
        )
        await close_referrals([row["id"] for row in stopped], ReferralStatus.OPTED_OUT)
        if token.used_at is None:
            token.used_at = datetime.now(UTC)
            await token.save(update_fields=["used_at"])
    return email
