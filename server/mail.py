"""The outbox: mails are rows (``MailMessage``) written in the caller's transaction, then sent
by the ``send_mail`` job; a sweeper rebuilds lost jobs from the rows.

Life of a row::

    PENDING ──claim──> SENDING ──> SENT
       ▲                  │──────> FAILED      (5xx for the recipient, or too many attempts)
       └── transient ─────┘        SUPPRESSED  (address suppressed when claimed)
           error, crash            CANCELLED   (taken back before it was due)

The database is the guard (a row is claimed once, with ``SKIP LOCKED``); arq job ids only
avoid piling up duplicate jobs. Retry policy: a transient failure puts the row back to
``PENDING`` with ``send_after`` moved by an exponential backoff (``backoff``); after
``MAX_ATTEMPTS`` claims the mail is ``FAILED`` for good.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from enum import StrEnum
from urllib.parse import urlsplit

from arq.connections import ArqRedis
from redis.exceptions import RedisError
from tortoise import connections
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from server import suppressions, tokens
from server.config import get_settings
from server.errors import DomainError, ErrorCode
from server.models import (
    Locale,
    MailKind,
    MailMessage,
    MailStatus,
    Referral,
    ReferralStatus,
    SuppressionReason,
    TokenPurpose,
)
from server.queue import enqueue
from server.smtp import SmtpPermanentError, SmtpSender, SmtpTransientError, envelope_address
from server.text import is_email, normalize_email

log = logging.getLogger(__name__)

SEND_JOB = "send_mail"
MAX_ATTEMPTS = 30  # with the 10 min cap: about four hours of retrying
BACKOFF_BASE_SECONDS = 5
BACKOFF_CAP_SECONDS = 600
# A claim older than this belongs to a dead worker: far above the job timeout (60 s), which
# arq enforces, so a live worker never has its mail taken away.
CLAIM_TIMEOUT = timedelta(minutes=5)
# A retried row is left to its own arq retry for this long after it falls due.
RETRY_GRACE = timedelta(minutes=1)
SWEEP_BATCH = 1000
ONE_CLICK = "List-Unsubscribe=One-Click"
# Headers the row may not override.
_OWN_HEADERS = {"from", "to", "subject", "date", "message-id"}

_INSERT = (
    "INSERT INTO mail_message (kind, company_id, candidate_id, referral_id, recipient, locale, "
    "subject, body_text, body_html, headers, status, attempts, dedupe_key, send_after, "
    "message_id, last_error, created_at) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 0, $12, $13, '', '', $14) "
    "ON CONFLICT (dedupe_key) DO NOTHING RETURNING id"
)
_RELEASE = (
    "UPDATE mail_message SET "
    "status = CASE WHEN attempts >= $2 THEN 'FAILED' ELSE 'PENDING' END, "
    "last_error = CASE WHEN attempts >= $2 THEN $3 ELSE $4 END "
    "WHERE status = 'SENDING' AND claimed_at < $1 RETURNING id, attempts, status"
)


class SendResult(StrEnum):
    SENT = "SENT"
    SUPPRESSED = "SUPPRESSED"
    FAILED = "FAILED"
    RETRY = "RETRY"  # transient failure: the row is PENDING again, due in ``retry_in``
    SKIPPED = "SKIPPED"  # not claimable: already taken, finished, cancelled or not yet due


@dataclass(frozen=True)
class SendOutcome:
    result: SendResult
    retry_in: int | None = None  # seconds, for RETRY
    error: str = ""


def backoff(attempts: int) -> int:
    """Seconds to wait after the ``attempts``-th failed attempt: 10 s, 20 s, … 10 min."""
    return min(BACKOFF_BASE_SECONDS * 2 ** min(attempts, 16), BACKOFF_CAP_SECONDS)


def job_id(message_id: int, attempts: int = 0) -> str:
    """arq job id of the next attempt.

    The first job is ``mail:{id}``; after a failure or a lost worker the attempt number is
    added, because arq keeps an id blocked while the previous job's result lives on. arq job
    ids are global to a Redis server, so they carry the queue name: deployments (and test
    runs) sharing a Redis never block each other's mails.
    """
    own = f"mail:{message_id}" if attempts == 0 else f"mail:{message_id}:{attempts}"
    return f"{get_settings().queue_name}:{own}"


def message_id_header(message_id: int) -> str:
    """RFC 5322 Message-ID of a row: the same on every attempt, so receivers can dedupe."""
    host = urlsplit(get_settings().public_url).hostname or "localhost"
    return f"<mail-{message_id}@{host}>"


async def unsubscribe_url(email: str) -> str:
    """A one-click unsubscription link for the address (a fresh UNSUBSCRIBE token)."""
    raw = await tokens.issue(TokenPurpose.UNSUBSCRIBE, email=normalize_email(email))
    return f"{get_settings().public_url}/u/{raw}"


def unsubscribe_headers(url: str) -> dict[str, str]:
    """RFC 2369 + RFC 8058 headers (one-click: mail clients POST to the URL)."""
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": ONE_CLICK}


async def queue_mail(
    *,
    kind: MailKind,
    recipient: str,
    subject: str,
    body_text: str,
    body_html: str = "",
    locale: Locale = Locale.JA,
    dedupe_key: str,
    unsubscribe: str | None = None,
    company_id: int | None = None,
    candidate_id: int | None = None,
    referral_id: int | None = None,
    send_after: datetime | None = None,
) -> tuple[MailMessage, bool]:
    """Adds a PENDING mail to the outbox in the caller's transaction.

    The recipient is stored normalised (suppressions match on it). A taken ``dedupe_key`` is
    not an error and does not abort the caller's transaction.

    Returns:
        The row and True, or the row already holding ``dedupe_key`` and False.

    Raises:
        DomainError: INVALID for a recipient that is not an email address.
    """
    if not is_email(recipient):
        raise DomainError(ErrorCode.INVALID, "not a valid email address", ["recipient"])
    headers = unsubscribe_headers(unsubscribe) if unsubscribe else {}
    now = datetime.now(UTC)
    values = [
        kind.value,
        company_id,
        candidate_id,
        referral_id,
        normalize_email(recipient),
        Locale(locale).value,
        " ".join(subject.split()),  # a line break in a header would end it
        body_text,
        body_html,
        json.dumps(headers),
        MailStatus.PENDING.value,
        dedupe_key,
        send_after or now,
        now,
    ]
    # execute_query_dict: Tortoise's execute_query drops the RETURNING rows of an INSERT.
    rows = await connections.get("default").execute_query_dict(_INSERT, values)
    if rows:
        return await MailMessage.get(id=rows[0]["id"]), True
    return await MailMessage.get(dedupe_key=dedupe_key), False


async def enqueue_send(redis: ArqRedis, message_ids: list[int]) -> None:
    """After the commit: one ``send_mail`` job per mail (a lost one is the sweeper's)."""
    try:
        for message_id in message_ids:
            await enqueue(redis, SEND_JOB, message_id, job_id=job_id(message_id))
    except RedisError as error:  # the rows are committed; the sweeper will enqueue them
        log.warning(
            "enqueue of %s mails failed, the sweeper will retry: %s", len(message_ids), error
        )


def build_email(message: MailMessage) -> EmailMessage:
    """The MIME mail of a row: text, plus an HTML alternative when the row has one."""
    email = EmailMessage()
    email["From"] = get_settings().mail_from
    email["To"] = envelope_address(message.recipient)
    email["Subject"] = message.subject
    email["Date"] = format_datetime(datetime.now(UTC))
    email["Message-ID"] = message_id_header(message.id)
    email["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies, please
    for name, value in (message.headers or {}).items():
        if name.lower() not in _OWN_HEADERS:
            email[name] = value
    email.set_content(message.body_text, cte=_transfer_encoding(message.body_text))
    if message.body_html:
        email.add_alternative(
            message.body_html, subtype="html", cte=_transfer_encoding(message.body_html)
        )
    return email


def _transfer_encoding(text: str) -> str | None:
    # Japanese text in base64 is a third bigger, in quoted-printable three times.
    return None if text.isascii() else "base64"


async def send(message_id: int, smtp: SmtpSender) -> SendOutcome:
    """Sends one outbox mail, at most once however often and concurrently it is called.

    Returns:
        What happened; ``RETRY`` carries the backoff the caller should wait.
    """
    message = await _claim(message_id, datetime.now(UTC))
    if message is None:
        return SendOutcome(SendResult.SKIPPED)
    if message.status == MailStatus.SUPPRESSED:
        return SendOutcome(SendResult.SUPPRESSED)
    sender = parseaddr(get_settings().mail_from)[1]
    try:
        await smtp.send(build_email(message), sender=sender, recipient=message.recipient)
    except SmtpPermanentError as error:
        await _bounce(message, str(error))
        return SendOutcome(SendResult.FAILED, error=str(error))
    except SmtpTransientError as error:
        return await _defer(message, str(error))
    await _mark_sent(message)
    return SendOutcome(SendResult.SENT)


_CLAIM = (
    "UPDATE mail_message SET status = 'SENDING', claimed_at = $2, attempts = attempts + 1 "
    "WHERE id = $1 AND status = 'PENDING' AND send_after <= $2 "
    "AND id IN (SELECT id FROM mail_message WHERE id = $1 FOR UPDATE SKIP LOCKED) "
    "RETURNING *"
)
_MARK_SENT = (
    "WITH sent AS (UPDATE mail_message SET status = 'SENT', sent_at = $2, message_id = $3, "
    "last_error = '' WHERE id = $1 AND status IN ('SENDING', 'PENDING') RETURNING referral_id) "
    "UPDATE referral SET status = 'MAILED', mailed_at = $2 "
    "WHERE id = (SELECT referral_id FROM sent) AND status = 'PENDING'"
)


async def _claim(message_id: int, now: datetime) -> MailMessage | None:
    """PENDING and due → SENDING in one statement (the hot path), or SUPPRESSED when the
    address may not get this kind; None when the row is not ours to send."""
    rows = await connections.get("default").execute_query_dict(_CLAIM, [message_id, now])
    if not rows:
        return None
    message = MailMessage._init_from_db(**rows[0])
    reason = await suppressions.reason_for(message.recipient)
    if suppressions.blocks(reason, message.kind):
        async with in_transaction():
            message.status, message.last_error = MailStatus.SUPPRESSED, f"suppressed: {reason}"
            message.attempts -= 1  # nothing was attempted
            await message.save(update_fields=["status", "last_error", "attempts"])
            closed = (
                ReferralStatus.BOUNCED
                if reason == SuppressionReason.BOUNCED
                else ReferralStatus.OPTED_OUT
            )
            await suppressions.close_referrals([message.id], closed)
    return message


async def _mark_sent(message: MailMessage) -> None:
    # PENDING too: a sweeper that wrongly took us for dead must not send it again.
    await connections.get("default").execute_query_dict(
        _MARK_SENT, [message.id, datetime.now(UTC), message_id_header(message.id)]
    )


async def _bounce(message: MailMessage, error: str) -> None:
    """Permanent refusal: FAILED, the address suppressed, the referral BOUNCED."""
    log.warning("mail %s to %s bounced: %s", message.id, message.recipient, error)
    async with in_transaction():
        await MailMessage.filter(id=message.id, status=MailStatus.SENDING).update(
            status=MailStatus.FAILED, last_error=error
        )
        await suppressions.suppress(message.recipient, SuppressionReason.BOUNCED)
        if message.referral_id is not None:
            await Referral.filter(
                id=message.referral_id,
                status__in=[ReferralStatus.PENDING, ReferralStatus.MAILED],
            ).update(status=ReferralStatus.BOUNCED, closed_at=datetime.now(UTC))


async def _defer(message: MailMessage, error: str) -> SendOutcome:
    """Transient failure: PENDING again after a backoff, or FAILED after MAX_ATTEMPTS."""
    if message.attempts >= MAX_ATTEMPTS:
        reason = f"gave up after {message.attempts} attempts: {error}"
        log.error("mail %s: %s", message.id, reason)
        await MailMessage.filter(id=message.id, status=MailStatus.SENDING).update(
            status=MailStatus.FAILED, last_error=reason
        )
        return SendOutcome(SendResult.FAILED, error=reason)
    delay = backoff(message.attempts)
    log.info(
        "mail %s: attempt %s failed, retry in %ss: %s", message.id, message.attempts, delay, error
    )
    await MailMessage.filter(id=message.id, status=MailStatus.SENDING).update(
        status=MailStatus.PENDING,
        last_error=error,
        send_after=datetime.now(UTC) + timedelta(seconds=delay),
    )
    return SendOutcome(SendResult.RETRY, retry_in=delay, error=error)


async def sweep(redis: ArqRedis, now: datetime | None = None) -> int:
    """Rebuilds the jobs of mails that should be moving but may have no job.

    * SENDING rows claimed more than ``CLAIM_TIMEOUT`` ago (their worker died) go back to
      PENDING, or to FAILED once they used up ``MAX_ATTEMPTS``.
    * PENDING rows that are due get a job: never attempted ones at once (the job id
      ``mail:{id}`` dedupes against the job enqueued after the commit), retried ones
      ``RETRY_GRACE`` after falling due (their own arq retry normally runs first).

    Safe to run twice and concurrently. Returns how many jobs were enqueued.
    """
    now = now or datetime.now(UTC)
    released = await _release_stale_claims(now)
    due = (
        await MailMessage.filter(
            Q(attempts=0, send_after__lte=now)
            | Q(attempts__gt=0, send_after__lte=now - RETRY_GRACE),
            status=MailStatus.PENDING,
        )
        .order_by("send_after", "id")
        .limit(SWEEP_BATCH)
        .values_list("id", "attempts")
    )
    enqueued = 0
    try:
        for message_id, attempts in dict([*due, *released]).items():
            job = await redis.enqueue_job(
                SEND_JOB, message_id, _job_id=job_id(message_id, attempts)
            )
            enqueued += job is not None  # None: a job with this id exists
    except (RedisError, OSError) as error:  # the next sweep goes on from the rows
        log.warning("sweeper could not enqueue mails: %s", error)
    if enqueued:
        log.info("sweeper enqueued %s mails", enqueued)
    return enqueued


async def _release_stale_claims(now: datetime) -> list[tuple[int, int]]:
    """Stale SENDING rows back to PENDING (or FAILED); returns the released (id, attempts)."""
    rows = await connections.get("default").execute_query_dict(
        _RELEASE,
        [
            now - CLAIM_TIMEOUT,
            MAX_ATTEMPTS,
            f"worker lost {MAX_ATTEMPTS} times while sending",
            "claim expired: the worker was lost",
        ],
    )
    released = [(r["id"], r["attempts"]) for r in rows if r["status"] == MailStatus.PENDING]
    if rows:
        log.warning("sweeper released %s mails claimed by lost workers", len(rows))
    return released
