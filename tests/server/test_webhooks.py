"""Webhook delivery into a real receiver (tests/fixtures/receiver.py): signatures, retries
with backoff, the retry window, disabling, redelivery, a lost worker, the SSRF guard."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from datetime import UTC, datetime, timedelta

import pytest
import pytest_asyncio

from server.companies import accounts as companies
from server.errors import DomainError
from server.models import (
    DeliveryStatus,
    MailKind,
    MailMessage,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookFormat,
)
from server.principal import Principal
from server.webhooks import delivery, endpoints, http
from server.webhooks.events import EventType, emit
from tests.fixtures.graphql import OPERATOR


@pytest_asyncio.fixture
async def company():
    created = await companies.create(OPERATOR, "株式会社フック", contact_email="hr@hook.example.jp")
    return Principal(api_key_id=None, company_id=created.company.id)


@pytest_asyncio.fixture
async def client():
    http_client = delivery.new_client()
    yield http_client
    await http_client.aclose()


async def listen(company, receiver, events=(), fmt=WebhookFormat.STANDARD) -> WebhookEndpoint:
    endpoint = await endpoints.create(company, receiver.url, list(events), fmt)
    receiver.secret = endpoint.secret
    return endpoint


async def one_event(company, key: str = "1", event=EventType.REFERRAL_QUALIFIED) -> int:
    return await emit(company.company_id, event, key, {"referral": {"id": f"UmVm:{key}"}})


def later(seconds: float) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)


async def test_a_delivery_is_signed_verified_and_logged(company, receiver, client):
    await listen(company, receiver)
    await one_event(company)

    assert await delivery.dispatch(client) == 1

    [hit] = receiver.received
    assert hit.verified, hit.error
    assert hit.event["type"] == "referral.qualified"
    assert hit.event["data"] == {"referral": {"id": "UmVm:1"}}
    row = await WebhookDelivery.get()
    assert row.status == DeliveryStatus.DELIVERED and row.message_id == hit.webhook_id
    [attempt] = await WebhookAttempt.all()
    assert attempt.status_code == 200 and attempt.response_excerpt == "answer 200"
    assert attempt.latency_ms >= 0


async def test_an_occurrence_is_delivered_once_and_only_to_endpoints_that_want_it(
    company, receiver, client
):
    await listen(company, receiver, events=["referral.qualified"])

    assert await one_event(company, "7") == 1
    assert await one_event(company, "7") == 0  # the same occurrence again
    assert await one_event(company, "8", EventType.MAIL_BOUNCED) == 0
    await delivery.dispatch(client)

    assert len(receiver.received) == 1


async def test_a_500_is_retried_after_a_backoff_with_the_same_webhook_id(company, receiver, client):
    await listen(company, receiver)
    receiver.answers = [500]
    await one_event(company)

    await delivery.dispatch(client)
    row = await WebhookDelivery.get()
    assert row.status == DeliveryStatus.PENDING and row.last_error == "HTTP 500"
    wait = (row.next_attempt_at - datetime.now(UTC)).total_seconds()
    assert 2 <= wait <= 5  # the first backoff: 5 s with jitter down to half
    assert await delivery.dispatch(client) == 0  # not due yet
    assert await delivery.dispatch(client, later(6)) == 1

    first, second = receiver.received
    assert first.webhook_id == second.webhook_id and second.verified
    assert (await WebhookDelivery.get()).status == DeliveryStatus.DELIVERED
    codes = [a.status_code for a in await WebhookAttempt.all().order_by("id")]
    assert codes == [500, 200]


def test_backoff_grows_exponentially_with_jitter_up_to_six_hours():
    samples = {n: [delivery.backoff(n) for _ in range(50)] for n in (1, 2, 5, 30)}

    assert all(2.5 <= s <= 5 for s in samples[1])
    assert all(5 <= s <= 10 for s in samples[2])
    assert all(40 <= s <= 80 for s in samples[5])
    assert all(3 * 3600 <= s <= 6 * 3600 for s in samples[30])
    assert len(set(samples[5])) > 1


async def test_a_timeout_is_retried(company, receiver, client, settings, monkeypatch):
    monkeypatch.setattr(settings, "webhook_timeout_seconds", 0.5)
    await listen(company, receiver)
    receiver.answers = [("hang", 2)]
    await one_event(company)

    await delivery.dispatch(client)

    row = await WebhookDelivery.get()
    assert row.status == DeliveryStatus.PENDING
    assert row.last_error.startswith("timeout")
    assert (await WebhookAttempt.get()).status_code is None
    await delivery.dispatch(client, later(6))
    assert (await WebhookDelivery.get()).status == DeliveryStatus.DELIVERED


async def test_a_delivery_fails_for_good_after_its_retry_window(
    company, receiver, client, settings, monkeypatch
):
    monkeypatch.setattr(settings, "webhook_retry_hours", 0.0)
    await listen(company, receiver)
    receiver.answers = [503]
    await one_event(company)

    await delivery.dispatch(client)

    assert (await WebhookDelivery.get()).status == DeliveryStatus.FAILED


async def test_repeated_failure_disables_the_endpoint_and_mails_the_company(
    company, receiver, client, settings, monkeypatch
):
    monkeypatch.setattr(settings, "webhook_disable_after", 3)
    endpoint = await listen(company, receiver)
    receiver.answers = [500, 500, 500]
    for key in "123":
        await one_event(company, key)

    await delivery.dispatch(client)

    endpoint = await WebhookEndpoint.get(id=endpoint.id)
    assert not endpoint.enabled and "3 failed deliveries" in endpoint.disabled_reason
    mail = await MailMessage.get(kind=MailKind.WEBHOOK_DISABLED)
    assert mail.recipient == "hr@hook.example.jp" and endpoint.url in mail.body_text
    assert await delivery.dispatch(client, later(3600)) == 0  # a disabled endpoint gets nothing
    await endpoints.update(company, endpoint.id, enabled=True)
    assert await delivery.dispatch(client, later(3600)) == 3
    assert len(receiver.received) == 6


async def test_a_delivery_can_be_redelivered_with_the_same_webhook_id(company, receiver, client):
    await listen(company, receiver)
    await one_event(company)
    await delivery.dispatch(client)

    row = await endpoints.redeliver(company, (await WebhookDelivery.get()).id)
    assert row.status == DeliveryStatus.PENDING
    await delivery.dispatch(client)

    first, second = receiver.received
    assert first.webhook_id == second.webhook_id and second.verified


async def test_another_company_cannot_see_or_redeliver_a_delivery(company, receiver):
    await listen(company, receiver)
    await one_event(company)
    other = await companies.create(OPERATOR, "他社")
    stranger = Principal(api_key_id=None, company_id=other.company.id)

    assert await endpoints.deliveries(stranger).count() == 0
    with pytest.raises(DomainError):
        await endpoints.redeliver(stranger, (await WebhookDelivery.get()).id)


_KILLED_WORKER = """
import asyncio
from tortoise import Tortoise
from server.config import get_settings
from server.db import tortoise_config
from server.webhooks import delivery

async def main():
    await Tortoise.init(config=tortoise_config(get_settings().database_url))
    await delivery.dispatch(delivery.new_client())

asyncio.run(main())
"""


async def test_a_worker_killed_mid_delivery_delivers_at_least_once_with_the_same_id(
    company, receiver, client
):
    await listen(company, receiver)
    receiver.answers = [("hang", 3)]
    await one_event(company)
    worker = await asyncio.create_subprocess_exec(
        sys.executable, "-c", _KILLED_WORKER, env=os.environ.copy()
    )
    await asyncio.wait_for(receiver.arrived.wait(), 30)

    worker.send_signal(signal.SIGKILL)
    await worker.wait()
    assert (await WebhookDelivery.get()).status == DeliveryStatus.SENDING
    assert await delivery.sweep() == 0  # a claim this young may be a live worker's
    after_the_claim = later(delivery.claim_timeout().total_seconds() + 1)
    assert await delivery.sweep(after_the_claim) == 1
    await delivery.dispatch(client, after_the_claim)

    first, second = receiver.received
    assert first.webhook_id == second.webhook_id and second.verified
    assert (await WebhookDelivery.get()).status == DeliveryStatus.DELIVERED


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/hook",
        "http://10.1.2.3/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://localhost/hook",  # a name resolving to loopback
        "ftp://example.com/hook",
    ],
)
async def test_production_refuses_private_addresses_when_registering(
    company, settings, monkeypatch, url
):
    monkeypatch.setattr(settings, "webhook_allow_private", False)

    with pytest.raises(DomainError) as refused:
        await endpoints.create(company, url, [], WebhookFormat.STANDARD)

    assert refused.value.errors[0].field == ["url"]


async def test_production_refuses_private_addresses_again_at_connect_time(
    company, receiver, client, settings, monkeypatch
):
    endpoint = await listen(company, receiver)  # registered while private was allowed
    await WebhookEndpoint.filter(id=endpoint.id).update(
        url=receiver.url.replace("127.0.0.1", "localhost")
    )
    monkeypatch.setattr(settings, "webhook_allow_private", False)
    await one_event(company)

    await delivery.dispatch(client)

    assert receiver.received == []
    attempt = await WebhookAttempt.get()
    assert attempt.status_code is None and attempt.error.startswith("refused")


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("127.0.0.1", False),
        ("10.0.0.5", False),
        ("172.16.3.4", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("::1", False),
        ("fe80::1", False),
        ("fd00::1", False),
        ("::ffff:127.0.0.1", False),
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("93.184.216.34", True),
        ("2606:2800:220:1:248:1893:25c8:1946", True),
    ],
)
def test_the_guard_knows_public_from_private(address, public):
    assert http.is_public(address) is public


async def test_redirects_are_not_followed(company, receiver, client):
    await listen(company, receiver)
    receiver.answers = [302]
    await one_event(company)

    await delivery.dispatch(client)

    assert len(receiver.received) == 1
    assert (await WebhookDelivery.get()).last_error == "HTTP 302"


async def test_a_slack_endpoint_gets_block_kit_in_the_company_language(company, receiver, client):
    await listen(company, receiver, fmt=WebhookFormat.SLACK)
    data = {
        "introduction": {"status": "ACCEPTED", "opening": {"id": "T3A6MQ==", "title": "SRE"}},
        "contact": {"name": "佐藤 花子", "email": "hanako@example.jp"},
    }
    await emit(company.company_id, EventType.INTRODUCTION_ACCEPTED, "1", data)

    await delivery.dispatch(client)

    [hit] = receiver.received
    message = hit.event
    assert message["text"] == "紹介依頼が承諾されました"
    assert message["blocks"][0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "紹介依頼が承諾されました"},
    }
    shown = message["blocks"][1]["text"]["text"]
    assert "*title*: SRE" in shown and "*email*: hanako@example.jp" in shown
    assert "T3A6MQ==" not in shown
    assert "webhook-signature" not in hit.headers
