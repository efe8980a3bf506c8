"""Where a company stands now (the console's first page): this month's funnel and the weeks
before it (the same report as GraphQL ``report``), its credit balance, introductions awaiting
an answer and the rejection mails that bounced. (The way to the next credit is
``server.network.settlement.progress``.)"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from server import timezones
from server.models import (
    Company,
    Introduction,
    IntroductionStatus,
    MailKind,
    MailMessage,
    MailStatus,
    Referral,
)
from server.principal import Principal
from server.reports import funnel

WEEKS = 12  # the weekly chart
RECENT_BOUNCES = 5
MAX_ERROR = 160  # characters of the receiving server's answer shown

FUNNEL = (
    "rejections",
    "mails_sent",
    "clicks",
    "registrations",
    "qualified_referrals",
    "credits_earned",
)


@dataclass(frozen=True)
class Bounce:
    recipient: str
    subject: str
    at: datetime | None  # its last attempt
    error: str
    application_id: int | None


@dataclass(frozen=True)
class Dashboard:
    month: funnel.Report  # from the 1st of this month (company time) until now
    weeks: funnel.Report  # the last WEEKS weeks, this one included
    credit_balance: int
    awaiting_answer: int
    bounces: list[Bounce]


def this_month(now: datetime, timezone: str | None) -> tuple[datetime, datetime]:
    """``now``'s calendar month in the time zone: [midnight of the 1st, of the next 1st)."""
    local = now.astimezone(timezones.zone(timezone))
    start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (start + timedelta(days=32)).replace(day=1)
    return start, end


def last_weeks(now: datetime, timezone: str | None) -> tuple[datetime, datetime]:
    """The last WEEKS weeks (Monday to Monday in the time zone), this one included."""
    local = now.astimezone(timezones.zone(timezone))
    monday = (local - timedelta(days=local.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    return monday - timedelta(weeks=WEEKS - 1), monday + timedelta(weeks=1)


async def recent_bounces(principal: Principal, limit: int = RECENT_BOUNCES) -> list[Bounce]:
    """The caller's latest rejection mails that could not be delivered, newest first."""
    rows = (
        await MailMessage.filter(
            company_id=principal.require_company(),
            kind=MailKind.REJECTION,
            status=MailStatus.FAILED,
        )
        .order_by("-claimed_at", "-id")
        .limit(limit)
    )
    referral_ids = [r.referral_id for r in rows if r.referral_id]
    applications = dict(
        await Referral.filter(id__in=referral_ids).values_list("id", "application_id")
    )
    return [
        Bounce(
            row.recipient,
            row.subject,
            row.claimed_at,
            row.last_error[:MAX_ERROR],
            applications.get(row.referral_id),
        )
        for row in rows
    ]


async def awaiting_answer(principal: Principal) -> int:
    """The caller's introductions the candidates have not answered yet."""
    return await Introduction.filter(
        company_id=principal.require_company(), status=IntroductionStatus.REQUESTED
    ).count()


async def dashboard(principal: Principal, now: datetime) -> Dashboard:
    company = await Company.get(id=principal.require_company())
    month = await funnel.company_report(principal, *this_month(now, company.timezone))
    weeks = await funnel.company_report(principal, *last_weeks(now, company.timezone))
    return Dashboard(
        month=month,
        weeks=weeks,
        credit_balance=company.credit_balance,
        awaiting_answer=await awaiting_answer(principal),
        bounces=await recent_bounces(principal),
    )
