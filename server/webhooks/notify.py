"""Mails to a company about its webhooks (an endpoint disabled after repeated failure)."""

from __future__ import annotations

from datetime import UTC, datetime

from server.mail import queue_mail
from server.models import Company, Locale, MailKind, WebhookEndpoint
from server.principal import Principal
from server.text import is_email

_TEXTS = {
    Locale.JA: (
        "【Career Relay】Webhook の送信先を停止しました",
        "{company} ご担当者様\n\n"
        "いつも Career Relay をご利用いただき、誠にありがとうございます。\n"
        "Webhook の送信先 {url} への配信が続けて失敗したため、送信先を停止いたしました。\n\n"
        "理由: {reason}\n\n"
        "受信側をご確認のうえ、GraphQL の updateWebhookEndpoint（enabled: true）で再開し、"
        "redeliverWebhook で未配信のイベントを再送していただけます。\n",
    ),
    Locale.EN: (
        "[Career Relay] Webhook endpoint disabled",
        "Dear {company} team,\n\n"
        "Deliveries to your webhook endpoint {url} kept failing, so we disabled it.\n\n"
        "Reason: {reason}\n\n"
        "Once the receiver works again, enable it with updateWebhookEndpoint (enabled: true) "
        "and resend missed events with redeliverWebhook.\n",
    ),
}


async def endpoint_disabled(endpoint: WebhookEndpoint, reason: str) -> None:
    """Queues the mail in the caller's transaction (nothing without a contact address)."""
    company = await Company.get(id=endpoint.company_id)
    if not is_email(company.contact_email):
        return
    subject, body = _TEXTS[Locale(company.locale)]
    await queue_mail(
        kind=MailKind.WEBHOOK_DISABLED,
        recipient=company.contact_email,
        subject=subject,
        body_text=body.format(company=company.name, url=endpoint.url, reason=reason),
        locale=company.locale,
        company_id=company.id,
        dedupe_key=f"webhook-disabled:{endpoint.id}:{datetime.now(UTC):%Y%m%d%H%M%S%f}",
    )


async def company(principal: Principal) -> Company:
    return await Company.get(id=principal.require_company())


async def update_settings(
    principal: Principal,
    *,
    introductions: bool | None = None,
    reapplications: bool | None = None,
    digest: bool | None = None,
) -> Company:
    """Turns the company's notification mails on or off (None: unchanged)."""
    row = await company(principal)
    changes = {
        "notify_introductions": introductions,
        "notify_reapplications": reapplications,
        "notify_digest": digest,
    }
    for name, value in changes.items():
        if value is not None:
            setattr(row, name, value)
    await row.save(update_fields=list(changes))
    return row
