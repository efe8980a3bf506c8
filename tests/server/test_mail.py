"""The outbox and mail delivery, against real PostgreSQL, Redis and an aiosmtpd server."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import pytest_asyncio
from tortoise import connections
from tortoise.transactions import in_transaction

from server import tokens
from server.config import get_settings
from server.errors import DomainError, ErrorCode
from server.mail import outbox, sending, suppressions, sweeper
from server.mail.outbox import SendResult
from server.mail.smtp import SmtpConfig, SmtpSender
from server.models import (
    MailKind,
    MailMessage,
    MailStatus,
    Referral,
    ReferralSource,
    ReferralStatus,
    Suppression,
    SuppressionReason,
    TokenPurpose,
)
from server.queue import make_pool
from tests.fixtures.smtp import fresh_mail_ids, smtp_server, smtp_settings  # noqa: F401

pytestmark = pytest.mark.usefixtures("fresh_mail_ids", "smtp_settings")

SUBJECT = "【株式会社エー】選考結果のご連絡"
TEXT = "山田 太郎 様\n\nこの度はご応募いただき、誠にありがとうございました。\n"
HTML = "<p>山田 太郎 様</p><p>この度はご応募いただき、誠にありがとうございました。</p>"
TARO = "taro@example.jp"


async def queue(recipient: str = TARO, **overrides) -> MailMessage:
    values = {
        "kind": MailKind.REJECTION,
        "recipient": recipient,
        "subject": SUBJECT,
        "body_text": TEXT,
        "body_html": HTML,
        "dedupe_key": f"test:{uuid.uuid4().hex}",
        "unsubscribe": await outbox.unsubscribe_url(recipient),
    } | overrides
    message, created = await outbox.queue_mail(**values)
    assert created
    return message


async def make_referral(company_id: int, email: str = TARO) -> Referral:
    return await Referral.create(
        company_id=company_id,
        source=ReferralSource.MAIL,
        email_normalized=email,
        token_hash=uuid.uuid4().hex,
        expires_at=datetime.now(UTC) + timedelta(days=180),
    )


@pytest_asyncio.fixture
async def sender(smtp_server):  # noqa: F811
    smtp = SmtpSender(smtp_server.url)
    yield smtp
    await smtp.close()


async def make_due(message: MailMessage) -> None:
    """Time travel: the row's backoff is over."""
    await MailMessage.filter(id=message.id).update(
        send_after=datetime.now(UTC) - timedelta(seconds=1)
    )


# queue_mail


async def test_unsubscribe_url_carries_a_token_for_the_normalised_address(settings):
    url = await outbox.unsubscribe_url(" Taro@Example.JP ")

    assert url.startswith(f"{settings.public_url}/u/")
    token = await tokens.find(url.rsplit("/", 1)[1], TokenPurpose.UNSUBSCRIBE)
    assert token.email_normalized == TARO


async def test_queue_mail_stores_a_pending_row_with_one_click_unsubscribe_headers():
    url = await outbox.unsubscribe_url(TARO)

    message, created = await outbox.queue_mail(
        kind=MailKind.REJECTION,
        recipient="Taro@Example.jp",
        subject="選考結果の\r\nご連絡",
        body_text=TEXT,
        dedupe_key="rejection:1",
        unsubscribe=url,
    )

    assert created
    row = await MailMessage.get(id=message.id)
    assert row.status == MailStatus.PENDING and row.attempts == 0
    assert row.recipient == TARO
    assert row.subject == "選考結果の ご連絡"
    assert row.send_after <= datetime.now(UTC)
    assert row.headers == {
        "List-Unsubscribe": f"<{url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


async def test_a_taken_dedupe_key_returns_the_first_row_and_keeps_the_transaction():
    async with in_transaction("default"):
        first = await queue(dedupe_key="rejection:1:taro:2025-01-01")
        second, created = await outbox.queue_mail(
            kind=MailKind.REJECTION,
            recipient=TARO,
            subject="another",
            body_text="another",
            dedupe_key="rejection:1:taro:2025-01-01",
        )
        after = await queue(dedupe_key="rejection:1:taro:2025-01-02")

    assert not created and second.id == first.id and second.subject == SUBJECT
    assert await MailMessage.filter(id__in=[first.id, after.id]).count() == 2


async def test_queue_mail_rolls_back_with_the_callers_transaction():
    with pytest.raises(RuntimeError):
        async with in_transaction("default"):
            await queue(dedupe_key="rolled-back")
            raise RuntimeError("the caller failed")

    assert not await MailMessage.filter(dedupe_key="rolled-back").exists()


async def test_queue_mail_refuses_an_address_that_is_not_one():
    with pytest.raises(DomainError) as raised:
        await queue(recipient="not an address")

    assert [(e.code, e.field) for e in raised.value.errors] == [(ErrorCode.INVALID, ["recipient"])]


# send


async def test_send_delivers_one_multipart_mail_with_japanese_subject_and_headers(
    sender,
    smtp_server,  # noqa: F811
    settings,
):
    message = await queue()

    outcome = await sending.send(message.id, sender)

    assert outcome.result == SendResult.SENT
    assert len(smtp_server.received) == 1
    received = smtp_server.received[0]
    assert received.rcpt_tos == [TARO]
    assert received.mail_from == "no-reply@relay.example.jp"
    sent = received.message
    assert sent["Subject"] == SUBJECT
    assert sent["To"] == TARO
    assert sent["From"] == settings.mail_from
    assert sent["Message-ID"] == f"<mail-{message.id}@relay.test>"
    # folded before "<" (the header is longer than a line); clients unfold it
    assert sent["List-Unsubscribe"].strip() == message.headers["List-Unsubscribe"]
    assert sent["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert sent.get_content_type() == "multipart/alternative"
    assert sent.get_body(("plain",)).get_content() == TEXT
    assert sent.get_body(("html",)).get_content().strip() == HTML
    row = await MailMessage.get(id=message.id)
    assert row.status == MailStatus.SENT and row.attempts == 1
    assert row.sent_at is not None and row.message_id == sent["Message-ID"]


async def test_a_text_only_mail_is_a_single_part(sender, smtp_server):  # noqa: F811
    message = await queue(body_html="", body_text="plain ascii\n")

    await sending.send(message.id, sender)

    sent = smtp_server.received[0].message
    assert sent.get_content_type() == "text/plain"
    assert sent.get_content() == "plain ascii\n"


async def test_send_marks_a_pending_referral_mailed(sender, company_a):
    referral = await make_referral(company_a.company_id)
    message = await queue(referral_id=referral.id, company_id=company_a.company_id)

    await sending.send(message.id, sender)

    await referral.refresh_from_db()
    assert referral.status == ReferralStatus.MAILED and referral.mailed_at is not None


async def test_sending_twice_sends_once(sender, smtp_server):  # noqa: F811
    message = await queue()

    first = await sending.send(message.id, sender)
    second = await sending.send(message.id, sender)

    assert (first.result, second.result) == (SendResult.SENT, SendResult.SKIPPED)
    assert len(smtp_server.received) == 1


async def test_concurrent_sends_send_once(smtp_server):  # noqa: F811
    messages = [await queue(f"user{i}@example.jp") for i in range(5)]
    senders = [SmtpSender(smtp_server.url) for _ in range(2)]

    outcomes = await asyncio.gather(
        *(sending.send(m.id, s) for m in messages for s in senders for _ in range(2))
    )

    results = [o.result for o in outcomes]
    assert results.count(SendResult.SENT) == 5 and results.count(SendResult.SKIPPED) == 15
    assert sorted(r.rcpt_tos[0] for r in smtp_server.received) == sorted(
        m.recipient for m in messages
    )
    assert await MailMessage.filter(status=MailStatus.SENT, attempts=1).count() == 5
    for smtp in senders:
        await smtp.close()


async def test_a_mail_not_due_yet_is_left_alone(sender, smtp_server):  # noqa: F811
    message = await queue(send_after=datetime.now(UTC) + timedelta(minutes=10))

    outcome = await sending.send(message.id, sender)

    assert outcome.result == SendResult.SKIPPED and smtp_server.received == []
    assert (await MailMessage.get(id=message.id)).status == MailStatus.PENDING


async def test_a_suppressed_address_gets_no_mail(sender, smtp_server, company_a):  # noqa: F811
    await suppressions.suppress("TARO@example.jp", SuppressionReason.UNSUBSCRIBED)
    referral = await make_referral(company_a.company_id)
    message = await queue(referral_id=referral.id)

    outcome = await sending.send(message.id, sender)

    assert outcome.result == SendResult.SUPPRESSED and smtp_server.received == []
    row = await MailMessage.get(id=message.id)
    assert row.status == MailStatus.SUPPRESSED and row.attempts == 0
    await referral.refresh_from_db()
    assert referral.status == ReferralStatus.OPTED_OUT and referral.closed_at is not None


async def test_a_requested_mail_reaches_an_unsubscribed_address_but_not_a_bounced_one(
    sender,
    smtp_server,  # noqa: F811
):
    await suppressions.suppress(TARO, SuppressionReason.UNSUBSCRIBED)
    portal_link = await queue(kind=MailKind.PORTAL_LINK)
    assert (await sending.send(portal_link.id, sender)).result == SendResult.SENT

    await suppressions.suppress(TARO, SuppressionReason.BOUNCED)  # a bounce overrides
    another = await queue(kind=MailKind.PORTAL_LINK)
    assert (await sending.send(another.id, sender)).result == SendResult.SUPPRESSED

    assert len(smtp_server.received) == 1
    assert (await Suppression.get(email_normalized=TARO)).reason == SuppressionReason.BOUNCED


async def test_suppress_is_idempotent():
    assert await suppressions.suppress(TARO, SuppressionReason.UNSUBSCRIBED)
    assert not await suppressions.suppress(" Taro@Example.jp", SuppressionReason.UNSUBSCRIBED)

    assert await suppressions.is_suppressed("TARO@EXAMPLE.JP")
    assert not await suppressions.is_suppressed("hanako@example.jp")
    assert await Suppression.all().count() == 1


async def test_a_hard_bounce_fails_the_mail_suppresses_the_address_and_bounces_the_referral(
    sender,
    smtp_server,  # noqa: F811
    company_a,
):
    smtp_server.reject(TARO)
    referral = await make_referral(company_a.company_id)
    message = await queue(referral_id=referral.id)

    outcome = await sending.send(message.id, sender)

    assert outcome.result == SendResult.FAILED and "550" in outcome.error
    row = await MailMessage.get(id=message.id)
    assert row.status == MailStatus.FAILED and row.last_error.startswith("550")
    suppression = await Suppression.get(email_normalized=TARO)
    assert suppression.reason == SuppressionReason.BOUNCED
    await referral.refresh_from_db()
    assert referral.status == ReferralStatus.BOUNCED and referral.closed_at is not None
    # the connection survives the refusal and serves the next mail
    other = await queue("hanako@example.jp")
    assert (await sending.send(other.id, sender)).result == SendResult.SENT
    assert smtp_server.sessions == 1


async def test_a_temporary_refusal_retries_after_a_backoff(sender, smtp_server):  # noqa: F811
    smtp_server.tempfail(TARO)
    message = await queue()

    outcome = await sending.send(message.id, sender)

    assert outcome.result == SendResult.RETRY and outcome.retry_in == outbox.backoff(1) == 10
    row = await MailMessage.get(id=message.id)
    assert row.status == MailStatus.PENDING and row.attempts == 1
    assert row.last_error.startswith("451")
    assert row.send_after > datetime.now(UTC) + timedelta(seconds=5)
    assert not await suppressions.is_suppressed(TARO)
    assert (await sending.send(message.id, sender)).result == SendResult.SKIPPED  # backing off


async def test_smtp_down_keeps_the_mail_pending_then_it_goes_out(
    sender,
    smtp_server,  # noqa: F811
):
    smtp_server.stop()
    message = await queue()

    outcome = await sending.send(message.id, sender)

    assert outcome.result == SendResult.RETRY
    row = await MailMessage.get(id=message.id)
    assert row.status == MailStatus.PENDING and row.attempts == 1
    assert "connection" in row.last_error.lower()

    smtp_server.start()
    await make_due(message)
    assert (await sending.send(message.id, sender)).result == SendResult.SENT
    assert len(smtp_server.received) == 1
    row = await MailMessage.get(id=message.id)
    assert row.status == MailStatus.SENT and row.attempts == 2 and row.last_error == ""


async def test_the_sender_reconnects_after_the_server_dropped_it(
    sender,
    smtp_server,  # noqa: F811
):
    first, second = await queue(), await queue("hanako@example.jp")
    assert (await sending.send(first.id, sender)).result == SendResult.SENT

    smtp_server.stop()  # drops the open connection
    smtp_server.start()

    assert (await sending.send(second.id, sender)).result == SendResult.SENT
    assert len(smtp_server.received) == 2
    assert sender.connections_opened == 2


async def test_a_mail_failing_for_too_long_is_given_up(sender, smtp_server):  # noqa: F811
    smtp_server.stop()
    message = await queue()
    await MailMessage.filter(id=message.id).update(attempts=outbox.MAX_ATTEMPTS - 1)

    outcome = await sending.send(message.id, sender)

    assert outcome.result == SendResult.FAILED
    row = await MailMessage.get(id=message.id)
    assert row.status == MailStatus.FAILED
    assert row.last_error.startswith(f"gave up after {outbox.MAX_ATTEMPTS} attempts")
    assert not await suppressions.is_suppressed(TARO)


# send_batch: one job, one claim, many mails on one connection


async def test_a_batch_takes_along_due_mails_and_unqueues_their_jobs(
    sender,
    smtp_server,  # noqa: F811
    redis,
    settings,
):
    own, other, blocked = await queue(), await queue("hanako@example.jp"), await queue("jiro@x.jp")
    later = await queue("saburo@example.jp", send_after=datetime.now(UTC) + timedelta(hours=1))
    retried = await queue("shiro@example.jp")  # its backoff is over
    backing_off = await queue("goro@x.jp", send_after=datetime.now(UTC) + timedelta(minutes=1))
    await MailMessage.filter(id__in=[retried.id, backing_off.id]).update(attempts=1)
    await suppressions.suppress("jiro@x.jp", SuppressionReason.UNSUBSCRIBED)
    await outbox.enqueue_send(redis, [own.id, other.id, blocked.id])
    for message in (retried, backing_off):  # the jobs a batch gave them when it deferred them
        await redis.enqueue_job("send_mail", message.id, _job_id=outbox.job_id(message.id, 1))

    outcome = await sending.send_batch(own.id, sender, redis)

    assert outcome.result == SendResult.SENT
    assert sorted(r.rcpt_tos[0] for r in smtp_server.received) == [
        "hanako@example.jp",
        "shiro@example.jp",
        TARO,
    ]
    statuses = dict(await MailMessage.all().values_list("id", "status"))
    assert statuses == {
        own.id: MailStatus.SENT,
        other.id: MailStatus.SENT,
        blocked.id: MailStatus.SUPPRESSED,
        later.id: MailStatus.PENDING,  # not due
        retried.id: MailStatus.SENT,  # a due retry goes along
        backing_off.id: MailStatus.PENDING,  # a retry keeps its backoff
    }
    assert (await MailMessage.get(id=retried.id)).attempts == 2
    # the jobs of the mails taken along are gone; the one backing off keeps its job
    mails = (own, other, blocked, later, retried, backing_off)
    assert await queued_job_ids(redis, settings, *mails) == {
        f"mail:{own.id}",
        f"mail:{backing_off.id}:1",
    }
    assert smtp_server.sessions == 1


async def test_concurrent_batches_send_every_mail_exactly_once(smtp_server, redis):  # noqa: F811
    messages = [await queue(f"user{i}@example.jp") for i in range(45)]
    senders = [SmtpSender(smtp_server.url) for _ in range(3)]

    outcomes = await asyncio.gather(
        *(sending.send_batch(m.id, senders[i % 3], redis) for i, m in enumerate(messages))
    )

    received = sorted(r.rcpt_tos[0] for r in smtp_server.received)
    assert received == sorted(m.recipient for m in messages)  # each once
    assert await MailMessage.filter(status=MailStatus.SENT, attempts=1).count() == 45
    assert {o.result for o in outcomes} <= {SendResult.SENT, SendResult.SKIPPED}
    for smtp in senders:
        await smtp.close()


async def test_a_transient_failure_in_a_batch_defers_that_mail_and_hands_the_rest_back(
    sender,
    smtp_server,  # noqa: F811
    redis,
    settings,
):
    first, failing = await queue(), await queue("hanako@example.jp")
    rest = [await queue(f"user{i}@example.jp") for i in range(3)]
    smtp_server.tempfail("hanako@example.jp")

    outcome = await sending.send_batch(first.id, sender, redis)

    assert outcome.result == SendResult.SENT
    assert [r.rcpt_tos[0] for r in smtp_server.received] == [TARO]
    deferred = await MailMessage.get(id=failing.id)
    assert deferred.status == MailStatus.PENDING and deferred.attempts == 1
    assert deferred.send_after > datetime.now(UTC) + timedelta(seconds=5)
    # never tried: handed back without an attempt counted
    back = await MailMessage.filter(id__in=[m.id for m in rest], status="PENDING", attempts=0)
    assert len(back) == 3
    # each has a job again: the deferred one after its backoff, the others at once (an id of
    # their own, as the first job's may still be in Redis)
    jobs = await queued_job_ids(redis, settings, failing, *rest)
    assert f"mail:{failing.id}:1" in jobs and len(jobs) == 4
    rest_job = next(j for j in jobs if j.startswith(f"mail:{rest[0].id}:"))
    assert await redis.zscore(settings.queue_name, outbox.job_id(failing.id, 1)) > (
        await redis.zscore(settings.queue_name, f"{settings.queue_name}:{rest_job}") + 5000
    )


async def test_a_batch_past_its_time_hands_the_rest_back(
    sender,
    smtp_server,  # noqa: F811
    redis,
    monkeypatch,
):
    monkeypatch.setattr(sending, "BATCH_SECONDS", 0.0)
    first, *rest = [await queue(f"user{i}@example.jp") for i in range(4)]

    await sending.send_batch(first.id, sender, redis)

    assert [r.rcpt_tos[0] for r in smtp_server.received] == [first.recipient]
    assert await MailMessage.filter(status=MailStatus.PENDING, attempts=0).count() == 3
    for message in rest:  # their own jobs send them, once
        assert (await sending.send_batch(message.id, sender, redis)).result == SendResult.SENT
    assert len(smtp_server.received) == 4


def test_smtp_urls_name_host_port_tls_and_credentials():
    assert SmtpConfig.from_url("smtp://127.0.0.1:1025") == SmtpConfig("127.0.0.1", 1025)
    assert SmtpConfig.from_url("smtps://relay%40example.jp:p%3Ass@mail.example.jp") == (
        SmtpConfig("mail.example.jp", 465, True, "relay@example.jp", "p:ss")
    )
    with pytest.raises(ValueError):
        SmtpConfig.from_url("http://mail.example.jp")


async def test_enqueue_send_survives_redis_being_down(settings):
    message = await queue()
    down = make_pool(settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"}))

    await outbox.enqueue_send(down, [message.id])  # the sweeper will enqueue it

    assert (await MailMessage.get(id=message.id)).status == MailStatus.PENDING
    await down.aclose()


def test_backoff_doubles_up_to_ten_minutes():
    assert [outbox.backoff(n) for n in (1, 2, 3, 6, 7, 30)] == [10, 20, 40, 320, 600, 600]


# sweep


async def claimed(message: MailMessage, ago: timedelta, attempts: int = 1) -> None:
    """As a worker that claimed the row ``ago`` and (maybe) died."""
    await MailMessage.filter(id=message.id).update(
        status=MailStatus.SENDING, attempts=attempts, claimed_at=datetime.now(UTC) - ago
    )


async def queued_job_ids(redis, settings, *messages: MailMessage) -> set[str]:
    """Ids of the queued jobs of these mails (other tests' jobs may share the queue)."""
    mine = {f"mail:{m.id}" for m in messages}
    prefix = f"{settings.queue_name}:"
    queued = {
        job_id.decode().removeprefix(prefix)
        for job_id in await redis.zrange(settings.queue_name, 0, -1)
    }
    return {job_id for job_id in queued if ":".join(job_id.split(":")[:2]) in mine}


async def test_sweep_releases_a_dead_workers_claim_and_enqueues_it(redis, settings):
    lost, busy = await queue(), await queue("hanako@example.jp")
    await claimed(lost, timedelta(minutes=10))
    await claimed(busy, timedelta(seconds=30))

    assert await sweeper.sweep(redis) == 1

    row = await MailMessage.get(id=lost.id)
    assert row.status == MailStatus.PENDING and row.attempts == 1
    assert (await MailMessage.get(id=busy.id)).status == MailStatus.SENDING
    assert await queued_job_ids(redis, settings, lost, busy) == {f"mail:{lost.id}:1"}


async def test_sweep_fails_a_mail_whose_workers_keep_dying(redis):
    message = await queue()
    await claimed(message, timedelta(minutes=10), attempts=outbox.MAX_ATTEMPTS)

    assert await sweeper.sweep(redis) == 0

    assert (await MailMessage.get(id=message.id)).status == MailStatus.FAILED


async def test_sweep_enqueues_due_mails_without_duplicating_queued_jobs(redis, settings):
    queued = await queue()
    await outbox.enqueue_send(redis, [queued.id])
    orphan = await queue("hanako@example.jp")
    later = await queue("jiro@example.jp", send_after=datetime.now(UTC) + timedelta(hours=1))
    backing_off = await queue("saburo@example.jp")
    await MailMessage.filter(id=backing_off.id).update(
        attempts=1, send_after=datetime.now(UTC) + timedelta(seconds=10)
    )

    assert await sweeper.sweep(redis) == 1
    assert await sweeper.sweep(redis) == 0  # twice is harmless

    mails = (queued, orphan, later, backing_off)
    assert await queued_job_ids(redis, settings, *mails) == {
        f"mail:{queued.id}",
        f"mail:{orphan.id}",
    }
    # once due (and past the grace its own arq retry has), the others are enqueued too
    assert await sweeper.sweep(redis, now=datetime.now(UTC) + timedelta(hours=2)) == 2
    assert await queued_job_ids(redis, settings, *mails) == {
        f"mail:{queued.id}",
        f"mail:{orphan.id}",
        f"mail:{later.id}",
        f"mail:{backing_off.id}:1",
    }


# one-click unsubscribe: /u/{token}

ONE_CLICK = {"List-Unsubscribe": "One-Click"}


async def test_one_click_unsubscribe_suppresses_and_stops_pending_mails(
    client,
    sender,
    smtp_server,  # noqa: F811
    company_a,
):
    url = await outbox.unsubscribe_url(TARO)
    referral = await make_referral(company_a.company_id)
    pending = await queue(referral_id=referral.id)
    portal_link = await queue(kind=MailKind.PORTAL_LINK)

    response = await client.post(url, data=ONE_CLICK)

    assert response.status_code == 200
    assert "配信を停止しました" in response.text  # Japanese first: mail clients send no language
    assert (await Suppression.get(email_normalized=TARO)).reason == (SuppressionReason.UNSUBSCRIBED)
    assert (await MailMessage.get(id=pending.id)).status == MailStatus.SUPPRESSED
    await referral.refresh_from_db()
    assert referral.status == ReferralStatus.OPTED_OUT
    assert (await MailMessage.get(id=portal_link.id)).status == MailStatus.PENDING

    again = await client.post(url, data=ONE_CLICK)  # idempotent
    assert again.status_code == 200 and again.text == response.text
    assert await Suppression.all().count() == 1

    later = await queue()
    assert (await sending.send(later.id, sender)).result == SendResult.SUPPRESSED
    assert (await MailMessage.get(id=later.id)).status == MailStatus.SUPPRESSED
    assert smtp_server.received == []


async def test_unsubscribe_pages_in_english(client):
    url = await outbox.unsubscribe_url(TARO)
    english = {"Accept-Language": "en-US,en;q=0.9"}

    confirm = await client.get(url, headers=english)
    done = await client.post(url, data=ONE_CLICK, headers=english)

    assert "Stop receiving mail from Career Relay?" in confirm.text
    assert "You have been unsubscribed" in done.text


async def test_one_click_accepts_a_multipart_body(client):
    url = await outbox.unsubscribe_url(TARO)

    response = await client.post(url, files={"List-Unsubscribe": (None, "One-Click")})

    assert response.status_code == 200
    assert await suppressions.is_suppressed(TARO)


async def test_get_shows_a_confirmation_and_changes_nothing(client):
    url = await outbox.unsubscribe_url(TARO)

    response = await client.get(url)

    assert response.status_code == 200
    assert 'method="post"' in response.text and 'value="One-Click"' in response.text
    assert response.headers["cache-control"] == "no-store"
    assert not await suppressions.is_suppressed(TARO)


async def test_a_post_without_the_one_click_body_is_refused(client):
    url = await outbox.unsubscribe_url(TARO)

    response = await client.post(url, data={"List-Unsubscribe": "yes"})

    assert response.status_code == 400
    assert not await suppressions.is_suppressed(TARO)


async def test_an_unknown_token_is_a_friendly_404(client):
    raw = tokens.new_token()
    portal = await tokens.issue(TokenPurpose.PORTAL, email=TARO)

    for path in (f"/u/{raw}", f"/u/{portal}"):
        assert (await client.get(path)).status_code == 404
        response = await client.post(path, data=ONE_CLICK)
        assert response.status_code == 404
        assert "リンクが見つかりません" in response.text
    assert await Suppression.all().count() == 0


# faults in the middle of a batch


async def test_a_cancelled_batch_hands_its_claims_back_at_once(sender, smtp_server, redis):  # noqa: F811
    # a stopping worker or the job timeout cancels the job while the server holds a mail
    first, *rest = [await queue(f"user{i}@example.jp") for i in range(5)]
    smtp_server.stall(3)
    batch = asyncio.create_task(sending.send_batch(first.id, sender, redis))
    await asyncio.sleep(1)  # claimed, and the first mail is with the server

    batch.cancel()
    with pytest.raises(asyncio.CancelledError):
        await batch

    rows = {m.id: m for m in await MailMessage.all()}
    assert {r.status for r in rows.values()} == {MailStatus.PENDING}
    assert rows[first.id].attempts == 1  # the server had it: a real attempt
    assert [rows[m.id].attempts for m in rest] == [0, 0, 0, 0]  # never tried


async def test_a_failing_batch_hands_back_what_it_did_not_try(sender, smtp_server, redis):  # noqa: F811
    first, broken, *rest = [await queue(f"user{i}@example.jp") for i in range(4)]
    # a header with a line break cannot be built: the batch fails at this mail
    await MailMessage.filter(id=broken.id).update(headers={"X-Note": "a\nb"})

    with pytest.raises(ValueError):
        await sending.send_batch(first.id, sender, redis)

    assert (await MailMessage.get(id=first.id)).status == MailStatus.SENT
    back = await MailMessage.filter(id__in=[m.id for m in rest]).values_list("status", "attempts")
    assert back == [(MailStatus.PENDING, 0)] * 2


async def test_marking_sent_is_retried_until_the_database_takes_it(sender, smtp_server, redis):  # noqa: F811
    message = await queue()
    conn = connections.get("default")
    name = f"refuse_sent_{message.id}"
    # the database refuses to mark this mail SENT for a while (as during an outage)
    await conn.execute_script(
        f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'database unavailable'; END $$; "
        f"CREATE TRIGGER {name} BEFORE UPDATE ON mail_message FOR EACH ROW "
        f"WHEN (NEW.id = {message.id} AND NEW.status = 'SENT') EXECUTE FUNCTION {name}()"
    )

    async def repair() -> None:
        await asyncio.sleep(1.5)
        await conn.execute_script(f"DROP TRIGGER {name} ON mail_message; DROP FUNCTION {name}()")

    outcome, _ = await asyncio.gather(sending.send_batch(message.id, sender, redis), repair())

    assert outcome.result == SendResult.SENT
    assert (await MailMessage.get(id=message.id)).status == MailStatus.SENT
    assert len(smtp_server.received) == 1


async def test_mails_deferred_while_the_server_took_nothing_go_out_once_it_is_back(
    sender,
    smtp_server,  # noqa: F811
):
    # given: the SMTP server answers 451 to everyone, and two mails were deferred
    redis = make_pool(get_settings())
    smtp_server.refuse_everyone()
    deferred = [await queue(f"wait{i}@example.jp") for i in range(2)]
    for message in deferred:
        assert (await sending.send_batch(message.id, sender, redis)).result == SendResult.RETRY
    waiting = await MailMessage.filter(id__in=[m.id for m in deferred])
    assert all(m.send_after > datetime.now(UTC) for m in waiting)

    # when: the server is back and takes the next mail
    smtp_server.refuse_everyone("")
    fresh = await queue("next@example.jp")
    assert (await sending.send_batch(fresh.id, sender, redis)).result == SendResult.SENT

    # then: the deferred mails are due now, not after their backoff, and go out in one batch
    assert (await sending.send_batch(deferred[0].id, sender, redis)).result == SendResult.SENT
    assert len(smtp_server.received) == 3
    assert await MailMessage.filter(status=MailStatus.SENT).count() == 3
    await redis.aclose()


async def test_recipients_deferred_while_others_go_out_keep_their_backoff(
    sender,
    smtp_server,  # noqa: F811
    redis,
    monkeypatch,
):
    monkeypatch.setattr(sending, "_failing", {"count": 0, "since": None})  # this test's server
    # given: the server defers two recipients (greylisting) and takes everyone else's mail
    grey = ["grey1@example.jp", "grey2@example.jp"]
    for address in grey:
        smtp_server.tempfail(address)
    for recipient in (grey[0], "ok1@example.jp", grey[1], "ok2@example.jp"):
        message = await queue(recipient)
        await sending.send_batch(message.id, sender, redis)

    # when: the next batch goes out
    later = await queue("ok3@example.jp")
    assert (await sending.send_batch(later.id, sender, redis)).result == SendResult.SENT

    # then: the deferred mails still wait out their own backoff: not released, not taken along
    assert sorted(r.rcpt_tos[0] for r in smtp_server.received) == [
        "ok1@example.jp",
        "ok2@example.jp",
        "ok3@example.jp",
    ]
    waiting = await MailMessage.filter(recipient__in=grey)
    assert {(m.status, m.attempts) for m in waiting} == {(MailStatus.PENDING, 1)}
    assert all(m.send_after > datetime.now(UTC) + timedelta(seconds=5) for m in waiting)
