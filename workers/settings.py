"""arq WorkerSettings: the job functions, the cron schedule and the worker's lifecycle."""

from __future__ import annotations

import socket
from typing import Any

from arq import cron
from tortoise import Tortoise

from server import heartbeat as heartbeats
from server.config import get_settings
from server.db import tortoise_config
from server.queue import redis_settings
from workers import mail as mail_jobs
from workers import webhooks as webhook_jobs
from workers.network import credits as credit_jobs
from workers.network import introductions as introduction_jobs
from workers.network import matching as matching_jobs
from workers.pool import followups as followup_jobs

JOB_TIMEOUT_SECONDS = 60
# arq sleeps this long between polls of the queue (its default, 0.5 s, capped a worker at
# about max_jobs jobs per half second: bench/README.md); ten polls a second cost Redis nothing.
POLL_DELAY_SECONDS = 0.1


async def startup(ctx: dict[str, Any]) -> None:
    settings = get_settings()
    # A worker embedded in a process that already set up the ORM (tests, `relay up`) shares it.
    ctx["owns_orm"] = not Tortoise._inited
    if ctx["owns_orm"]:
        await Tortoise.init(config=tortoise_config(settings.database_url))
    ctx["settings"] = settings
    ctx["worker_name"] = f"{socket.gethostname()}"
    await mail_jobs.startup(ctx)
    await webhook_jobs.startup(ctx)


async def shutdown(ctx: dict[str, Any]) -> None:
    await mail_jobs.shutdown(ctx)
    await webhook_jobs.shutdown(ctx)
    if ctx.get("owns_orm"):
        await Tortoise.close_connections()


async def heartbeat(ctx: dict[str, Any]) -> str:
    """Stamps this worker's heartbeat row; returns the time written."""
    beat = await heartbeats.beat(ctx["worker_name"])
    return beat.beat_at.isoformat()


FUNCTIONS = [
    heartbeat,
    mail_jobs.send_mail,
    mail_jobs.sweep_outbox,
    credit_jobs.settle_credits,
    introduction_jobs.expire_introductions,
    matching_jobs.match_opening,
    matching_jobs.match_candidate,
    matching_jobs.sweep_matches,
    *followup_jobs.FUNCTIONS,
    webhook_jobs.dispatch_webhooks,
    webhook_jobs.send_company_digests,
]
# What the worker registers: send_mail with its own timeout and no kept result.
WORKER_FUNCTIONS = [mail_jobs.SEND_MAIL if f is mail_jobs.send_mail else f for f in FUNCTIONS]
CRON_JOBS = [
    cron(heartbeat, second=0, unique=True, run_at_startup=True),
    mail_jobs.SWEEP_CRON,
    credit_jobs.SETTLE_CRON,
    introduction_jobs.EXPIRE_CRON,
    matching_jobs.SWEEP_MATCHES_CRON,
    *followup_jobs.CRON_JOBS,
    webhook_jobs.DISPATCH_CRON,
    webhook_jobs.DIGEST_CRON,
]


def worker_settings(**overrides: Any) -> dict[str, Any]:
    """Keyword arguments for arq's Worker, read from RELAY_* at call time."""
    settings = get_settings()
    values = {
        "functions": WORKER_FUNCTIONS,
        "cron_jobs": CRON_JOBS,
        "on_startup": startup,
        "on_shutdown": shutdown,
        "redis_settings": redis_settings(settings) if settings.redis_url else None,
        "queue_name": settings.queue_name,
        "job_timeout": JOB_TIMEOUT_SECONDS,
        "poll_delay": POLL_DELAY_SECONDS,
        "max_tries": 8,
        "keep_result": 60,
    }
    return values | overrides


# `arq --check workers.settings.WorkerSettings` (the compose health check) reads a class.
WorkerSettings = type("WorkerSettings", (), worker_settings())
