"""Network matching: which consented candidates fit a company's open opening, and how well
(the score and its rules: server.network.scoring).

Design (chosen with bench/matching.py, figures in bench/README.md): each open opening keeps
its best ``MAX_MATCHES`` candidates in ``opening_match``, rebuilt by a job when the opening
opens or changes and patched per candidate when one registers, edits the profile or changes
consent. Who a company may see (server.network.eligibility: erased, not sharing, paused, its own
applicants and referrals, already introduced) is NOT baked into the table: it is applied when
the list is read, so a withdrawal takes effect at once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from arq.connections import ArqRedis
from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from server import queue
from server.config import get_settings
from server.db import GENERIC_PLANS
from server.models import Candidate, Introduction
from server.network.cards import CardData
from server.network.eligibility import MATCHABLE_SQL, is_matchable
from server.network.scoring import remote_tags, score, select_sql, tag_weights, terms, terms_from
from server.principal import Principal

log = logging.getLogger(__name__)

MAX_MATCHES = 1000  # kept per opening; a company pages through at most these
OPENING_JOB = "match_opening"
CANDIDATE_JOB = "match_candidate"


@dataclass(frozen=True)
class Match:
    candidate: CardData
    score: float
    matched_tag_ids: list[int]


def _db(conn: BaseDBAsyncClient | None = None) -> BaseDBAsyncClient:
    return conn or connections.get("default")


# --- reading ----------------------------------------------------------------------------

_PAGE_SQL = f"""
SELECT c.id, c.headline, c.experience_years, c.tag_ids, om.score, om.matched_tag_ids
FROM opening o
JOIN opening_match om ON om.opening_id = o.id
JOIN candidate c ON c.id = om.candidate_id
WHERE o.id = $3 AND o.company_id = $1 AND o.status = 'OPEN' AND {MATCHABLE_SQL}
  AND (om.score, om.candidate_id) < ($4, $5)
ORDER BY om.score DESC, om.candidate_id DESC
LIMIT $6
"""

_COUNT_SQL = f"""
SELECT count(*) AS n
FROM opening o
JOIN opening_match om ON om.opening_id = o.id
JOIN candidate c ON c.id = om.candidate_id
WHERE o.id = $3 AND o.company_id = $1 AND o.status = 'OPEN' AND {MATCHABLE_SQL}
"""

# Above any score, so the first page needs no second query text.
_TOP = (float("inf"), 0)


async def matches(
    principal: Principal,
    opening_id: int,
    limit: int,
    after: tuple[float, int] | None = None,
) -> list[Match]:
    """Best matches of the caller's open opening, best first (score, then candidate id, both
    descending), after the ``(score, candidate id)`` keyset cursor. An opening of another
    company, a closed or unknown one, has none."""
    company_id = principal.require_company()
    score, candidate_id = after or _TOP
    rows = await connections.get(GENERIC_PLANS).execute_query_dict(
        _PAGE_SQL,
        [company_id, datetime.now(UTC), opening_id, score, candidate_id, limit],
    )
    return [
        Match(
            CardData(r["id"], r["headline"], r["experience_years"], list(r["tag_ids"])),
            r["score"],
            list(r["matched_tag_ids"]),
        )
        for r in rows
    ]


async def count(principal: Principal, opening_id: int) -> int:
    """How many candidates the caller may see for its open opening (all pages)."""
    rows = await connections.get(GENERIC_PLANS).execute_query_dict(
        _COUNT_SQL, [principal.require_company(), datetime.now(UTC), opening_id]
    )
    return rows[0]["n"]


_OVERVIEW_SQL = f"""
SELECT o.id AS opening_id, n.total, top.id, top.headline, top.experience_years, top.tag_ids,
  top.score, top.matched_tag_ids
FROM opening o
CROSS JOIN LATERAL (
  SELECT count(*) AS total FROM opening_match om JOIN candidate c ON c.id = om.candidate_id
  WHERE om.opening_id = o.id AND {MATCHABLE_SQL}
) n
LEFT JOIN LATERAL (
  SELECT c.id, c.headline, c.experience_years, c.tag_ids, om.score, om.matched_tag_ids
  FROM opening_match om JOIN candidate c ON c.id = om.candidate_id
  WHERE om.opening_id = o.id AND {MATCHABLE_SQL}
  ORDER BY om.score DESC, om.candidate_id DESC
  LIMIT $4
) top ON true
WHERE o.id = ANY($3::bigint[]) AND o.company_id = $1 AND o.status = 'OPEN'
ORDER BY o.id, top.score DESC, top.id DESC
"""


async def overview(
    principal: Principal, opening_ids: list[int], limit: int
) -> dict[int, tuple[int, list[Match]]]:
    """For each of the caller's open openings among these ids: how many candidates it may
    see (``count``) and the best ``limit`` of them (``matches``), in one statement. Other
    companies' and closed openings are left out."""
    rows = await connections.get(GENERIC_PLANS).execute_query_dict(
        _OVERVIEW_SQL,
        [principal.require_company(), datetime.now(UTC), list(opening_ids), limit],
    )
    found: dict[int, tuple[int, list[Match]]] = {}
    for r in rows:
        _, matches = found.setdefault(r["opening_id"], (r["total"], []))
        if r["id"] is not None:
            matches.append(
                Match(
                    CardData(r["id"], r["headline"], r["experience_years"], list(r["tag_ids"])),
                    r["score"],
                    list(r["matched_tag_ids"]),
                )
            )
    return found


async def card(principal: Principal, candidate_id: int) -> Candidate | None:
    """The candidate behind a card, when the calling company may see it: matchable now, or
    already introduced to this company (its introduction shows the card); else None."""
    company_id = principal.company_id
    if company_id is None:
        return None
    if not await is_matchable(company_id, candidate_id, datetime.now(UTC)):
        introduced = await Introduction.exists(company_id=company_id, candidate_id=candidate_id)
        if not introduced:
            return None
    return await Candidate.get_or_none(id=candidate_id, erased_at=None)


# --- maintaining the table --------------------------------------------------------------


async def rebuild_opening(opening_id: int, limit: int = MAX_MATCHES) -> int:
    """Recomputes an opening's best matches from scratch; a closed or deleted opening loses
    them. Returns the rows kept. Safe to run twice and concurrently (the opening row lock
    serialises rebuilds and candidate patches of the same opening)."""
    async with in_transaction("default") as conn:
        rows = await conn.execute_query_dict(
            "SELECT tag_ids, remote_ok, status FROM opening WHERE id = $1 FOR NO KEY UPDATE",
            [opening_id],
        )
        await conn.execute_query("DELETE FROM opening_match WHERE opening_id = $1", [opening_id])
        if not rows or rows[0]["status"] != "OPEN" or not rows[0]["tag_ids"]:
            await conn.execute_query(
                "DELETE FROM opening_match_run WHERE opening_id = $1", [opening_id]
            )
            return 0
        opening = rows[0]
        found = await terms(opening["tag_ids"], opening["remote_ok"], conn)
        select, args = select_sql(found, 3)
        kept = await conn.execute_query_dict(
            "WITH best AS ("
            f"  {select} ORDER BY score DESC, candidate_id DESC LIMIT $2"
            ") INSERT INTO opening_match (opening_id, candidate_id, score, matched_tag_ids) "
            "SELECT $1, candidate_id, score, matched_tag_ids FROM best "
            "RETURNING score",
            [opening_id, limit, *args],
        )
        floor = min(r["score"] for r in kept) if len(kept) >= limit else 0.0
        await conn.execute_query(
            "INSERT INTO opening_match_run (opening_id, tag_ids, remote_ok, floor_score, "
            "built_at) VALUES ($1, $2, $3, $4, now()) ON CONFLICT (opening_id) DO UPDATE SET "
            "tag_ids = EXCLUDED.tag_ids, remote_ok = EXCLUDED.remote_ok, "
            "floor_score = EXCLUDED.floor_score, built_at = EXCLUDED.built_at",
            [opening_id, list(opening["tag_ids"]), opening["remote_ok"], floor],
        )
    return len(kept)


async def update_candidate(candidate_id: int) -> int:
    """Brings one candidate's rows in every open opening's list up to date (after
    registration, a profile edit or a consent change). Returns the rows written.

    Only scores reaching an opening's floor enter a full list (the list may then run a little
    over its size until the next rebuild). Safe to run twice and concurrently.
    """
    async with in_transaction("default") as conn:
        found = await conn.execute_query_dict(
            "SELECT tag_ids, sharing AND erased_at IS NULL AS active FROM candidate WHERE id = $1",
            [candidate_id],
        )
        tags = list(found[0]["tag_ids"]) if found and found[0]["active"] else []
        # Openings it may enter, and those it is in now, locked against a concurrent rebuild;
        # their floors are read after the lock, so a rebuild that held it is seen.
        locked = await conn.execute_query_dict(
            "SELECT o.id FROM opening o WHERE o.status = 'OPEN' AND (o.tag_ids && $2::int[] "
            "OR o.id IN (SELECT opening_id FROM opening_match WHERE candidate_id = $1)) "
            "ORDER BY o.id FOR SHARE",
            [candidate_id, tags],
        )
        openings = await conn.execute_query_dict(
            "SELECT o.id, o.tag_ids, o.remote_ok, coalesce(r.floor_score, 0) AS floor "
            "FROM opening o LEFT JOIN opening_match_run r ON r.opening_id = o.id "
            "WHERE o.id = ANY($1::bigint[]) AND o.status = 'OPEN'",
            [[r["id"] for r in locked]],
        )
        rows = await _scored(openings, tags, conn)
        keep = [o for o, *_ in rows]
        await conn.execute_query(
            "DELETE FROM opening_match WHERE candidate_id = $1 "
            "AND NOT (opening_id = ANY($2::bigint[]))",
            [candidate_id, keep],
        )
        if rows:
            await conn.execute_query(
                "INSERT INTO opening_match (opening_id, candidate_id, score, matched_tag_ids) "
                "SELECT o, $1, s, ARRAY(SELECT json_array_elements_text(m)::int) "
                "FROM unnest($2::bigint[], $3::float8[], $4::json[]) AS x(o, s, m) "
                "ON CONFLICT (opening_id, candidate_id) DO UPDATE SET score = EXCLUDED.score, "
                "matched_tag_ids = EXCLUDED.matched_tag_ids",
                [
                    candidate_id,
                    keep,
                    [s for _, s, _ in rows],
                    [_json_ints(m) for *_, m in rows],
                ],
            )
    return len(rows)


def _json_ints(values: list[int]) -> str:
    return "[" + ",".join(str(v) for v in values) + "]"


async def _scored(openings: list[dict], tags: list[int], conn) -> list[tuple[int, float, list]]:
    """(opening id, score, matched tags) where the candidate reaches the opening's floor."""
    if not tags or not openings:
        return []
    rows = []
    remote = await remote_tags(conn)
    weights = await tag_weights({t for o in openings for t in o["tag_ids"]}, conn)
    for opening in openings:
        found = terms_from(weights, opening["tag_ids"], opening["remote_ok"], remote)
        value, matched = score(found, tags)
        if matched and value >= opening["floor"]:
            rows.append((opening["id"], value, matched))
    return rows


# --- jobs and sweeping ------------------------------------------------------------------


async def enqueue_opening(redis: ArqRedis | None, opening_id: int, *, sweep: bool = False) -> None:
    """Queues a rebuild of the opening's matches (call after the commit).

    An edit always queues one (a job id would block the rebuild of a second edit while the
    first one's result is kept); the sweeper's carry a job id, so a rebuild still queued is
    not queued again. arq job ids are global to a Redis server, so they carry the queue name.
    """
    if redis is not None:
        own = f"{OPENING_JOB}:sweep:{opening_id}"
        job_id = f"{get_settings().queue_name}:{own}" if sweep else None
        await queue.enqueue(redis, OPENING_JOB, opening_id, job_id=job_id)


async def enqueue_candidate(redis: ArqRedis | None, candidate_id: int) -> None:
    """Queues an update of the candidate's matches (call after the commit)."""
    if redis is not None:
        await queue.enqueue(redis, CANDIDATE_JOB, candidate_id)


async def stale_openings(max_age_hours: int = 24) -> list[int]:
    """Open openings whose matches are missing, built from other tags or rules, or older than
    ``max_age_hours`` (weights move as the network grows)."""
    rows = await _db().execute_query_dict(
        "SELECT o.id FROM opening o LEFT JOIN opening_match_run r ON r.opening_id = o.id "
        "WHERE o.status = 'OPEN' AND (r.opening_id IS NULL OR r.tag_ids <> o.tag_ids "
        "OR r.remote_ok <> o.remote_ok OR r.built_at < now() - make_interval(hours => $1)) "
        "ORDER BY o.id",
        [max_age_hours],
    )
    return [r["id"] for r in rows]


async def drop_closed() -> int:
    """Forgets the matches of openings that are no longer open."""
    result = await _db().execute_query(
        "DELETE FROM opening_match_run r USING opening o "
        "WHERE o.id = r.opening_id AND o.status <> 'OPEN'"
    )
    await _db().execute_query(
        "DELETE FROM opening_match m WHERE NOT EXISTS (SELECT 1 FROM opening_match_run r "
        "WHERE r.opening_id = m.opening_id) AND EXISTS (SELECT 1 FROM opening o "
        "WHERE o.id = m.opening_id AND o.status <> 'OPEN')"
    )
    return result[0]
