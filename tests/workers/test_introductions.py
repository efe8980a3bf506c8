"""expire_introductions through a real worker: due requests expire and refund once, however
often the job runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from arq.worker import Worker

from server.models import CreditEntry, CreditKind, Introduction, IntroductionStatus
from tests.server.test_introductions import balance, network_candidate, requested
from workers.network.introductions import EXPIRE_CRON
from workers.settings import CRON_JOBS, worker_settings


async def test_the_job_expires_due_requests_once_when_run_twice(redis, company_a):
    due = await requested(company_a, await network_candidate())
    waiting = await requested(company_a, await network_candidate("later@example.jp"))
    await Introduction.filter(id=due.id).update(expires_at=datetime.now(UTC) - timedelta(minutes=1))
    first = await redis.enqueue_job("expire_introductions")
    second = await redis.enqueue_job("expire_introductions")
    worker = Worker(**worker_settings(burst=True, poll_delay=0, cron_jobs=[]))

    await worker.main()
    await worker.close()

    # (the worker's own counters would include jobs other tests left in this run's queue)
    assert sorted([await first.result(timeout=1), await second.result(timeout=1)]) == [0, 1]
    await due.refresh_from_db()
    await waiting.refresh_from_db()
    assert due.status == IntroductionStatus.EXPIRED
    assert waiting.status == IntroductionStatus.REQUESTED
    assert await CreditEntry.filter(kind=CreditKind.REFUND).count() == 1
    assert await balance(company_a.company_id) == 1


def test_the_expiry_cron_is_scheduled_and_unique():
    assert EXPIRE_CRON in CRON_JOBS
    assert EXPIRE_CRON.unique is True
    assert EXPIRE_CRON.name == "cron:expire_introductions"
