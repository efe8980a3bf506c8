"""The statements of a funnel report (server/reports/funnel.py), each in two forms: for one
company and for the whole network."""

from __future__ import annotations

MAX_OPENINGS = 100  # openings in a report, busiest first

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
