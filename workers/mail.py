"""Mail jobs: ``send_mail`` (one outbox row, and due ones along with it) and the
``sweep_outbox`` cron.

The worker keeps one ``SmtpSender`` (one SMTP connection) in its context for all its jobs.
"""

from __future__ import annotations

from typing import Any

from arq import Retry, cron

from server import mail
from server.config import get_settings
from server.smtp import SmtpSender

SMTP_KEY = "smtp"
# arq tries of one job before the row is left to the sweeper (below the worker's max_tries,
# so arq never fails the job for "max retries exceeded"; the sweeper goes on from the row).
JOB_TRIES = 5


async def startup(ctx: dict[str, Any]) -> None:
    """Prepares this worker's SMTP sender (it connects on the first mail)."""
    ctx[SMTP_KEY] = SmtpSender(get_settings().smtp_url)


async def shutdown(ctx: dict[str, Any]) -> None:
    sender = ctx.pop(SMTP_KEY, None)
    if sender is not None:
        await sender.close()


def sender(ctx: dict[str, Any]) -> SmtpSender:
    """The worker's SMTP sender (made on first use when startup did not run)."""
    if SMTP_KEY not in ctx:
        ctx[SMTP_KEY] = SmtpSender(get_settings().smtp_url)
    return ctx[SMTP_KEY]


async def send_mail(ctx: dict[str, Any], message_id: int) -> str:
    """Sends one outbox mail, and other due ones along with it (``mail.send_batch``); a
    transient failure of its own mail retries the job after the row's backoff.

    Raises:
        Retry: after a transient failure, while this job has tries left.
    """
    redis = ctx.get("redis")
    if redis is None:  # called outside a worker
        outcome = await mail.send(message_id, sender(ctx))
    else:
        outcome = await mail.send_batch(message_id, sender(ctx), redis)
    if outcome.retry_in is not None and ctx.get("job_try", 1) < JOB_TRIES:
        raise Retry(defer=outcome.retry_in)
    return outcome.result.value


async def sweep_outbox(ctx: dict[str, Any]) -> int:
    """Re-enqueues outbox rows whose job may be lost; returns how many."""
    return await mail.sweep(ctx["redis"])


# Every minute, at second 30 (the heartbeat has second 0); once across all workers.
SWEEP_CRON = cron(sweep_outbox, second=30, unique=True, run_at_startup=True)
