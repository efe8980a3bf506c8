"""Claims on outbox rows: a send job claims due rows (``SKIP LOCKED``), and hands back or
requeues what it did not send.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta
from typing import Any

from arq.connections import ArqRedis
from redis.exceptions import RedisError
from tortoise import connections
from tortoise.transactions import in_transaction

from server import redact
from server.config import get_settings
from server.mail import budget as mail_budget
from server.mail import suppressions
from server.mail.outbox import SEND_JOB, SEND_JOB_TIMEOUT_SECONDS, job_id
from server.models import (
    MailMessage,
    MailStatus,
    ReferralStatus,
    SuppressionReason,
)

log = logging.getLogger(__name__)
# A claim older than this belongs to a dead worker (kill -9, lost host): a live worker's job
# ends by its timeout before, so it never has its mail taken away. The sweeper runs every
# SWEEP_SECONDS: a dead worker's mails are back within CLAIM_TIMEOUT + SWEEP_SECONDS.
CLAIM_TIMEOUT = timedelta(seconds=SEND_JOB_TIMEOUT_SECONDS + 5)


# The row asked for, plus up to $3 other due rows, PENDING → SENDING in one statement; the
# suppression of each address comes along (one round trip less a mail). Due rows include
# retries whose backoff is over (or was lifted: ``sending._server_back``); a row still
# backing off is never taken.
_CLAIM = (
    "WITH own AS (SELECT id FROM mail_message WHERE id = $1 FOR UPDATE SKIP LOCKED), "
    "more AS (SELECT id FROM mail_message WHERE status = 'PENDING' "
    "AND send_after <= $2 AND id <> $1 ORDER BY send_after, id LIMIT $3 "
    "FOR UPDATE SKIP LOCKED) "
    "UPDATE mail_message SET status = 'SENDING', claimed_at = $2, attempts = attempts + 1 "
    "WHERE status = 'PENDING' AND send_after <= $2 "
    "AND (id IN (SELECT id FROM own) OR id IN (SELECT id FROM more)) "
    "RETURNING *, (SELECT reason FROM suppression "
    "WHERE email_normalized = mail_message.recipient) AS suppressed_by"
)
# The claim's attempt is taken back: the mail was never handed to the SMTP server.
_HAND_BACK = (
    "UPDATE mail_message SET status = 'PENDING', "
    "attempts = CASE WHEN id = ANY($2::bigint[]) THEN attempts ELSE greatest(attempts - 1, 0) END "
    "WHERE id = ANY($1::bigint[]) AND status = 'SENDING' RETURNING id, attempts"
)


async def claim(message_id: int, now: datetime, others: int = 0) -> list[MailMessage]:
    """Claims the row (if PENDING and due) and up to ``others`` more due rows; the row asked
    for comes first. Rows whose address is suppressed come back SUPPRESSED, capped
    mails nobody wants any more CANCELLED (``mail_budget.stop_reason``)."""
    rows = await connections.get("default").execute_query_dict(_CLAIM, [message_id, now, others])
    rows.sort(key=lambda row: (row["id"] != message_id, row["id"]))
    return [await _settle_claim(row, now) for row in rows]


async def _settle_claim(row: dict, now: datetime) -> MailMessage:
    suppressed_by = row.pop("suppressed_by")
    reason = SuppressionReason(suppressed_by) if suppressed_by else None
    message = MailMessage._init_from_db(**row)
    if suppressions.blocks(reason, message.kind):
        async with in_transaction("default"):
            await _close_unsent(message, MailStatus.SUPPRESSED, f"suppressed: {reason}")
            closed = (
                ReferralStatus.BOUNCED
                if reason == SuppressionReason.BOUNCED
                else ReferralStatus.OPTED_OUT
            )
            await suppressions.close_referrals([message.id], closed)
        return message
    stop = await mail_budget.stop_reason(message, now)
    if stop is not None:  # a waiting follow-up whose person withdrew, paused or left
        await _close_unsent(message, MailStatus.CANCELLED, stop)
    return message


async def _close_unsent(message: MailMessage, status: MailStatus, reason: str) -> None:
    """A claimed mail that will never go out: its reason kept, its links' tokens not."""
    message.status, message.last_error = status, reason
    message.attempts -= 1  # nothing was attempted
    for name, value in scrubbed(message).items():
        setattr(message, name, value)
    fields = ["status", "last_error", "attempts", "body_text", "body_html", "headers"]
    await message.save(update_fields=fields)


async def unqueue(redis: ArqRedis, messages: list[MailMessage]) -> None:
    """Takes the jobs of mails a batch took along off the queue: the first job ``mail:{id}``
    (also when arq retries it) and, for a retry, the job a batch gave it when it deferred it.

    Only a saving: a job left behind (a handed-back mail's) finds its mail claimed and skips
    it. Their job keys stay until they expire; the sweeper sees through them
    (``_enqueue_swept``).
    """
    if not messages:
        return
    jobs = [job_id(m.id) for m in messages]
    jobs += [job_id(m.id, m.attempts - 1) for m in messages if m.attempts > 1]
    try:
        await redis.zrem(redis.default_queue_name, *jobs)
    except (RedisError, OSError) as error:
        log.warning("could not take %s batched mail jobs off the queue: %s", len(messages), error)


async def hand_back(
    redis: ArqRedis, untried: list[MailMessage], sending: list[MailMessage] = ()
) -> None:
    """Claimed mails a batch did not finish: PENDING again at once, each with a job of its own.

    The claims of ``untried`` mails (never handed to the SMTP server) do not count as an
    attempt; a mail the server had but did not accept yet (``sending``) keeps its attempt.
    Never raises: with the database down the claims expire and the sweeper takes them back.
    """
    ids = [m.id for m in [*untried, *sending]]
    if not ids:
        return
    try:
        rows = await connections.get("default").execute_query_dict(
            _HAND_BACK, [ids, [m.id for m in sending]]
        )
    except Exception as error:  # a failing batch must not fail again here
        log.warning("could not hand back %s claimed mails: %s", len(ids), error)
        return
    await requeue(redis, [(r["id"], r["attempts"]) for r in rows], defer=0, fresh=True)


async def requeue(
    redis: ArqRedis, messages: list[tuple[int, int]], *, defer: int, fresh: bool = False
) -> None:
    """A job for each (id, attempts); ``fresh``: an id no earlier job of the mail had (a
    handed-back claim has the attempt number of a job that may still be in Redis)."""
    try:
        for message_id, attempts in messages:
            own = job_id(message_id, attempts)
            await redis.enqueue_job(
                SEND_JOB,
                message_id,
                _job_id=f"{own}:{secrets.token_hex(4)}" if fresh else own,
                _defer_by=defer or None,
            )
    except (RedisError, OSError) as error:  # the sweeper goes on from the rows
        log.warning("could not enqueue %s mails, the sweeper will: %s", len(messages), error)


def scrubbed(message: MailMessage) -> dict[str, Any]:
    """The row's body and headers with the tokens of its links redacted: once a mail is out
    (or failed for good) the stored copy opens nothing; the recipient's copy is the only one."""
    base = get_settings().public_url
    headers = {k: redact.redact_links(v, base) for k, v in (message.headers or {}).items()}
    return {
        "body_text": redact.redact_links(message.body_text, base),
        "body_html": redact.redact_links(message.body_html, base),
        "headers": headers,
    }
