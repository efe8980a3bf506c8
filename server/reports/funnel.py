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

MAX_PERIOD = timedelta(days=731)  # two years, a leap day included
# Periods lie within these years: weeks and time zones stay inside the calendar (year 9999
# overflowed), and nothing happened before the network existed.
FIRST_YEAR, LAST_YEAR = 2000, 2999
MAX_OPENINGS = 100

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

# Every statement comes in two forms: for one company ($1 is its id, so the company indexes
# serve) and for the network ($1 is NULL and only a constant test). $2 from (inclusive),
# $3 to (exclusive).
_COMPANY = {False: "{alias}company_id = $1", True: "$1::bigint IS NULL"}
_PERIOD = "{column} >= $2 AND {column} < $3"

# A REJECTED event counts unless a later event moved its application elsewhere (an undone
# rejection). NOT EXISTS lets the planner pick a nested loop over the (application_id, at)
# index for one company and a hash anti-join for the whole network.
REJECTED_EVENTS = "application_event e"
REJECTED = """e.status = 'REJECTED' AND NOT EXISTS (
  SELECT 1 FROM application_event later
  WHERE later.application_id = e.application_id AND later.at >= e.at
    AND later.status <> 'REJECTED' AND (later.at, later.id) > (e.at, e.id)
)"""


def _where(network: bool, column: str, alias: str = "") -> str:
    return f"{_COMPANY[network].format(alias=alias)} AND {_PERIOD.format(column=column)}"


def _events_sql(network: bool) -> str:
    def where(column: str, alias: str = "") -> str:
        return _where(network, column, alias)

    return f"""
SELECT 'rejections', e.at, 1 FROM {REJECTED_EVENTS}
  WHERE {REJECTED} AND {where("e.at", "e.")}
UNION ALL
SELECT CASE WHEN status = 'FAILED' THEN 'mails_bounced'
            WHEN kind = 'REJECTION' THEN 'mails_sent'
            WHEN kind = 'FOLLOW_UP' THEN 'follow_ups_sent'
            ELSE 'opening_alerts_sent' END,
       CASE WHEN status = 'FAILED' THEN claimed_at ELSE sent_at END, 1
  FROM mail_message
  WHERE {_COMPANY[network].format(alias="")} AND (
    (status = 'SENT' AND kind IN ('REJECTION', 'FOLLOW_UP', 'OPENING_ALERT')
     AND {_PERIOD.format(column="sent_at")})
    OR (status = 'FAILED' AND kind = 'REJECTION' AND {_PERIOD.format(column="claimed_at")})
  )
UNION ALL
SELECT v.metric, v.at, 1 FROM referral r
  CROSS JOIN LATERAL (VALUES ('clicks', r.first_clicked_at),
                             ('registrations', r.registered_at),
                             ('qualified_referrals', r.qualified_at)) AS v(metric, at)
  WHERE {where("v.at", "r.")}
UNION ALL
SELECT CASE kind WHEN 'SETTLEMENT' THEN 'credits_earned'
                 WHEN 'INTRODUCTION' THEN 'credits_spent'
                 WHEN 'REFUND' THEN 'credits_refunded'
                 ELSE 'credits_adjusted' END,
       created_at,
       CASE kind WHEN 'INTRODUCTION' THEN -delta ELSE delta END
  FROM credit_entry WHERE {where("created_at")}
UNION ALL
SELECT v.metric, v.at, 1 FROM introduction i
  CROSS JOIN LATERAL (VALUES
    ('introductions_requested', i.requested_at),
    ('hires_from_introductions', i.hired_at),
    (CASE WHEN i.status IN ('ACCEPTED', 'DECLINED', 'EXPIRED')
          THEN 'introductions_' || lower(i.status) END,
     COALESCE(i.responded_at, i.expires_at))) AS v(metric, at)
  WHERE v.metric IS NOT NULL AND {where("v.at", "i.")}
UNION ALL
SELECT 'reapplications', applied_at, 1 FROM application
  WHERE source = 'REAPPLICATION' AND {where("applied_at")}
"""


def _weekly_sql(network: bool) -> str:
    return f"""
SELECT metric, date_trunc('week', at AT TIME ZONE $4)::date AS week, sum(n)::bigint AS n
FROM ({_events_sql(network)}) AS events(metric, at, n)
GROUP BY metric, week
"""


def _savings_sql(network: bool) -> str:
    return f"""
SELECT COALESCE(sum(c.agency_fee_yen), 0)::bigint AS yen
FROM introduction i JOIN company c ON c.id = i.company_id
WHERE {_where(network, "i.hired_at", "i.")}
"""


def _openings_sql(network: bool) -> str:
    return f"""
WITH apps AS (
  SELECT opening_id, count(*) AS n FROM application a
  WHERE {_where(network, "a.applied_at", "a.")} GROUP BY opening_id
), rejected AS (
  SELECT a.opening_id, count(*) AS n FROM {REJECTED_EVENTS}
  JOIN application a ON a.id = e.application_id
  WHERE {REJECTED} AND {_where(network, "e.at", "e.")} GROUP BY a.opening_id
), passed AS (
  SELECT a.opening_id, count(DISTINCT e.application_id) AS n FROM application_event e
  JOIN application a ON a.id = e.application_id
  WHERE e.status IN ('OFFERED', 'HIRED') AND {_where(network, "e.at", "e.")}
  GROUP BY a.opening_id
), active AS (
  SELECT opening_id FROM apps UNION SELECT opening_id FROM rejected
  UNION SELECT opening_id FROM passed
)
SELECT o.id, o.title, o.company_id, COALESCE(apps.n, 0) AS applications,
       COALESCE(rejected.n, 0) AS rejections, COALESCE(passed.n, 0) AS passed
FROM active JOIN opening o ON o.id = active.opening_id
LEFT JOIN apps ON apps.opening_id = o.id
LEFT JOIN rejected ON rejected.opening_id = o.id
LEFT JOIN passed ON passed.opening_id = o.id
ORDER BY COALESCE(apps.n, 0) + COALESCE(rejected.n, 0) DESC, o.id
LIMIT {MAX_OPENINGS}
"""


def _reasons_sql(network: bool) -> str:
    return f"""
SELECT a.opening_id, r.id AS reason_id, r.code, r.name_ja, r.name_en, count(*) AS n
FROM {REJECTED_EVENTS}
JOIN application a ON a.id = e.application_id
LEFT JOIN rejection_reason r ON r.id = a.rejection_reason_id
WHERE {REJECTED} AND {_where(network, "e.at", "e.")} AND a.opening_id = ANY($4::bigint[])
GROUP BY a.opening_id, r.id, r.code, r.name_ja, r.name_en
ORDER BY a.opening_id, n DESC, r.id NULLS LAST
"""


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


def _rates_sql(network: bool) -> str:
    company = _COMPANY[network].format(alias="")

    def inside(column: str) -> str:
        return _PERIOD.format(column=column)

    return f"""
WITH r AS (
  SELECT count(*) FILTER (WHERE {inside("mailed_at")}) AS mailed,
    count(*) FILTER (WHERE {inside("mailed_at")} AND first_clicked_at < $3) AS mailed_clicked,
    count(*) FILTER (WHERE {inside("first_clicked_at")}) AS clicked,
    count(*) FILTER (WHERE {inside("first_clicked_at")} AND registered_at < $3)
      AS clicked_registered,
    count(*) FILTER (WHERE {inside("registered_at")}) AS registered,
    count(*) FILTER (WHERE {inside("registered_at")} AND qualified_at < $3)
      AS registered_qualified,
    count(*) FILTER (WHERE {inside("qualified_at")}) AS qualified,
    count(*) FILTER (WHERE {inside("qualified_at")} AND EXISTS (
      SELECT 1 FROM introduction i
      WHERE i.candidate_id = referral.candidate_id AND i.requested_at < $3))
      AS qualified_introduced
  FROM referral
  WHERE {company} AND ({inside("mailed_at")} OR {inside("first_clicked_at")}
    OR {inside("registered_at")} OR {inside("qualified_at")})
), f AS (
  SELECT count(*) AS follow_ups_due,
    count(*) FILTER (WHERE status = 'SENT' AND sent_at < $3) AS follow_ups_delivered
  FROM mail_message WHERE {company} AND kind = 'FOLLOW_UP' AND {inside("created_at")}
), t AS (
  SELECT count(*) AS reapply_links, count(*) FILTER (WHERE used_at < $3) AS reapply_links_used
  FROM candidate_token WHERE {company} AND purpose = 'REAPPLY' AND {inside("created_at")}
)
SELECT * FROM r, f, t
"""


def _evaluations_sql(network: bool) -> str:
    return f"""
SELECT a.opening_id, a.evaluation, count(DISTINCT a.id) AS n
FROM application_event e JOIN application a ON a.id = e.application_id
WHERE (({REJECTED}) OR e.status IN ('OFFERED', 'HIRED'))
  AND {_where(network, "e.at", "e.")} AND a.opening_id = ANY($4::bigint[])
GROUP BY a.opening_id, a.evaluation
ORDER BY a.opening_id, a.evaluation NULLS LAST
"""


WEEKLY_SQL = {n: _weekly_sql(n) for n in (False, True)}
RATES_SQL = {n: _rates_sql(n) for n in (False, True)}
EVALUATIONS_SQL = {n: _evaluations_sql(n) for n in (False, True)}
SAVINGS_SQL = {n: _savings_sql(n) for n in (False, True)}
OPENINGS_SQL = {n: _openings_sql(n) for n in (False, True)}
REASONS_SQL = {n: _reasons_sql(n) for n in (False, True)}


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
