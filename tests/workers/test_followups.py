"""Talent-pool jobs run by a real arq worker through real Redis."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import pytest_asyncio
from arq.worker import Worker

from server.applications import openings
from server.models import MailKind
from tests.fixtures.pool import mails, make_company, make_member, principal
from workers.pool import followups as followup_jobs
from workers.settings import CRON_JOBS, FUNCTIONS, worker_settings

# The worker also sends the queued mails: to the test SMTP server.
pytestmark = pytest.mark.usefixtures("fresh_mail_ids", "smtp_settings")


@pytest_asyncio.fixture
async def empty_queue(redis, settings):
    await redis.delete(settings.queue_name)


async def run_worker() -> Worker:
    worker = Worker(**worker_settings(burst=True, poll_delay=0, cron_jobs=[]))
    await worker.main()
    await worker.close()
    return worker


def test_the_worker_runs_the_talent_pool_jobs_as_unique_crons():
    assert all(job in FUNCTIONS for job in followup_jobs.FUNCTIONS)
    crons = [job for job in CRON_JOBS if job.coroutine in followup_jobs.FUNCTIONS]
    assert {job.coroutine for job in crons} == {
        followup_jobs.send_followups,
        followup_jobs.sweep_opening_alerts,
        followup_jobs.reconfirm_consents,
    }
    assert all(job.unique for job in crons)


async def test_opening_an_opening_alerts_the_pool_through_the_worker(
    redis, empty_queue, smtp_server
):
    company = await make_company("Alpha 株式会社")
    person = await make_member(
        company, "taro@example.jp", "python", rejected_at=datetime.now(UTC) - timedelta(days=40)
    )

    await openings.create(principal(company), "データエンジニア", "", ["python"], redis=redis)
    await redis.enqueue_job("sweep_opening_alerts")  # as the hourly sweeper would, too
    worker = await run_worker()

    assert worker.jobs_failed == 0
    alerts = await mails(MailKind.OPENING_ALERT)
    assert [m.candidate_id for m in alerts] == [person.id]
    assert [r.rcpt_tos for r in smtp_server.received] == [["taro@example.jp"]]


async def test_the_follow_up_job_twice_queues_once(redis, empty_queue):
    company = await make_company("Alpha 株式会社")
    await make_member(
        company, "taro@example.jp", "python", rejected_at=datetime.now(UTC) - timedelta(days=182)
    )
    company.followup_without_match = True
    await company.save()

    await redis.enqueue_job("send_followups")
    await redis.enqueue_job("send_followups")
    worker = await run_worker()

    assert worker.jobs_failed == 0
    assert len(await mails(MailKind.FOLLOW_UP)) == 1
