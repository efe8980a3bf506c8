"""Mails to a company's contact address: a webhook endpoint disabled, an introduction
accepted, a re-application (each of the last two can be turned off), the daily digest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tortoise import connections

from server.mail import outbox
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
    await outbox.queue_mail(
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


_EVENT_TEXTS = {
    "introduction": {
        Locale.JA: (
            "【Career Relay】紹介依頼が承諾されました（{opening}）",
            "{company} ご担当者様\n\n"
            "求人「{opening}」への紹介依頼を、候補者の方が承諾されました。\n"
            "お名前: {name}\nメールアドレス: {email}\n\n"
            "弊社サービスを通じて受領された個人データは、採用目的の範囲でお取り扱いください。\n"
            "この通知は GraphQL の updateNotificationSettings で停止できます。\n",
        ),
        Locale.EN: (
            "[Career Relay] Introduction accepted ({opening})",
            "Dear {company} team,\n\n"
            "A candidate accepted your introduction request for {opening}.\n"
            "Name: {name}\nEmail: {email}\n\n"
            "Turn this mail off with updateNotificationSettings.\n",
        ),
    },
    "reapplication": {
        Locale.JA: (
            "【Career Relay】再応募がありました（{opening}）",
            "{company} ご担当者様\n\n"
            "以前ご応募いただいた {name} 様（{email}）が、求人「{opening}」に再応募されました。\n\n"
            "この通知は GraphQL の updateNotificationSettings で停止できます。\n",
        ),
        Locale.EN: (
            "[Career Relay] A past applicant re-applied ({opening})",
            "Dear {company} team,\n\n"
            "{name} ({email}) applied again to {opening}.\n\n"
            "Turn this mail off with updateNotificationSettings.\n",
        ),
    },
}
_SWITCHES = {"introduction": "notify_introductions", "reapplication": "notify_reapplications"}


async def _event_mail(what: str, company_id: int, key: str, opening: str, contact: dict) -> None:
    company = await Company.get(id=company_id)
    if not getattr(company, _SWITCHES[what]) or not is_email(company.contact_email):
        return
    subject, body = _EVENT_TEXTS[what][Locale(company.locale)]
    values = {"company": company.name, "opening": opening, **contact}
    await outbox.queue_mail(
        kind=MailKind.COMPANY_NOTICE,
        recipient=company.contact_email,
        subject=subject.format(**values),
        body_text=body.format(**values),
        locale=company.locale,
        company_id=company.id,
        dedupe_key=f"notice:{what}:{key}",
    )


async def introduction_accepted(
    company_id: int, introduction_id: int, opening: str, contact: dict
) -> None:
    """In the acceptance's transaction; nothing when the company turned it off."""
    await _event_mail("introduction", company_id, str(introduction_id), opening, contact)


async def reapplied(company_id: int, application_id: int, opening: str, contact: dict) -> None:
    await _event_mail("reapplication", company_id, str(application_id), opening, contact)


_DIGEST_SQL = """
SELECT c.id,
  (SELECT count(*) FROM referral r WHERE r.company_id = c.id
     AND r.qualified_at >= $1 AND r.qualified_at < $2) AS qualified,
  (SELECT count(*) FROM credit_entry e WHERE e.company_id = c.id AND e.kind = 'SETTLEMENT'
     AND e.created_at >= $1 AND e.created_at < $2) AS credits
FROM company c WHERE c.notify_digest AND c.contact_email <> '' AND c.status = 'ACTIVE'
"""
_DIGEST_TEXTS = {
    Locale.JA: (
        "【Career Relay】本日のまとめ（{day}）",
        "{company} ご担当者様\n\n"
        "過去24時間の Career Relay でのご状況をお知らせいたします。\n"
        "・有効になった紹介: {qualified} 件\n・付与されたクレジット: {credits}\n"
        "・現在のクレジット残高: {balance}\n\n"
        "このまとめは GraphQL の updateNotificationSettings（dailyDigest: false）で"
        "停止できます。\n",
    ),
    Locale.EN: (
        "[Career Relay] Your daily digest ({day})",
        "Dear {company} team,\n\n"
        "In the last 24 hours:\n- referrals that qualified: {qualified}\n"
        "- credits earned: {credits}\n- credit balance now: {balance}\n\n"
        "Turn this mail off with updateNotificationSettings (dailyDigest: false).\n",
    ),
}


async def send_digests(now: datetime | None = None) -> int:
    """Queues the daily digest of every company with news in the last 24 hours (none on
    quiet days); once a day per company. Returns how many were queued."""
    now = now or datetime.now(UTC)
    rows = await connections.get("default").execute_query_dict(
        _DIGEST_SQL, [now - timedelta(days=1), now]
    )
    busy = {r["id"]: r for r in rows if r["qualified"] or r["credits"]}
    queued = 0
    for company in await Company.filter(id__in=list(busy)).order_by("id"):
        if not is_email(company.contact_email):
            continue
        subject, body = _DIGEST_TEXTS[Locale(company.locale)]
        values = {
            "company": company.name,
            "day": f"{now:%Y-%m-%d}",
            "qualified": busy[company.id]["qualified"],
            "credits": busy[company.id]["credits"],
            "balance": company.credit_balance,
        }
        _, created = await outbox.queue_mail(
            kind=MailKind.COMPANY_DIGEST,
            recipient=company.contact_email,
            subject=subject.format(**values),
            body_text=body.format(**values),
            locale=company.locale,
            company_id=company.id,
            dedupe_key=f"digest:{company.id}:{now:%Y-%m-%d}",
        )
        queued += created
    return queued
