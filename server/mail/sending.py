"""Sending claimed outbox rows over the worker's SMTP connection: one mail or a batch, the
SENT mark (retried through a database outage), bounces and deferrals.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from typing import Any

from arq.connections import ArqRedis
from tortoise import connections
from tortoise.transactions import in_transaction

from server.config import get_settings
from server.mail import suppressions
from server.mail.claims import claim, hand_back, requeue, scrubbed, unqueue
from server.mail.mime import build_email
from server.mail.outbox import MAX_ATTEMPTS, SendOutcome, SendResult, backoff, message_id_header
from server.mail.smtp import SmtpPermanentError, SmtpSender, SmtpTransientError
from server.models import (
    MailMessage,
    MailStatus,
    Referral,
    ReferralStatus,
    SuppressionReason,
)
from server.webhooks import emitters

log = logging.getLogger(__name__)
# A send job takes along up to so many due mails on its SMTP connection (one job, one claim
# for all), and hands the rest back after so many seconds.
BATCH_SIZE = 20
BATCH_SECONDS = 10.0
# After the SMTP server accepted a mail, marking it SENT is retried this long (a database
# outage): a mail left SENDING would be sent again once its claim expires.
MARK_RETRY_SECONDS = 300.0
MARK_RETRY_DELAY = 0.5


async def send(message_id: int, smtp: SmtpSender) -> SendOutcome:
    """Sends one outbox mail, at most once however often and concurrently it is called.

    Returns:
        What happened; ``RETRY`` carries the backoff the caller should wait.
    """
    claimed = await claim(message_id, datetime.now(UTC))
    if not claimed:
        return SendOutcome(SendResult.SKIPPED)
    return await _deliver(claimed[0], smtp)


async def send_batch(message_id: int, smtp: SmtpSender, redis: ArqRedis) -> SendOutcome:
    """Sends one outbox mail and takes along up to ``BATCH_SIZE - 1`` other due mails on the
    same SMTP connection, each at most once (the claim is the guard, as in ``send``).

    The jobs of the mails taken along are taken off the queue (a job that already started
    finds its mail claimed and skips it). Mails not sent when the batch stops (a transient
    failure, or ``BATCH_SECONDS`` spent) go back to PENDING with a job of their own.

    Returns:
        What happened to ``message_id``'s mail (SKIPPED when it was not ours to send).
    """
    started = time.monotonic()
    claimed = await claim(message_id, datetime.now(UTC), others=BATCH_SIZE - 1)
    await unqueue(redis, [m for m in claimed if m.id != message_id])
    own = SendOutcome(SendResult.SKIPPED)
    untried = list(claimed)  # not handed to the SMTP server yet
    sending: list[MailMessage] = []  # with the SMTP server, not accepted yet
    try:
        for index, message in enumerate(claimed):
            if index and (_stopping or time.monotonic() - started > BATCH_SECONDS):
                break
            untried.remove(message)
            sending[:] = [message]
            outcome = await _deliver(message, smtp, sending)
            sending.clear()
            if outcome.result == SendResult.SENT:
                await _server_back(redis)
            if message.id == message_id:
                own = outcome
            elif outcome.retry_in is not None:
                await requeue(redis, [(message.id, message.attempts)], defer=outcome.retry_in)
            if outcome.result == SendResult.RETRY:  # the server takes no mail now: stop here
                break
    finally:
        # Also when cancelled (a stopping worker, the job timeout) or failing (database down):
        # what was not tried goes back at once instead of waiting for the claim to expire.
        await hand_back(redis, untried, sending)
    return own


_stopping = False  # the worker was told to stop: batches end after the mail in hand


def stop_batches(stopping: bool = True) -> None:
    """A stopping worker: running batches hand back what they did not start sending."""
    global _stopping
    _stopping = stopping


async def _deliver(
    message: MailMessage, smtp: SmtpSender, sending: list[MailMessage] | None = None
) -> SendOutcome:
    """Hands a claimed mail to the SMTP server and records the outcome on its row.

    ``sending`` is emptied the moment the server accepted the mail: from then on only marking
    it SENT may touch the row.
    """
    if message.status == MailStatus.SUPPRESSED:
        return SendOutcome(SendResult.SUPPRESSED)
    if message.status == MailStatus.CANCELLED:
        return SendOutcome(SendResult.SKIPPED)
    sender = parseaddr(get_settings().mail_from)[1]
    try:
        await smtp.send(build_email(message), sender=sender, recipient=message.recipient)
    except SmtpPermanentError as error:
        await _bounce(message, str(error))
        return SendOutcome(SendResult.FAILED, error=str(error))
    except SmtpTransientError as error:
        return await _defer(message, str(error))
    if sending is not None:
        sending.clear()
    await _mark_sent(message)
    return SendOutcome(SendResult.SENT)


_MARK_SENT = (
    "WITH sent AS (UPDATE mail_message SET status = 'SENT', sent_at = $2, message_id = $3, "
    "last_error = '', body_text = $4, body_html = $5, headers = $6 "
    "WHERE id = $1 AND status IN ('SENDING', 'PENDING') RETURNING referral_id) "
    "UPDATE referral SET status = 'MAILED', mailed_at = $2 "
    "WHERE id = (SELECT referral_id FROM sent) AND status = 'PENDING' "
    "RETURNING id, company_id, application_id"
)


# Marks still retrying after their job was cancelled; a stopping worker waits for them.
_marking: set[asyncio.Task[None]] = set()


async def _mark_sent(message: MailMessage) -> None:
    """Marks an accepted mail SENT, retrying through a database outage.

    Shielded: a cancelled job (worker stop, job timeout) leaves the retries running, as the
    row would otherwise go out again once its claim expired.
    """
    task = asyncio.ensure_future(_mark_sent_retrying(message, datetime.now(UTC)))
    _marking.add(task)
    task.add_done_callback(_marking.discard)
    await asyncio.shield(task)


async def _mark_sent_retrying(message: MailMessage, sent_at: datetime) -> None:
    clean = scrubbed(message)
    values = [
        message.id,
        sent_at,
        message_id_header(message.id),
        clean["body_text"],
        clean["body_html"],
        json.dumps(clean["headers"]),
    ]
    deadline = time.monotonic() + MARK_RETRY_SECONDS
    while True:
        try:
            await _write_sent(message, values)
            return
        except Exception as error:  # database down: retried, then reported
            if time.monotonic() > deadline:
                log.error("mail %s was sent but could not be marked SENT: %s", message.id, error)
                raise
            log.warning("mail %s sent, marking it SENT failed, retrying: %s", message.id, error)
            await asyncio.sleep(MARK_RETRY_DELAY)


async def _write_sent(message: MailMessage, values: list[Any]) -> None:
    # PENDING too: a sweeper that wrongly took us for dead must not send it again.
    if message.referral_id is None:
        await connections.get("default").execute_query_dict(_MARK_SENT, values)
        return
    async with in_transaction("default"):  # the referral.mailed event with the status
        rows = await connections.get("default").execute_query_dict(_MARK_SENT, values)
        for row in rows:
            await emitters.referral_mailed(row["id"], row["company_id"], row["application_id"])


async def wait_for_marks() -> None:
    """Lets marks still retrying finish (a stopping worker; bound it with a timeout)."""
    if _marking:
        await asyncio.wait(list(_marking))


async def _bounce(message: MailMessage, error: str) -> None:
    """Permanent refusal: FAILED, the address suppressed, the referral BOUNCED."""
    log.warning("mail %s to %s bounced: %s", message.id, message.recipient, error)
    async with in_transaction("default"):
        await MailMessage.filter(id=message.id, status=MailStatus.SENDING).update(
            status=MailStatus.FAILED, last_error=error, **scrubbed(message)
        )
        await suppressions.suppress(message.recipient, SuppressionReason.BOUNCED)
        if message.referral_id is not None:
            await Referral.filter(
                id=message.referral_id,
                status__in=[ReferralStatus.PENDING, ReferralStatus.MAILED],
            ).update(status=ReferralStatus.BOUNCED, closed_at=datetime.now(UTC))
        await emitters.mail_bounced(
            message.id, message.company_id, message.kind, message.recipient, message.referral_id
        )


# Deferrals in a row since the SMTP server last accepted a mail (in this process), and when
# the first of them came. Two or more mean the server took nothing (down, or 451 to all):
# once it accepts a mail again, what it deferred meanwhile is due at once instead of after
# its backoff. A single deferral (one greylisting recipient) keeps its backoff.
_failing = {"count": 0, "since": None}
SERVER_DOWN_DEFERRALS = 2
# Due now, in one statement; ordered as the batch claim takes due rows.
_RETRY_NOW = (
    "WITH released AS (UPDATE mail_message SET send_after = $1 WHERE status = 'PENDING' "
    "AND attempts > 0 AND send_after > $1 AND claimed_at >= $2 RETURNING id, attempts) "
    "SELECT id, attempts FROM released ORDER BY id"
)


async def _server_back(redis: ArqRedis) -> None:
    """The SMTP server accepted a mail: the mails it deferred while it was failing are due now.

    They go out in batches (a batch claim takes due retries along): one job for every
    ``BATCH_SIZE`` of them, not one each.
    """
    count, since = _failing["count"], _failing["since"]
    _failing.update(count=0, since=None)
    if count < SERVER_DOWN_DEFERRALS:
        return
    rows = await connections.get("default").execute_query_dict(
        _RETRY_NOW, [datetime.now(UTC), since]
    )
    log.info("SMTP server back after %s deferrals: %s mails due now", count, len(rows))
    leaders = rows[::BATCH_SIZE]
    await requeue(redis, [(r["id"], r["attempts"]) for r in leaders], defer=0, fresh=True)


async def _defer(message: MailMessage, error: str) -> SendOutcome:
    """Transient failure: PENDING again after a backoff, or FAILED after MAX_ATTEMPTS."""
    _failing["count"] += 1
    _failing["since"] = _failing["since"] or message.claimed_at
    if message.attempts >= MAX_ATTEMPTS:
        reason = f"gave up after {message.attempts} attempts: {error}"
        log.error("mail %s: %s", message.id, reason)
        await MailMessage.filter(id=message.id, status=MailStatus.SENDING).update(
            status=MailStatus.FAILED, last_error=reason, **scrubbed(message)
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
