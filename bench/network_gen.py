"""A realistic partner network generated inside PostgreSQL, for the matching benchmark.

Tags follow Zipf laws over the seeded taxonomy (``server.network.taxonomy.seed()`` must have
run): each candidate has 1–6 skills, 1–2 job types, one location (heavy on Tokyo and Osaka) and 0–3
conditions, so 3–12 tags; about 90% share their profile with the network, 1% have paused
matching, 0.5% are erased. Companies are made through the core (they need API keys); openings,
referrals (a company's own rejects), applicants and introductions are inserted in bulk with
``INSERT ... SELECT generate_series``, sampling tags from weighted pools passed as arrays.

    .venv/bin/python -m bench.network_gen --candidates 100000   # into a scratch database
"""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import dataclass, field

import asyncpg

from bench.common import Timer, scratch_database
from server.companies import accounts as companies
from server.models import Tag, TagCategory
from server.network import taxonomy
from server.principal import Principal

POOL_SIZE = 4000
CHUNK = 250_000
# Most common first; the rest of each category follows in taxonomy order.
POPULAR: dict[TagCategory, list[str]] = {
    TagCategory.SKILL: [
        "excel",
        "javascript",
        "java",
        "sql",
        "python",
        "aws",
        "typescript",
        "php",
        "react",
        "linux",
        "powerpoint",
        "csharp",
        "docker",
        "ruby",
        "go",
        "project-management",
    ],
    TagCategory.LOCATION: [
        "tokyo",
        "osaka",
        "kanagawa",
        "aichi",
        "fukuoka",
        "saitama",
        "chiba",
        "hyogo",
        "kyoto",
        "hokkaido",
        "miyagi",
        "hiroshima",
        "shizuoka",
        "tokyo-23-wards",
        "osaka-shi",
    ],
    TagCategory.CONDITION: [
        "full-time-employee",
        "remote-ok",
        "weekends-off",
        "flextime",
        "hybrid-work",
        "side-job-ok",
        "low-overtime",
    ],
    TagCategory.JOB_TYPE: [],
}
# Zipf exponent per category: locations are the most concentrated.
EXPONENT = {
    TagCategory.SKILL: 0.9,
    TagCategory.JOB_TYPE: 1.0,
    TagCategory.LOCATION: 1.25,
    TagCategory.CONDITION: 0.9,
}
HEADLINES = [
    "Webアプリケーションの開発経験があります",
    "法人営業5年、SaaSの新規開拓が得意です",
    "データ分析と可視化で事業に貢献したい",
    "インフラの自動化とクラウド移行を担当",
    "経理・財務の実務経験があります",
    "カスタマーサクセスとして解約率を改善",
]

_CANDIDATES = """
INSERT INTO candidate (email, email_normalized, display_name, headline, experience_years,
    tag_ids, desired_conditions, locale, sharing, paused_until, erased_at, created_at, updated_at)
SELECT CASE WHEN erased THEN NULL ELSE e END, CASE WHEN erased THEN NULL ELSE e END,
       CASE WHEN erased THEN '' ELSE '候補者 ' || g END,
       CASE WHEN erased THEN '' ELSE ($5::text[])[1 + (g % cardinality($5::text[]))] END,
       CASE WHEN erased THEN 0 ELSE floor(random() * 25)::int END,
       CASE WHEN erased THEN '{}'::int[] ELSE ARRAY(SELECT DISTINCT x FROM (
           SELECT ($1::int[])[1 + floor(random() * cardinality($1::int[]))::int] AS x
             FROM generate_series(1, 1 + floor(random() * 6)::int + g * 0)
           UNION ALL
           SELECT ($2::int[])[1 + floor(random() * cardinality($2::int[]))::int]
             FROM generate_series(1, 1 + floor(random() * 2)::int + g * 0)
           UNION ALL
           SELECT ($3::int[])[1 + floor(random() * cardinality($3::int[]))::int + g * 0]
           UNION ALL
           SELECT ($4::int[])[1 + floor(random() * cardinality($4::int[]))::int]
             FROM generate_series(1, floor(random() * 4)::int + g * 0)
       ) s) END,
       '', 'ja', NOT erased AND r < 0.9,
       CASE WHEN r BETWEEN 0.8 AND 0.81 THEN now() + interval '30 days' END,
       CASE WHEN erased THEN now() END, now(), now()
FROM (SELECT g, 'c' || g || '@bench.example.jp' AS e, random() AS r, random() < 0.005 AS erased
      FROM generate_series($6::int, $7::int) g) src
"""
_OPENINGS = """
INSERT INTO opening (company_id, title, description, tag_ids, remote_ok, status, created_at,
    opened_at, closed_at)
SELECT c, 'ポジション ' || g, '', ARRAY(SELECT DISTINCT x FROM (
           SELECT ($1::int[])[1 + floor(random() * cardinality($1::int[]))::int] AS x
             FROM generate_series(1, 2 + floor(random() * 4)::int + g * 0)
           UNION ALL
           SELECT ($2::int[])[1 + floor(random() * cardinality($2::int[]))::int + g * 0]
           UNION ALL
           SELECT ($3::int[])[1 + floor(random() * cardinality($3::int[]))::int + g * 0]
           UNION ALL
           SELECT ($4::int[])[1 + floor(random() * cardinality($4::int[]))::int]
             FROM generate_series(1, floor(random() * 3)::int + g * 0)
       ) s),
       random() < 0.3, 'OPEN', now(), now(), NULL
FROM unnest($5::bigint[]) c, generate_series(1, $6::int) g
"""
# A company's own rejects: referrals of ~0.5% of the network, applicants for ~0.5% more.
_REFERRALS = """
INSERT INTO referral (company_id, source, email_normalized, token_hash, status, click_count,
    created_at, expires_at, candidate_id, fraud_flags, registration_network, review)
SELECT co, 'MAIL', c.email_normalized, md5(co || ':' || c.id), 'REGISTERED', 1, now(),
       now() + interval '30 days', c.id, '[]', '', 'NONE'
FROM unnest($1::bigint[]) co
JOIN candidate c ON c.erased_at IS NULL AND (hashint8(c.id # co) & 1023) < 5
"""
_APPLICANTS = """
INSERT INTO applicant (company_id, external_id, name, email, email_normalized, tag_ids, locale,
    created_at, updated_at)
SELECT co, 'bench-' || c.id, '応募者', c.email, c.email_normalized, c.tag_ids, 'ja', now(), now()
FROM unnest($1::bigint[]) co
JOIN candidate c ON c.erased_at IS NULL AND (hashint8(c.id # co) & 1023) BETWEEN 5 AND 9
"""
_INTRODUCTIONS = """
INSERT INTO introduction (company_id, opening_id, candidate_id, status, requested_at, expires_at)
SELECT co, (SELECT min(o.id) FROM opening o WHERE o.company_id = co), c.id, 'REQUESTED', now(),
       now() + interval '14 days'
FROM unnest($1::bigint[]) co
JOIN candidate c ON c.sharing AND (hashint8(c.id # co) & 1023) = 10
"""


@dataclass
class Network:
    """What was generated: ids a benchmark needs, and counts."""

    candidates: int
    companies: list[int] = field(default_factory=list)
    keys: dict[int, str] = field(default_factory=dict)  # company id -> raw API key
    openings: int = 0
    seconds: float = 0.0


def zipf_pool(ids: list[int], exponent: float, size: int = POOL_SIZE) -> list[int]:
    """``ids`` (most common first) repeated in proportion to 1 / rank ** exponent."""
    weights = [1 / (rank**exponent) for rank in range(1, len(ids) + 1)]
    total = sum(weights)
    return [
        i for i, w in zip(ids, weights, strict=True) for _ in range(max(1, round(size * w / total)))
    ]


async def tag_pools() -> dict[TagCategory, list[int]]:
    """One weighted pool of tag ids per category, from the seeded taxonomy."""
    pools = {}
    for category in TagCategory:
        rows = await Tag.filter(category=category, reviewed=True).order_by("id")
        by_slug = {t.slug: t.id for t in rows}
        order = [s for s in POPULAR[category] if s in by_slug]
        order += [t.slug for t in rows if t.slug not in order]
        pools[category] = zipf_pool([by_slug[s] for s in order], EXPONENT[category])
    return pools


def _pool_args(pools: dict[TagCategory, list[int]]) -> list[list[int]]:
    return [
        pools[c]
        for c in (
            TagCategory.SKILL,
            TagCategory.JOB_TYPE,
            TagCategory.LOCATION,
            TagCategory.CONDITION,
        )
    ]


async def _insert_candidates(conn: asyncpg.Connection, pools, count: int) -> None:
    """Bulk insert with the GIN index dropped and rebuilt once (much faster than maintaining it)."""
    index = await conn.fetchrow(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'candidate' "
        "AND indexdef LIKE '%gin%'"
    )
    await conn.execute(f'DROP INDEX "{index["indexname"]}"')
    for start in range(1, count + 1, CHUNK):
        end = min(count, start + CHUNK - 1)
        await conn.execute(_CANDIDATES, *_pool_args(pools), HEADLINES, start, end)
    await conn.execute("SET maintenance_work_mem = '512MB'")
    await conn.execute(index["indexdef"])


async def _make_companies(count: int, network: Network) -> None:
    operator = Principal(None, None)
    for i in range(count):
        created = await companies.create(operator, f"ベンチ株式会社 {i + 1}", slug=f"bench-{i + 1}")
        network.companies.append(created.company.id)
        network.keys[created.company.id] = created.raw_key


async def generate(
    url: str, candidates: int, *, company_count: int = 10, openings_per_company: int = 10
) -> Network:
    """Fills the (migrated, Tortoise-initialised) database at ``url``; triggers stay off."""
    network = Network(candidates=candidates)
    with Timer() as timer:
        await taxonomy.seed()
        pools = await tag_pools()
        await _make_companies(company_count, network)
        conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
        try:
            # Bulk loads do not queue match refreshes: the benchmark builds matches itself.
            await conn.execute("SET session_replication_role = replica")
            await _insert_candidates(conn, pools, candidates)
            await conn.execute(
                _OPENINGS, *_pool_args(pools), network.companies, openings_per_company
            )
            for sql in (_REFERRALS, _APPLICANTS, _INTRODUCTIONS):
                await conn.execute(sql, *([network.companies] if "$1" in sql else []))
            await conn.execute("ANALYZE")
            network.openings = await conn.fetchval("SELECT count(*) FROM opening")
        finally:
            await conn.close()
    network.seconds = timer.seconds
    return network


async def _describe(url: str) -> str:
    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        rows = await conn.fetch(
            "SELECT t.category, t.slug, count(*) AS df FROM candidate c, unnest(c.tag_ids) x "
            "JOIN tag t ON t.id = x WHERE c.sharing GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 12"
        )
        stats = await conn.fetchrow(
            "SELECT count(*) AS n, count(*) FILTER (WHERE sharing) AS sharing, "
            "avg(cardinality(tag_ids)) AS tags FROM candidate"
        )
    finally:
        await conn.close()
    lines = [
        f"{stats['n']:,} candidates, {stats['sharing']:,} sharing, "
        f"{stats['tags']:.1f} tags each; most common tags:"
    ]
    lines += [f"  {r['category']:<10} {r['slug']:<20} {r['df']:>9,}" for r in rows]
    return "\n".join(lines)


async def _main(candidates: int) -> None:
    async with scratch_database() as url:
        network = await generate(url, candidates)
        print(f"generated in {network.seconds:.1f} s")
        print(await _describe(url))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--candidates", type=int, default=100_000)
    asyncio.run(_main(parser.parse_args().candidates))
