"""The worker runs jobs through real Redis."""

from __future__ import annotations

from arq.worker import Worker

from server.models import WorkerHeartbeat
from workers.settings import worker_settings


async def test_worker_runs_the_heartbeat_job_through_redis(redis):
    job = await redis.enqueue_job("heartbeat")
    worker = Worker(**worker_settings(burst=True, poll_delay=0, cron_jobs=[]))

    await worker.main()

    assert worker.jobs_complete == 1 and worker.jobs_failed == 0
    beat = await WorkerHeartbeat.get()
    assert beat.beats == 1
    assert await job.result(timeout=1) == beat.beat_at.isoformat()
    await worker.close()
