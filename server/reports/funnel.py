"""Funnel reports over a period, per company and network-wide (flow 9 in docs/architecture.md).

Every count is read from a stored, timestamped row, so a report of a past period never
changes:

========================  =====================================================================
count                     rows, dated by
========================  =====================================================================
rejections                ``application_event`` REJECTED, ``at`` (left out when a later event
                          of the same application moved it elsewhere: an undone rejection)
mails_sent                ``mail_message`` of kind REJECTION that is SENT, ``sent_at``
mails_bounced             ``mail_message`` of kind REJECTION that ended FAILED (refused or given
                          up), ``claimed_at`` (its last attempt)
clicks                    ``referral.first_clicked_at`` (people who opened their link)
registrations             ``referral.registered_at``
qualified_referrals       ``referral.qualified_at``
credits_earned            sum of SETTLEMENT ``credit_entry.delta``, ``created_at``
credits_spent             minus the sum of INTRODUCTION deltas, ``created_at``
credits_refunded          sum of REFUND deltas, ``created_at``
credits_adjusted          sum of ADJUSTMENT deltas (may be negative), ``created_at``
introductions_requested   ``introduction.requested_at`` (requests the company made)
introductions_accepted    ACCEPTED introductions, ``responded_at``
introductions_declined    DECLINED introductions, ``responded_at``
introductions_expired     EXPIRED introductions, ``responded_at`` or else ``expires_at``
hires_from_introductions  ``introduction.hired_at``
follow_ups_sent           ``mail_message`` of kind FOLLOW_UP that is SENT, ``sent_at``
opening_alerts_sent       ``mail_message`` of kind OPENING_ALERT that is SENT, ``sent_at``
reapplications            ``application`` with source REAPPLICATION, ``applied_at``
========================  =====================================================================

All counts of one report come from one SQL statement grouped by metric and week
(``date_trunc('week', ...)`` in the company's time zone, weeks start on Monday).

Every rate is a share of its own base: the base is a set of rows dated inside the period, the
numerator the part of that set that reached the next step before the period ended, so a rate
is never above 1 and a past period's rate never changes (:data:`RATES`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from server import timezones
from server.errors import DomainError, ErrorCode
from server.models import Company
from server.principal import Principal
from server.reports.sql import (
    EVALUATIONS_SQL,
    OPENINGS_SQL,
    RATES_SQL,
    REASONS_SQL,
    SAVINGS_SQL,
    WEEKLY_SQL,
)

MAX_PERIOD = timedelta(days=731)  # two years, a leap day included
# Periods lie within these years: weeks and time zones stay inside the calendar (year 9999
# overflowed), and nothing happened before the network existed.
FIRST_YEAR, LAST_YEAR = 2000, 2999

METRICS = (
    "rejections",
    "mails_sent",
    "mails_bounced",
    "clicks",
    "registrations",
    "qualified_referrals",
    "credits_earned",
    "credits_spent",
    "credits_refunded",
    "credits_adjusted",
    "introductions_requested",
    "introductions_accepted",
    "introductions_declined",
    "introductions_expired",
    "hires_from_introductions",
    "follow_ups_sent",
    "opening_alerts_sent",
    "reapplications",
)

# name: (base, the part of the base that reached the next step by the period's end)
RATES = {
    "click_rate": ("mailed", "mailed_clicked"),
    "registration_rate": ("clicked", "clicked_registered"),
    "qualification_rate": ("registered", "registered_qualified"),
    "introduction_rate": ("qualified", "qualified_introduced"),
    "follow_up_rate": ("follow_ups_due", "follow_ups_delivered"),
    "reapplication_rate": ("reapply_links", "reapply_links_used"),
    "acceptance_rate": ("answered", "accepted"),
}


@dataclass(frozen=True)
class ReasonCount:
    reason_id: int | None
    code: str
    name_ja: str
    name_en: str
    count: int


@dataclass
class OpeningFunnel:
    opening_id: int
    title: str
    company_id: int
    applications: int
    rejections: int
    passed: int
    reasons: list[ReasonCount] = field(default_factory=list)
    # evaluation (None: unrated) -> applications decided (rejected or passed) in the period
    evaluations: dict[int | None, int] = field(default_factory=dict)

    @property
    def pass_rate(self) -> float | None:
        """Passed ÷ (passed + rejected) of the decisions made in the period."""
        return ratio(self.passed, self.passed + self.rejections)


@dataclass(frozen=True)
class Week:
    start: date
    counts: dict[str, int]


@dataclass
class Report:
    company_id: int | None
    period_from: datetime
    period_to: datetime
    timezone: str
    totals: dict[str, int]
    weeks: list[Week]
    openings: list[OpeningFunnel]
    savings_yen: int
    rate_counts: dict[str, int]

    def rate(self, name: str) -> float | None:
        """The rate ``name`` of :data:`RATES`: its numerator ÷ its base, None when the base is 0."""
        base, reached = RATES[name]
        return ratio(self.rate_counts[reached], self.rate_counts[base])

    @property
    def savings_per_hire_yen(self) -> float | None:
        return ratio(self.savings_yen, self.totals["hires_from_introductions"])

    def reason_totals(self) -> list[ReasonCount]:
        """Rejections per reason over the report's openings, most frequent first."""
        totals: dict[str, ReasonCount] = {}
        for funnel in self.openings:
            for r in funnel.reasons:
                seen = totals.get(r.code)
                count = r.count + (seen.count if seen else 0)
                totals[r.code] = ReasonCount(r.reason_id, r.code, r.name_ja, r.name_en, count)
        return sorted(totals.values(), key=lambda r: (-r.count, r.code))

    def evaluation_totals(self) -> dict[int | None, int]:
        """Decisions per evaluation (None: unrated) over the report's openings, best first."""
        totals: dict[int | None, int] = {}
        for funnel in self.openings:
            for evaluation, count in funnel.evaluations.items():
                totals[evaluation] = totals.get(evaluation, 0) + count
        return dict(sorted(totals.items(), key=lambda item: -(item[0] or 0)))


def ratio(numerator: int, denominator: int) -> float | None:
    """numerator ÷ denominator, or None when the denominator is 0."""
    return numerator / denominator if denominator else None


def check_period(period_from: datetime, period_to: datetime) -> tuple[datetime, datetime]:
    """The period in UTC (naive times are read as UTC).

    Raises:
        DomainError: INVALID when ``from`` is not before ``to``, the period is longer than
            two years or lies outside the years FIRST_YEAR-LAST_YEAR.
    """
    start, end = (t if t.tzinfo else t.replace(tzinfo=UTC) for t in (period_from, period_to))
    for name, moment in (("from", period_from), ("to", period_to)):
        if not FIRST_YEAR <= moment.year <= LAST_YEAR:
            raise DomainError(
                ErrorCode.INVALID, f"{name} must lie in the years {FIRST_YEAR}-{LAST_YEAR}", [name]
            )
    if start >= end:
        raise DomainError(ErrorCode.INVALID, "from must be before to", ["to"])
    if end - start > MAX_PERIOD:
        raise DomainError(
            ErrorCode.INVALID, f"a report covers at most {MAX_PERIOD.days} days", ["to"]
        )
    return start.astimezone(UTC), end.astimezone(UTC)


def week_starts(start: datetime, end: datetime, tz: ZoneInfo) -> list[date]:
    """Mondays (in ``tz``) of every week the period [start, end) touches."""
    first = start.astimezone(tz).date()
    last = (end - timedelta(microseconds=1)).astimezone(tz).date()
    monday = first - timedelta(days=first.weekday())
    weeks = []
    while monday <= last:
        weeks.append(monday)
        monday += timedelta(days=7)
    return weeks


async def _weekly(
    conn: BaseDBAsyncClient, company_id: int | None, start: datetime, end: datetime, tz: ZoneInfo
) -> dict:
    rows = await conn.execute_query_dict(
        WEEKLY_SQL[company_id is None], [company_id, start, end, tz.key]
    )
    by_week: dict[date, dict[str, int]] = {}
    for row in rows:
        by_week.setdefault(row["week"], {})[row["metric"]] = int(row["n"])
    return by_week


async def _openings(
    conn: BaseDBAsyncClient, company_id: int | None, start: datetime, end: datetime
) -> list:
    rows = await conn.execute_query_dict(OPENINGS_SQL[company_id is None], [company_id, start, end])
    funnels = {
        r["id"]: OpeningFunnel(
            opening_id=r["id"],
            title=r["title"],
            company_id=r["company_id"],
            applications=r["applications"],
            rejections=r["rejections"],
            passed=r["passed"],
        )
        for r in rows
    }
    if funnels:
        reasons = await conn.execute_query_dict(
            REASONS_SQL[company_id is None], [company_id, start, end, list(funnels)]
        )
        for r in reasons:
            funnels[r["opening_id"]].reasons.append(
                ReasonCount(
                    r["reason_id"], r["code"] or "", r["name_ja"] or "", r["name_en"] or "", r["n"]
                )
            )
        evaluations = await conn.execute_query_dict(
            EVALUATIONS_SQL[company_id is None], [company_id, start, end, list(funnels)]
        )
        for r in evaluations:
            funnels[r["opening_id"]].evaluations[r["evaluation"]] = r["n"]
    return list(funnels.values())


async def _rate_counts(
    conn: BaseDBAsyncClient, company_id: int | None, start: datetime, end: datetime
) -> dict[str, int]:
    rows = await conn.execute_query_dict(RATES_SQL[company_id is None], [company_id, start, end])
    return {name: int(n) for name, n in rows[0].items()}


async def build(
    company_id: int | None, period_from: datetime, period_to: datetime, timezone: str | None
) -> Report:
    """The report of one company (or the network for ``None``) over [from, to)."""
    start, end = check_period(period_from, period_to)
    tz = timezones.zone(timezone)
    # One read-only snapshot for every statement, so the figures agree with each other. JIT
    # compilation costs more than these short aggregates take (seconds against ~0.1 s).
    async with in_transaction("default") as conn:
        await conn.execute_script("SET TRANSACTION READ ONLY; SET LOCAL jit = off")
        by_week = await _weekly(conn, company_id, start, end, tz)
        savings = await conn.execute_query_dict(
            SAVINGS_SQL[company_id is None], [company_id, start, end]
        )
        openings = await _openings(conn, company_id, start, end)
        rate_counts = await _rate_counts(conn, company_id, start, end)
    weeks = [
        Week(monday, {m: by_week.get(monday, {}).get(m, 0) for m in METRICS})
        for monday in week_starts(start, end, tz)
    ]
    totals = {m: sum(w.counts[m] for w in weeks) for m in METRICS}
    return Report(
        company_id=company_id,
        period_from=start,
        period_to=end,
        timezone=tz.key,
        totals=totals,
        weeks=weeks,
        openings=openings,
        savings_yen=int(savings[0]["yen"]),
        rate_counts={
            **rate_counts,
            "accepted": totals["introductions_accepted"],
            "answered": sum(
                totals[f"introductions_{s}"] for s in ("accepted", "declined", "expired")
            ),
        },
    )


async def company_report(
    principal: Principal, period_from: datetime, period_to: datetime
) -> Report:
    """The calling company's report, weeks in the company's time zone."""
    company = await Company.get(id=principal.require_company())
    return await build(company.id, period_from, period_to, company.timezone)


async def network_report(
    principal: Principal, period_from: datetime, period_to: datetime
) -> Report:
    """Operator: the whole network's report, weeks in Japan time."""
    principal.require_operator()
    return await build(None, period_from, period_to, timezones.DEFAULT)
