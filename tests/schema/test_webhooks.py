"""Webhooks through GraphQL: register (secret shown once), list, deliveries with attempts,
redeliver, rotate, update, delete; notification switches; company scoping."""

from __future__ import annotations

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from server.webhooks import delivery
from server.webhooks.events import EventType, emit

CREATE = """
mutation($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) {
    endpoint { id url events enabled format }
    secret
    userErrors { field code message }
  }
}
"""
UPDATE = """
mutation($input: UpdateWebhookEndpointInput!) {
  updateWebhookEndpoint(input: $input) {
    endpoint { id url events enabled failureStreak disabledReason }
    secret
    userErrors { field code }
  }
}
"""
ROTATE = """
mutation($input: WebhookEndpointInput!) {
  rotateWebhookSecret(input: $input) { endpoint { id } secret userErrors { code } }
}
"""
DELETE = """
mutation($input: WebhookEndpointInput!) {
  deleteWebhookEndpoint(input: $input) { deletedId userErrors { code } }
}
"""
DELIVERIES = """
query($endpointId: ID, $status: WebhookDeliveryStatus) {
  webhookDeliveries(endpointId: $endpointId, status: $status) {
    totalCount
    edges { node {
      id webhookId eventType status attemptCount payload
      attempts { statusCode latencyMs responseExcerpt error }
    } }
  }
}
"""
REDELIVER = """
mutation($input: RedeliverWebhookInput!) {
  redeliverWebhook(input: $input) { delivery { id status webhookId } userErrors { code } }
}
"""
NOTIFICATIONS = """
mutation($input: UpdateNotificationSettingsInput!) {
  updateNotificationSettings(input: $input) {
    settings { introductionAccepted reapplication dailyDigest }
    userErrors { code }
  }
}
"""


async def register(caller, url: str, **extra) -> dict:
    data = await caller(CREATE, {"input": {"url": url, **extra}})
    return data["createWebhookEndpoint"]


async def test_register_receive_and_redeliver(company_a, receiver):
    created = await register(company_a, receiver.url, events=["referral.qualified"])
    assert created["userErrors"] == [] and created["secret"].startswith("whsec_")
    receiver.secret = created["secret"]
    listed = await company_a("{ webhookEndpoints { id url events enabled } }")
    assert listed["webhookEndpoints"] == [
        {
            "id": created["endpoint"]["id"],
            "url": receiver.url,
            "events": ["referral.qualified"],
            "enabled": True,
        }
    ]

    await emit(company_a.company_id, EventType.REFERRAL_QUALIFIED, "1", {"x": 1})
    http = delivery.new_client()
    await delivery.dispatch(http)
    data = await company_a(DELIVERIES, {"endpointId": created["endpoint"]["id"]})
    [edge] = data["webhookDeliveries"]["edges"]
    assert edge["node"]["status"] == "DELIVERED"
    assert edge["node"]["attempts"][0]["statusCode"] == 200
    redelivered = await company_a(REDELIVER, {"input": {"deliveryId": edge["node"]["id"]}})
    assert redelivered["redeliverWebhook"]["delivery"]["status"] == "PENDING"
    await delivery.dispatch(http)
    await http.aclose()

    assert [h.webhook_id for h in receiver.received] == [edge["node"]["webhookId"]] * 2
    assert all(h.verified for h in receiver.received)


async def test_rotating_the_secret_signs_with_the_new_one(company_a, receiver):
    created = await register(company_a, receiver.url)
    rotated = (await company_a(ROTATE, {"input": {"endpointId": created["endpoint"]["id"]}}))[
        "rotateWebhookSecret"
    ]
    assert rotated["secret"] != created["secret"]
    receiver.secret = rotated["secret"]

    await emit(company_a.company_id, EventType.MAIL_BOUNCED, "1", {})
    http = delivery.new_client()
    await delivery.dispatch(http)
    await http.aclose()

    [hit] = receiver.received
    assert hit.verified
    with pytest.raises(WebhookVerificationError):
        Webhook(created["secret"]).verify(hit.body, hit.headers)


async def test_bad_input_is_a_user_error(company_a):
    bad_url = await register(company_a, "ftp://example.com/x")
    bad_event = await register(company_a, "https://example.com/x", events=["nope"])

    assert bad_url["userErrors"][0]["field"] == ["input", "url"]
    assert bad_event["userErrors"][0] == {
        "field": ["input", "events", "0"],
        "code": "INVALID",
        "message": "unknown event 'nope'",
    }


async def test_another_company_cannot_touch_an_endpoint(company_a, company_b, receiver):
    created = await register(company_a, receiver.url)
    endpoint_id = created["endpoint"]["id"]

    updated = await company_b(UPDATE, {"input": {"endpointId": endpoint_id, "enabled": False}})
    deleted = await company_b(DELETE, {"input": {"endpointId": endpoint_id}})
    rotated = await company_b(ROTATE, {"input": {"endpointId": endpoint_id}})

    assert updated["updateWebhookEndpoint"]["userErrors"][0]["code"] == "NOT_FOUND"
    assert deleted["deleteWebhookEndpoint"]["userErrors"][0]["code"] == "NOT_FOUND"
    assert rotated["rotateWebhookSecret"]["secret"] is None
    assert (await company_b("{ webhookEndpoints { id } }"))["webhookEndpoints"] == []


async def test_update_and_delete(company_a, receiver):
    endpoint_id = (await register(company_a, receiver.url))["endpoint"]["id"]

    updated = await company_a(
        UPDATE, {"input": {"endpointId": endpoint_id, "enabled": False, "events": []}}
    )
    deleted = await company_a(DELETE, {"input": {"endpointId": endpoint_id}})

    assert updated["updateWebhookEndpoint"]["endpoint"]["enabled"] is False
    assert updated["updateWebhookEndpoint"]["secret"] is None
    assert deleted["deleteWebhookEndpoint"]["deletedId"] == endpoint_id
    assert (await company_a("{ webhookEndpoints { id } }"))["webhookEndpoints"] == []


async def test_notification_mails_can_be_turned_off(company_a):
    data = await company_a(NOTIFICATIONS, {"input": {"dailyDigest": False}})

    assert data["updateNotificationSettings"]["settings"] == {
        "introductionAccepted": True,
        "reapplication": True,
        "dailyDigest": False,
    }
    read = await company_a("{ notificationSettings { dailyDigest } }")
    assert read["notificationSettings"]["dailyDigest"] is False
