"""Mail jobs: ``send_mail`` (one outbox row, and due ones along with it) and the
``sweep_outbox`` cron.

The worker keeps one ``SmtpSender`` (one SMTP connection) in its context for all its jobs.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from arq import Retry, cron, func

from server.config import get_settings
from server.mail import outbox, sending, sweeper
from server.mail.smtp import SmtpSender

SMTP_KEY = "smtp"
# arq tries of one job before the row is left to the sweeper (below the worker's max_tries,
# so arq never fails the job for "max retries exceeded"; the sweeper goes on from the row).
JOB_TRIES = 5
# A stopping worker waits so long for SENT marks still retrying through a database outage.
MARK_WAIT_SECONDS = 30


async def startup(ctx: dict[str, Any]) -> None:
    """Prepares this worker's SMTP sender (it connects on the first mail)."""
    ctx[SMTP_KEY] = SmtpSender(get_settings().smtp_url)


async def shutdown(ctx: dict[str, Any]) -> None:
    # Mails the server accepted whose SENT mark is still being retried (database down).
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(sending.wait_for_marks(), MARK_WAIT_SECONDS)
    sender = ctx.pop(SMTP_KEY, None)
    if sender is not None:
        await sender.close()


def sender(ctx: dict[str, Any]) -> SmtpSender:
    """The worker's SMTP sender (made on first use when startup did not run)."""
    if SMTP_KEY not in ctx:
        ctx[SMTP_KEY] = SmtpSender(get_settings().smtp_url)
    return ctx[SMTP_KEY]


async def send_mail(ctx: dict[str, Any], message_id: int) -> str:
    """Sends one outbox mail, and other due ones along with it (``sending.send_batch``); a
    transient failure of its own mail retries the job after the row's backoff.

    Raises:
        Retry: after a transient failure, while this job has tries left.
    """
    redis = ctx.get("redis")
    if redis is None:  # called outside a worker
        outcome = await sending.send(message_id, sender(ctx))
    else:
        outcome = await sending.send_batch(message_id, sender(ctx), redis)
    if outcome.retry_in is not None and ctx.get("job_try", 1) < JOB_TRIES:
        raise Retry(defer=outcome.retry_in)
    return outcome.result.value


async def sweep_outbox(ctx: dict[str, Any]) -> int:
    """Re-enqueues outbox rows whose job may be lost; returns how many."""
    return await sweeper.sweep(ctx["redis"])


# Every SWEEP_SECONDS, off the heartbeat's second 0; once across all workers. A dead worker's
# claims are back within claims.CLAIM_TIMEOUT + SWEEP_SECONDS.
SWEEP_CRON = cron(
    sweep_outbox,
    second=set(range(5, 60, sweeper.SWEEP_SECONDS)),
    unique=True,
    run_at_startup=True,
)
# No result kept: a failed job (database down) would keep its id ``mail:{id}`` blocked for
# ``keep_result``, and the sweeper's first job for the mail with it. The job ends by the
# batch's deadline; cancelled, it hands its claims back.
SEND_MAIL = func(send_mail, keep_result=0, timeout=outbox.SEND_JOB_TIMEOUT_SECONDS)
