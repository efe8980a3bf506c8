"""``/admin`` and ``operator { webhookHealth }``: failing deliveries and troubled endpoints."""

from __future__ import annotations

from server.models import WebhookEndpoint, WebhookFormat
from server.principal import Principal
from server.webhooks import endpoints
from tests.web.candidate_helpers import reset_rate_limits  # noqa: F401  (autouse)
from tests.web.test_admin import login

HEALTH = """
{ operator { webhookHealth { retrying failedLastDay deliveredLastDay
    endpoints { url companyName enabled failureStreak disabledReason } } } }
"""


async def disabled_endpoint(company_id: int) -> WebhookEndpoint:
    company = Principal(api_key_id=None, company_id=company_id)
    row = await endpoints.create(
        company, "https://hooks.a.example.jp/relay", [], WebhookFormat.STANDARD
    )
    await WebhookEndpoint.filter(id=row.id).update(
        enabled=False, failure_streak=50, disabled_reason="50 failed deliveries in a row"
    )
    return row


async def test_the_dashboard_lists_a_disabled_endpoint(client, operator, company_a):
    await disabled_endpoint(company_a.company_id)
    await login(client, operator.key)

    page = await client.get("/admin")

    assert page.status_code == 200
    assert "Webhook 配信" in page.text
    assert "https://hooks.a.example.jp/relay" in page.text
    assert "50 failed deliveries in a row" in page.text


async def test_the_dashboard_says_when_no_endpoint_fails(client, operator):
    await login(client, operator.key)

    page = await client.get("/admin")

    assert "問題のある送信先はありません。" in page.text


async def test_the_operator_reads_webhook_health(operator, company_a):
    await disabled_endpoint(company_a.company_id)

    health = (await operator(HEALTH))["operator"]["webhookHealth"]

    assert health["retrying"] == 0
    assert health["endpoints"] == [
        {
            "url": "https://hooks.a.example.jp/relay",
            "companyName": "株式会社エー",
            "enabled": False,
            "failureStreak": 50,
            "disabledReason": "50 failed deliveries in a row",
        }
    ]


async def test_a_company_cannot_read_webhook_health(company_a):
    response = await company_a.post(HEALTH)

    assert response.json()["data"]["operator"] is None
