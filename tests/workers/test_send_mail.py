"""The send_mail job and the outbox sweeper, run by a real arq worker through real Redis."""

from __future__ import annotations

import asyncio
import json
import math
import tempfile
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import pytest_asyncio
from arq import Retry
from arq.connections import RedisSettings, create_pool
from arq.worker import Worker

from relay.embedded import EmbeddedRedis
from server import tokens
from server.config import get_settings
from server.mail import claims, outbox, sending, suppressions, sweeper
from server.mail.outbox import SendResult
from server.mail.smtp import SmtpSender
from server.models import MailKind, MailMessage, MailStatus, SuppressionReason, TokenPurpose
from tests.fixtures.smtp import fresh_mail_ids, smtp_server, smtp_settings  # noqa: F401
from workers import mail as mail_jobs
from workers.settings import CRON_JOBS, FUNCTIONS, worker_settings

pytestmark = pytest.mark.usefixtures("fresh_mail_ids", "smtp_settings", "empty_queue")

SUBJECT = "【株式会社エー】選考結果のご連絡"


async def queue(recipient: str = "taro@example.jp") -> MailMessage:
    message, _ = await outbox.queue_mail(
        kind=MailKind.REJECTION,
        recipient=recipient,
        subject=SUBJECT,
        body_text="この度はご応募いただき、誠にありがとうございました。\n",
        dedupe_key=f"test:{uuid.uuid4().hex}",
        unsubscribe=await outbox.unsubscribe_url(recipient),
    )
    return message


@pytest_asyncio.fixture
async def empty_queue(redis, settings):
    """Jobs other tests left in this run's queue would be run (and counted) by our worker."""
    await redis.delete(settings.queue_name)


async def run_worker(**overrides) -> Worker:
    worker = Worker(**worker_settings(burst=True, poll_delay=0, cron_jobs=[], **overrides))
    await worker.main()
    await worker.close()
    return worker


def test_the_worker_runs_the_mail_jobs_and_the_sweeper_every_ten_seconds():
    assert {mail_jobs.send_mail, mail_jobs.sweep_outbox} <= set(FUNCTIONS)
    assert mail_jobs.SEND_MAIL in worker_settings()["functions"]
    cron = next(job for job in CRON_JOBS if job.coroutine is mail_jobs.sweep_outbox)
    assert cron.unique and cron.second == {5, 15, 25, 35, 45, 55}
    assert cron.minute is None
    # a dead worker's claims come back well under a minute
    assert claims.CLAIM_TIMEOUT + timedelta(seconds=sweeper.SWEEP_SECONDS) < timedelta(seconds=50)


async def test_a_queued_mail_goes_out_once_even_when_its_job_runs_twice(redis, smtp_server):  # noqa: F811
    message = await queue()
    await redis.enqueue_job("send_mail", message.id)
    await redis.enqueue_job("send_mail", message.id)

    worker = await run_worker()

    assert worker.jobs_complete == 2 and worker.jobs_failed == 0
    assert len(smtp_server.received) == 1
    assert smtp_server.received[0].message["Subject"] == SUBJECT
    assert (await MailMessage.get(id=message.id)).status == MailStatus.SENT


async def test_twenty_mails_share_one_smtp_connection(redis, smtp_server):  # noqa: F811
    messages = [await queue(f"user{i}@example.jp") for i in range(20)]
    await outbox.enqueue_send(redis, [m.id for m in messages])

    worker = await run_worker()

    # the first jobs take the others' mails along, and those jobs never run
    assert 1 <= worker.jobs_complete < 20 and worker.jobs_failed == 0
    assert sorted(r.rcpt_tos[0] for r in smtp_server.received) == sorted(
        m.recipient for m in messages
    )
    assert smtp_server.sessions == 1
    assert await MailMessage.filter(status=MailStatus.SENT, attempts=1).count() == 20


async def test_two_workers_draining_one_outbox_send_every_mail_once(redis, smtp_server):  # noqa: F811
    messages = [await queue(f"user{i}@example.jp") for i in range(120)]
    await outbox.enqueue_send(redis, [m.id for m in messages])
    # two jobs at a time each (of up to 20 mails): neither worker can take the whole outbox
    workers = [
        Worker(**worker_settings(burst=True, poll_delay=0, cron_jobs=[], max_jobs=2))
        for _ in range(2)
    ]

    await asyncio.gather(*(w.main() for w in workers))
    for worker in workers:
        await worker.close()

    assert all(w.jobs_complete >= 1 and w.jobs_failed == 0 for w in workers)
    received = sorted(r.rcpt_tos[0] for r in smtp_server.received)
    assert received == sorted(m.recipient for m in messages)  # each exactly once
    assert await MailMessage.filter(status=MailStatus.SENT, attempts=1).count() == 120
    assert sum(w.jobs_complete for w in workers) < 120  # batches: fewer jobs than mails


async def test_smtp_down_retries_the_job_and_the_mail_goes_out_when_it_is_back(
    redis,
    smtp_server,  # noqa: F811
):
    smtp_server.stop()
    message = await queue()
    await outbox.enqueue_send(redis, [message.id])

    worker = await run_worker(max_burst_jobs=1)

    assert worker.jobs_retried == 1 and worker.jobs_failed == 0
    row = await MailMessage.get(id=message.id)
    assert row.status == MailStatus.PENDING and row.attempts == 1

    smtp_server.start()
    # the job's own retry waits out the backoff; let the sweeper find the row after it
    later = datetime.now(UTC) + timedelta(seconds=outbox.backoff(1)) + sweeper.RETRY_GRACE
    assert await sweeper.sweep(redis, now=later) == 1
    await MailMessage.filter(id=message.id).update(send_after=datetime.now(UTC))
    worker = await run_worker(max_burst_jobs=1)

    assert worker.jobs_complete == 1
    assert len(smtp_server.received) == 1
    row = await MailMessage.get(id=message.id)
    assert row.status == MailStatus.SENT and row.attempts == 2


async def test_mails_deferred_while_the_server_refused_everyone_go_out_in_batches_once_it_is_back(
    redis,
    smtp_server,  # noqa: F811
    monkeypatch,
):
    monkeypatch.setattr(sending, "_failing", {"count": 0, "since": None})  # this test's server
    # given: the SMTP server answered 451 to 40 mails in a row; each waits out its backoff
    smtp_server.refuse_everyone()
    deferred = [await queue(f"wait{i}@example.jp") for i in range(40)]
    smtp = SmtpSender(smtp_server.url)
    for message in deferred:
        assert (await sending.send(message.id, smtp)).result == SendResult.RETRY
    await smtp.close()
    # time travel: a few more 451s later, their next tries (and jobs) are minutes away
    later = datetime.now(UTC) + timedelta(minutes=10)
    await MailMessage.filter(id__in=[m.id for m in deferred]).update(send_after=later)

    # when: the server takes mail again, and the worker sends the next mail queued
    smtp_server.refuse_everyone("")
    fresh = await queue("next@example.jp")
    await outbox.enqueue_send(redis, [fresh.id])
    worker = await run_worker()

    # then: everything went out at once, each mail once, in batches: the fresh mail's job
    # and one job for every BATCH_SIZE released mails (not a job each)
    received = sorted(r.rcpt_tos[0] for r in smtp_server.received)
    assert received == sorted(m.recipient for m in [*deferred, fresh])
    assert await MailMessage.filter(status=MailStatus.SENT, attempts=2).count() == 40
    assert worker.jobs_failed == 0
    assert worker.jobs_complete <= 1 + math.ceil(40 / sending.BATCH_SIZE)


async def test_the_job_leaves_the_row_to_the_sweeper_after_its_last_try(smtp_server):  # noqa: F811
    smtp_server.stop()
    message = await queue()
    sender = SmtpSender(smtp_server.url)

    with pytest.raises(Retry):
        await mail_jobs.send_mail({"smtp": sender, "job_try": 1}, message.id)
    await MailMessage.filter(id=message.id).update(send_after=datetime.now(UTC))
    result = await mail_jobs.send_mail({"smtp": sender, "job_try": mail_jobs.JOB_TRIES}, message.id)

    assert result == "RETRY"
    assert (await MailMessage.get(id=message.id)).status == MailStatus.PENDING


async def test_a_mail_claimed_by_a_killed_worker_is_swept_and_sent(redis, smtp_server):  # noqa: F811
    # given: a worker claimed the mail, then died before sending it
    message = await queue()
    await MailMessage.filter(id=message.id).update(
        status=MailStatus.SENDING,
        attempts=1,
        claimed_at=datetime.now(UTC) - claims.CLAIM_TIMEOUT - timedelta(minutes=1),
    )

    # when
    assert await sweeper.sweep(redis) == 1
    worker = await run_worker()

    # then
    assert worker.jobs_complete == 1
    assert len(smtp_server.received) == 1
    row = await MailMessage.get(id=message.id)
    assert row.status == MailStatus.SENT and row.attempts == 2


@pytest_asyncio.fixture
async def lonely_redis(settings):
    """An arq client on a private redis-server: emptying it touches no shared Redis."""
    server = EmbeddedRedis(Path(tempfile.mkdtemp(prefix="relay-test-redis-")))
    redis_settings = RedisSettings.from_dsn(server.start())
    pool = await create_pool(redis_settings, default_queue_name=settings.queue_name)
    yield pool, redis_settings
    await pool.aclose()
    server.stop()


async def test_the_sweeper_rebuilds_every_job_after_redis_lost_everything(
    lonely_redis,
    smtp_server,  # noqa: F811
    settings,
):
    redis, redis_settings = lonely_redis
    messages = [await queue(f"user{i}@example.jp") for i in range(3)]
    await outbox.enqueue_send(redis, [m.id for m in messages])

    await redis.flushdb()
    assert await redis.zcard(settings.queue_name) == 0

    assert await sweeper.sweep(redis) == 3
    worker = await run_worker(redis_settings=redis_settings)

    assert worker.jobs_complete == 3
    assert len(smtp_server.received) == 3
    assert await MailMessage.filter(status=MailStatus.SENT).count() == 3


# --- no usable token at rest after sending (issue 11, item 4) --------------------------------


OTHER_SITE = "a-path-on-another-site-0123456789"


async def _mail_with_portal_link(recipient: str) -> tuple[MailMessage, str]:
    raw = await tokens.issue(TokenPurpose.PORTAL, email=recipient)
    base = get_settings().public_url
    message, _ = await outbox.queue_mail(
        kind=MailKind.PORTAL_LINK,
        recipient=recipient,
        subject="マイページのリンク",
        body_text=f"こちらからどうぞ: {base}/me/{raw}\n他社: https://other.example/me/{OTHER_SITE}\n",
        body_html=f'<a href="{base}/me/{raw}">マイページ</a>',
        dedupe_key=f"test:{uuid.uuid4().hex}",
        unsubscribe=await outbox.unsubscribe_url(recipient),
    )
    return message, raw


def _secrets_in(row: MailMessage) -> str:
    return row.body_text + row.body_html + json.dumps(row.headers)


async def test_a_sent_mail_keeps_no_usable_token_while_the_recipient_got_it(redis, smtp_server):  # noqa: F811
    message, raw = await _mail_with_portal_link("taro@example.jp")
    await redis.enqueue_job("send_mail", message.id)

    await run_worker()

    parts = smtp_server.received[0].message.walk()
    delivered = "".join(
        p.get_payload(decode=True).decode() for p in parts if not p.is_multipart()
    ) + str(smtp_server.received[0].message["List-Unsubscribe"])
    assert raw in delivered and "/u/" in delivered
    row = await MailMessage.get(id=message.id)
    assert row.status == MailStatus.SENT
    stored = _secrets_in(row)
    assert raw not in stored, "the portal token stays in the outbox"
    assert "/me/[redacted]" in row.body_text and "/u/[redacted]" in row.headers["List-Unsubscribe"]
    assert f"https://other.example/me/{OTHER_SITE}" in row.body_text, "only our links change"
    # the link the recipient holds still opens the portal
    assert (await tokens.find(raw, TokenPurpose.PORTAL)).email_normalized == "taro@example.jp"


async def test_a_bounced_mail_keeps_no_usable_token(redis, smtp_server):  # noqa: F811
    smtp_server.reject("gone@example.jp")
    message, raw = await _mail_with_portal_link("gone@example.jp")
    await redis.enqueue_job("send_mail", message.id)

    await run_worker()

    row = await MailMessage.get(id=message.id)
    assert row.status == MailStatus.FAILED
    assert raw not in _secrets_in(row)


async def test_a_failed_send_job_does_not_block_the_sweepers_next_job(redis, smtp_server):  # noqa: F811
    # A send job that fails (the database down) under the mail's first job id
    message = await queue()
    await redis.enqueue_job("send_mail", message.id, "bad", _job_id=outbox.job_id(message.id))
    worker = await run_worker()
    assert worker.jobs_failed == 1

    # the first sweep after it queues the mail again, and it goes out
    assert await sweeper.sweep(redis) == 1
    await run_worker()

    assert len(smtp_server.received) == 1
    assert (await MailMessage.get(id=message.id)).status == MailStatus.SENT


async def test_a_mail_suppressed_at_its_claim_keeps_no_usable_token(redis, smtp_server):  # noqa: F811
    message, raw = await _mail_with_portal_link("left@example.jp")
    await suppressions.suppress("left@example.jp", SuppressionReason.BOUNCED)
    await redis.enqueue_job("send_mail", message.id)

    await run_worker()

    row = await MailMessage.get(id=message.id)
    assert row.status == MailStatus.SUPPRESSED and smtp_server.received == []
    assert raw not in _secrets_in(row)
