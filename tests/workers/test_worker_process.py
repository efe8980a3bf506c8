"""The `relay worker` process under a stop and a Redis outage: a real process, a real SMTP
sink, and a private redis-server the test stops and starts (never the machine's own)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import pytest_asyncio
from arq.connections import ArqRedis
from redis.asyncio import ConnectionPool

from relay.embedded import EmbeddedRedis
from server.mail import outbox, sweeper
from server.models import MailMessage, MailStatus
from tests.fixtures.smtp import fresh_mail_ids, smtp_server, smtp_settings  # noqa: F401
from tests.workers.test_send_mail import queue

pytestmark = pytest.mark.usefixtures("fresh_mail_ids", "smtp_settings")


def start_worker(settings, **env: str) -> subprocess.Popen[bytes]:
    values = {
        **os.environ,
        "RELAY_DATABASE_URL": settings.database_url,
        "RELAY_REDIS_URL": settings.redis_url,
        "RELAY_QUEUE_NAME": settings.queue_name,
        "RELAY_SMTP_URL": settings.smtp_url,
        **env,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "relay.cli", "worker"],
        env=values,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


async def wait_for(condition, seconds: float) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not await condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.2)


async def sent_count() -> int:
    return await MailMessage.filter(status=MailStatus.SENT).count()


async def test_a_stopped_worker_leaves_no_mail_claimed(settings, redis, smtp_server):  # noqa: F811
    messages = [await queue(f"user{i}@example.jp") for i in range(60)]
    smtp_server.stall(0.2)  # a slow server: the worker is mid-batch when it is stopped
    worker = start_worker(settings)
    try:
        await outbox.enqueue_send(redis, [m.id for m in messages])
        await wait_for(lambda: _more_than(5), 60)

        worker.send_signal(signal.SIGTERM)
        code = await asyncio.to_thread(worker.wait, 40)
    finally:
        worker.kill()
    smtp_server.stall(0)

    assert code == 0, worker.stderr.read().decode()[-2000:]
    rows = await MailMessage.all()
    assert not [r.id for r in rows if r.status == MailStatus.SENDING]  # all handed back
    received = sorted(r.rcpt_tos[0] for r in smtp_server.received)
    assert len(received) == len(set(received))
    assert sorted(r.recipient for r in rows if r.status == MailStatus.SENT) == received
    # what was never tried keeps no attempt, and goes out with the next worker
    assert all(r.attempts == 0 for r in rows if r.status == MailStatus.PENDING)
    assert await sweeper.sweep(redis) == 60 - len(received)


async def _more_than(n: int) -> bool:
    return await sent_count() > n


@pytest_asyncio.fixture
async def private_redis():
    server = EmbeddedRedis(Path(tempfile.mkdtemp(prefix="relay-test-redis-")))
    server.start()
    yield server
    server.stop()


async def test_the_worker_outlives_redis_going_away_and_resumes(
    settings,
    private_redis,
    smtp_server,  # noqa: F811
):
    url = private_redis.url
    worker = start_worker(settings, RELAY_REDIS_URL=url)
    client = ArqRedis(
        connection_pool=ConnectionPool.from_url(url), default_queue_name=settings.queue_name
    )
    try:
        first = await queue("first@example.jp")
        await outbox.enqueue_send(client, [first.id])
        await wait_for(lambda: _more_than(0), 30)

        private_redis.stop()
        await asyncio.sleep(3)
        assert worker.poll() is None, worker.stderr.read().decode()[-2000:]
        private_redis.start()

        second = await queue("second@example.jp")
        await outbox.enqueue_send(client, [second.id])
        await wait_for(lambda: _more_than(1), 30)
    finally:
        worker.send_signal(signal.SIGTERM)
        await asyncio.to_thread(worker.wait, 40)
        await client.aclose()

    assert sorted(r.rcpt_tos[0] for r in smtp_server.received) == [
        "first@example.jp",
        "second@example.jp",
    ]
