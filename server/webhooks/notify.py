"""Mails to a company's contact address: a webhook endpoint disabled, an introduction
accepted, a re-application (each of the last two can be turned off), the daily digest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tortoise import connections
from tortoise.transactions import in_transaction

from server import audit, i18n
from server.mail import outbox
from server.models import Company, MailKind, WebhookEndpoint
from server.principal import Permission, Principal
from server.text import is_email


async def endpoint_disabled(endpoint: WebhookEndpoint, reason: str) -> None:
    """Queues the mail in the caller's transaction (nothing without a contact address)."""
    company = await Company.get(id=endpoint.company_id)
    if not is_email(company.contact_email):
        return
    subject = i18n.translate(company.locale, "mail.webhook_disabled.subject")
    body = i18n.translate(company.locale, "mail.webhook_disabled.body")
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
    principal.require(Permission.MANAGE)
    row = await company(principal)
    changes = {
        "notify_introductions": introductions,
        "notify_reapplications": reapplications,
        "notify_digest": digest,
    }
    for name, value in changes.items():
        if value is not None:
            setattr(row, name, value)
    async with in_transaction("default"):
        await row.save(update_fields=list(changes))
        await audit.record(
            principal,
            "company.notifications",
            "Company",
            row.id,
            **{name: getattr(row, name) for name in changes},
        )
    return row


_EVENT_MAILS = {
    "introduction": "mail.company_introduction_accepted",
    "reapplication": "mail.company_reapplication",
}
_SWITCHES = {"introduction": "notify_introductions", "reapplication": "notify_reapplications"}


async def _event_mail(what: str, company_id: int, key: str, opening: str, contact: dict) -> None:
    company = await Company.get(id=company_id)
    if not getattr(company, _SWITCHES[what]) or not is_email(company.contact_email):
        return
    subject = i18n.translate(company.locale, f"{_EVENT_MAILS[what]}.subject")
    body = i18n.translate(company.locale, f"{_EVENT_MAILS[what]}.body")
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
        subject = i18n.translate(company.locale, "mail.company_digest.subject")
        body = i18n.translate(company.locale, "mail.company_digest.body")
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
