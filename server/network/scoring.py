"""Scoring: how well a candidate fits an opening, in Python and as SQL.

Score = IDF-weighted tag overlap: the sum of the weights of the tags a candidate shares with
the opening, a tag's weight being ``ln((N + 1) / (df + 1)) + 1`` over the N candidates who
share with the network (df of them carry the tag), so a rare skill outweighs a common city.
Weights live in ``tag_weight``, refreshed by a cron.

Required categories (``Settings.match_required_categories``, default LOCATION): when the
opening has tags of such a category, a candidate must share one of them; for LOCATION a
candidate who accepts remote work (a remote CONDITION tag) passes when the opening allows
remote work.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient

from server.config import get_settings
from server.models import Tag, TagCategory

REMOTE_SLUGS = ("remote-ok", "full-remote")


@dataclass(frozen=True)
class OpeningTerms:
    """What an opening is matched on: its tags by weight (heaviest first) and rules."""

    tags: list[tuple[int, float]]
    required: list[list[int]]  # per required category, the opening's tags of it
    waivable: list[bool]  # per required category, whether remote acceptance waives it
    remote_tag_ids: list[int]


def _db(conn: BaseDBAsyncClient | None = None) -> BaseDBAsyncClient:
    return conn or connections.get("default")


# --- weights ----------------------------------------------------------------------------

_REFRESH_WEIGHTS_SQL = """
WITH pool AS (
  SELECT tag_ids FROM candidate WHERE sharing AND erased_at IS NULL
), n AS (
  SELECT count(*) AS n FROM pool
), df AS (
  SELECT t AS tag_id, count(*) AS df FROM pool, unnest(pool.tag_ids) t GROUP BY t
)
INSERT INTO tag_weight (tag_id, candidate_count, weight, refreshed_at)
SELECT tag.id, coalesce(df.df, 0), ln((n.n + 1.0) / (coalesce(df.df, 0) + 1)) + 1, now()
FROM tag CROSS JOIN n LEFT JOIN df ON df.tag_id = tag.id
ON CONFLICT (tag_id) DO UPDATE SET candidate_count = EXCLUDED.candidate_count,
  weight = EXCLUDED.weight, refreshed_at = EXCLUDED.refreshed_at
"""


async def refresh_weights() -> int:
    """Recomputes every tag's IDF over the sharing candidates; returns the tags written."""
    result = await _db().execute_query(_REFRESH_WEIGHTS_SQL)
    return result[0]


async def tag_weights(tag_ids: Iterable[int], conn: BaseDBAsyncClient | None = None):
    """Weight per tag id; a tag newer than the last refresh weighs as the rarest known."""
    ids = sorted(set(tag_ids))
    rows = await _db(conn).execute_query_dict(
        "SELECT t.id, t.category, t.slug, w.weight, "
        "(SELECT max(weight) FROM tag_weight) AS top "
        "FROM tag t LEFT JOIN tag_weight w ON w.tag_id = t.id WHERE t.id = ANY($1::bigint[])",
        [ids],
    )
    return {r["id"]: (r["weight"] or r["top"] or 1.0, TagCategory(r["category"])) for r in rows}


async def remote_tags(conn: BaseDBAsyncClient | None = None) -> list[int]:
    rows = await Tag.filter(category=TagCategory.CONDITION, slug__in=REMOTE_SLUGS).using_db(
        _db(conn)
    )
    return sorted(t.id for t in rows)


async def terms(
    tag_ids: Sequence[int], remote_ok: bool, conn: BaseDBAsyncClient | None = None
) -> OpeningTerms:
    """The opening's tags with their weights, heaviest first, and its required categories."""
    weights = await tag_weights(tag_ids, conn)
    return terms_from(weights, tag_ids, remote_ok, await remote_tags(conn))


def terms_from(
    weights: dict[int, tuple[float, TagCategory]],
    tag_ids: Iterable[int],
    remote_ok: bool,
    remote_tag_ids: list[int],
) -> OpeningTerms:
    tags = sorted(
        ((t, weights[t][0]) for t in set(tag_ids) if t in weights), key=lambda x: (-x[1], x[0])
    )
    required, waivable = [], []
    for category in get_settings().match_required_categories:
        ids = sorted(t for t, _ in tags if weights[t][1] == category)
        if ids:
            required.append(ids)
            waivable.append(category == TagCategory.LOCATION and remote_ok)
    return OpeningTerms(tags, required, waivable, remote_tag_ids)


def score(terms: OpeningTerms, candidate_tags: Iterable[int]) -> tuple[float, list[int]]:
    """Score and matched tags (heaviest first) of a candidate; (0, []) when ruled out.

    Adds in the same order as :func:`select_sql`, so both give the same float.
    """
    have = set(candidate_tags)
    for ids, waive in zip(terms.required, terms.waivable, strict=True):
        if not have.intersection(ids) and not (waive and have.intersection(terms.remote_tag_ids)):
            return 0.0, []
    total, matched = 0.0, []
    for tag, weight in terms.tags:
        if tag in have:
            total += weight
            matched.append(tag)
    return total, matched


def select_sql(terms: OpeningTerms, first_param: int) -> tuple[str, list]:
    """``SELECT candidate_id, score, matched_tag_ids FROM candidate c WHERE ...`` for the
    terms, parameters numbered from ``first_param``; the caller adds conditions."""
    args: list = []

    def param(value, cast: str) -> str:
        args.append(value)
        return f"${first_param + len(args) - 1}::{cast}"

    scores, matched = [], []
    for tag, weight in terms.tags:
        # `= ANY` is about twice as fast per row as `@>` (bench/README.md); ids are ints.
        has = f"{int(tag)} = ANY(c.tag_ids)"
        scores.append(f"(CASE WHEN {has} THEN {param(weight, 'float8')} ELSE 0 END)")
        matched.append(f"CASE WHEN {has} THEN {int(tag)} END")
    where = [
        "c.sharing",
        "c.erased_at IS NULL",
        f"c.tag_ids && {param([t for t, _ in terms.tags], 'int[]')}",
    ]
    for ids, waive in zip(terms.required, terms.waivable, strict=True):
        rule = f"c.tag_ids && {param(ids, 'int[]')}"
        if waive and terms.remote_tag_ids:
            rule = f"({rule} OR c.tag_ids && {param(terms.remote_tag_ids, 'int[]')})"
        where.append(rule)
    sql = (
        f"SELECT c.id AS candidate_id, {' + '.join(scores)} AS score, "
        f"array_remove(ARRAY[{', '.join(matched)}]::int[], NULL) AS matched_tag_ids "
        f"FROM candidate c WHERE {' AND '.join(where)}"
    )
    return sql, args


async def weights_older_than(hours: int) -> bool:
    """Whether the tag weights are missing or were refreshed more than ``hours`` ago."""
    rows = await _db().execute_query_dict("SELECT max(refreshed_at) AS at FROM tag_weight")
    at = rows[0]["at"]
    return at is None or (datetime.now(UTC) - at).total_seconds() > hours * 3600
