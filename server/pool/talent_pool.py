"""A company's talent pool: its own rejected applicants who registered on the network and
keep their follow-up consent to that company (flow 7).

One entry per person (matched by normalised address between the company's applicant records
and the network profile): the profile is live (not erased, not paused), the latest
``FOLLOW_UP`` consent record for the company grants it, and the person holds no offer or hire
at the company. The entry shows the company's own data (name, address from its latest
rejected application), the person's current profile tags, the highest evaluation, whether
any rejection marked a silver medalist, the latest rejection time, and the company's open
opening that fits best.

Fit = share of an opening's tags the person has (shared tags ÷ the opening's tags), at least
one shared tag. A plain overlap: ``server.network.scoring``'s IDF weights are network-wide
and meant for strangers; here the company ranks its own openings for a person it already knows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise import connections

from server.models import Application
from server.network import tags
from server.principal import Principal

MAX_PAGE = 100

# $1 company id, $2 now. One row per pool member; callers add conditions on ``p``.
POOL_CTE = """
WITH rejected AS (
  SELECT a.email_normalized,
         max(ap.decided_at) AS rejected_at,
         max(ap.evaluation) AS evaluation,
         bool_or(ap.silver_medalist) AS silver_medalist,
         array_agg(DISTINCT ap.opening_id) AS opening_ids,
         (array_agg(a.id ORDER BY ap.decided_at DESC NULLS LAST, ap.id DESC))[1] AS applicant_id,
         (array_agg(ap.applied_at ORDER BY ap.decided_at DESC NULLS LAST, ap.id DESC))[1]
           AS applied_at
  FROM application ap JOIN applicant a ON a.id = ap.applicant_id
  WHERE ap.company_id = $1 AND ap.status = 'REJECTED'
  GROUP BY a.email_normalized
),
follow_up AS (
  SELECT DISTINCT ON (candidate_id) candidate_id, granted
  FROM consent WHERE scope = 'FOLLOW_UP' AND company_id = $1
  ORDER BY candidate_id, created_at DESC, id DESC
),
p AS (
  SELECT c.id AS candidate_id, c.tag_ids, c.locale, c.email AS candidate_email,
         r.rejected_at, r.applied_at, r.evaluation, r.silver_medalist, r.opening_ids,
         a.id AS applicant_id, a.name, a.email
  FROM rejected r
  JOIN candidate c ON c.email_normalized = r.email_normalized
  JOIN follow_up f ON f.candidate_id = c.id AND f.granted
  JOIN applicant a ON a.id = r.applicant_id
  WHERE c.erased_at IS NULL
    AND (c.paused_until IS NULL OR c.paused_until <= $2)
    AND NOT EXISTS (
      SELECT 1 FROM application h JOIN applicant ha ON ha.id = h.applicant_id
      WHERE h.company_id = $1 AND ha.email_normalized = r.email_normalized
        AND h.status IN ('OFFERED', 'HIRED')
    )
)
"""

# $1 company id: the company's open openings sharing a tag with the person, leaving out
# those the person already applied to (``{applied}``: an array of opening ids).
_FIT = """
SELECT o.id, o.title, o.opened_at,
       ARRAY(SELECT unnest(o.tag_ids) INTERSECT SELECT unnest({tags}::int[])) AS matched,
       greatest(cardinality(o.tag_ids), 1) AS size
FROM opening o
WHERE o.company_id = $1 AND o.status = 'OPEN' AND o.tag_ids && {tags}::int[]
  AND NOT (o.id = ANY({applied}))
"""
_ORDER = (
    "ORDER BY cardinality(matched)::float / size DESC, cardinality(matched) DESC, "
    "opened_at DESC, id DESC"
)


@dataclass(frozen=True)
class Fit:
    opening_id: int
    title: str
    score: float
    matched_tag_ids: list[int]


@dataclass(frozen=True)
class PoolEntry:
    candidate_id: int
    applicant_id: int
    name: str
    email: str
    tag_ids: list[int]
    evaluation: int | None
    silver_medalist: bool
    rejected_at: datetime
    opening_ids: list[int]
    best: Fit | None


@dataclass(frozen=True)
class Filters:
    tag: str | None = None
    opening_id: int | None = None
    evaluation_min: int | None = None
    silver_medalist: bool | None = None
    rejected_before: datetime | None = None
    rejected_after: datetime | None = None


def _fit(row: dict) -> Fit:
    matched = list(row["matched"] or [])
    return Fit(row["id"], row["title"], round(len(matched) / row["size"], 4), matched)


async def applied_openings(company_id: int, email_normalized: str) -> list[int]:
    """Openings of the company the person (by address) ever applied to."""
    return list(
        await Application.filter(
            company_id=company_id, applicant__email_normalized=email_normalized
        ).values_list("opening_id", flat=True)
    )


async def fits(
    company_id: int, tag_ids: list[int], *, applied: list[int] | None = None, limit: int = 3
) -> list[Fit]:
    """The company's open openings that share tags with a person (except those in
    ``applied``), best first."""
    if not tag_ids:
        return []
    rows = await connections.get("default").execute_query_dict(
        f"SELECT * FROM ({_FIT.format(tags='$2', applied='$4::bigint[]')}) f {_ORDER} LIMIT $3",
        [company_id, tag_ids, limit, applied or []],
    )
    return [_fit(r) for r in rows]


def fit_of(opening_tag_ids: list[int], person_tag_ids: list[int]) -> Fit | None:
    """The fit of one opening for one person (None without a shared tag); id/title unset."""
    matched = [t for t in dict.fromkeys(opening_tag_ids) if t in set(person_tag_ids)]
    if not matched:
        return None
    return Fit(0, "", round(len(matched) / max(len(set(opening_tag_ids)), 1), 4), matched)


async def _where(filters: Filters, params: list) -> list[str]:
    """SQL conditions on ``p`` for the filters; appends their parameters.

    An unknown tag text matches nobody (it is looked up, never created).
    """
    conditions = []

    def param(value: object) -> str:
        params.append(value)
        return f"${len(params)}"

    if filters.tag is not None:
        found = await tags.resolve([filters.tag], create=False)
        conditions.append(f"p.tag_ids && {param([t.id for t in found])}::int[]")
    if filters.opening_id is not None:
        conditions.append(f"{param(filters.opening_id)}::bigint = ANY(p.opening_ids)")
    if filters.evaluation_min is not None:
        conditions.append(f"p.evaluation >= {param(filters.evaluation_min)}")
    if filters.silver_medalist is not None:
        conditions.append(f"p.silver_medalist = {param(filters.silver_medalist)}")
    if filters.rejected_before is not None:
        conditions.append(f"p.rejected_at < {param(filters.rejected_before)}")
    if filters.rejected_after is not None:
        conditions.append(f"p.rejected_at >= {param(filters.rejected_after)}")
    return conditions


def _entry(row: dict) -> PoolEntry:
    best = None
    if row["best_id"] is not None:
        best = _fit(
            {
                "id": row["best_id"],
                "title": row["best_title"],
                "matched": row["best_matched"],
                "size": row["best_size"],
            }
        )
    return PoolEntry(
        candidate_id=row["candidate_id"],
        applicant_id=row["applicant_id"],
        name=row["name"],
        email=row["email"],
        tag_ids=list(row["tag_ids"] or []),
        evaluation=row["evaluation"],
        silver_medalist=row["silver_medalist"],
        rejected_at=row["rejected_at"],
        opening_ids=list(row["opening_ids"] or []),
        best=best,
    )


async def entries(
    principal: Principal,
    now: datetime,
    filters: Filters = Filters(),
    *,
    after: int | None = None,
    limit: int = 20,
) -> tuple[list[PoolEntry], int]:
    """One page of the caller's pool, by candidate id, and the total count of the filtered pool.

    ``after`` is the last candidate id of the previous page; ``limit`` is capped at 100.
    """
    company_id = principal.require_company()
    params: list = [company_id, now]
    conditions = await _where(filters, params) or ["TRUE"]
    where = " AND ".join(conditions)
    counted = await connections.get("default").execute_query_dict(
        f"{POOL_CTE} SELECT count(*) AS n FROM p WHERE {where}", params
    )
    page_params = [*params, after or 0, min(limit, MAX_PAGE + 1)]
    n = len(page_params)
    rows = await connections.get("default").execute_query_dict(
        f"""{POOL_CTE}
        SELECT p.*, best.id AS best_id, best.title AS best_title, best.matched AS best_matched,
               best.size AS best_size
        FROM p LEFT JOIN LATERAL (
          SELECT * FROM ({_FIT.format(tags="p.tag_ids", applied="p.opening_ids")}) f
          {_ORDER} LIMIT 1
        ) best ON TRUE
        WHERE {where} AND p.candidate_id > ${n - 1}
        ORDER BY p.candidate_id LIMIT ${n}""",
        page_params,
    )
    return [_entry(r) for r in rows], counted[0]["n"]


async def members(company_id: int, now: datetime, extra: str = "TRUE", args: list | None = None):
    """Rows of the pool (plain dicts of ``p``) matching an extra condition on ``p``; the
    extra condition numbers its parameters from $3."""
    return await connections.get("default").execute_query_dict(
        f"{POOL_CTE} SELECT p.* FROM p WHERE {extra} ORDER BY p.candidate_id",
        [company_id, now, *(args or [])],
    )


async def member(company_id: int, candidate_id: int, now: datetime) -> dict | None:
    """The pool row of one person, or None when they are not in the company's pool now."""
    rows = await members(company_id, now, "p.candidate_id = $3", [candidate_id])
    return rows[0] if rows else None


async def get(principal: Principal, candidate_id: int, now: datetime) -> PoolEntry | None:
    """One entry of the caller's pool (None when the person is not in it)."""
    found, _ = await entries(principal, now, after=candidate_id - 1, limit=1)
    return found[0] if found and found[0].candidate_id == candidate_id else None
