"""The sweeper cron: re-enqueues due rows whose job was lost and releases claims of dead
workers.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from arq.connections import ArqRedis
from arq.constants import in_progress_key_prefix, job_key_prefix, result_key_prefix
from redis.exceptions import RedisError
from tortoise import connections
from tortoise.expressions import Q

from server.mail.claims import CLAIM_TIMEOUT
from server.mail.outbox import MAX_ATTEMPTS, SEND_JOB, job_id
from server.models import (
    MailMessage,
    MailStatus,
)

log = logging.getLogger(__name__)
SWEEP_SECONDS = 10
# A retried row is left to its own arq retry for this long after it falls due.
RETRY_GRACE = timedelta(minutes=1)
SWEEP_BATCH = 1000
_RELEASE = (
    "UPDATE mail_message SET "
    "status = CASE WHEN attempts >= $2 THEN 'FAILED' ELSE 'PENDING' END, "
    "last_error = CASE WHEN attempts >= $2 THEN $3 ELSE $4 END "
    "WHERE status = 'SENDING' AND claimed_at < $1 RETURNING id, attempts, status"
)


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
            enqueued += await _enqueue_swept(redis, job_id(message_id, attempts), message_id)
    except (RedisError, OSError) as error:  # the next sweep goes on from the rows
        log.warning("sweeper could not enqueue mails: %s", error)
    if enqueued:
        log.info("sweeper enqueued %s mails", enqueued)
    return enqueued


async def _enqueue_swept(redis: ArqRedis, job: str, message_id: int) -> bool:
    """Enqueues the job unless one with its id is queued or running.

    arq refuses an id whose job key or result is still stored, also when that job will never
    run: taken off the queue by a batch (its claim handed back since), or failed while the
    database was down. Such leftovers are removed and the job enqueued after all.
    """
    if await redis.enqueue_job(SEND_JOB, message_id, _job_id=job) is not None:
        return True
    async with redis.pipeline(transaction=False) as pipe:
        pipe.zscore(redis.default_queue_name, job)
        pipe.exists(in_progress_key_prefix + job)
        queued, running = await pipe.execute()
    if queued is not None or running:
        return False
    await redis.delete(job_key_prefix + job, result_key_prefix + job)
    return await redis.enqueue_job(SEND_JOB, message_id, _job_id=job) is not None


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
