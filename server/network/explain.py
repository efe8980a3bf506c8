"""Why a match scores what it does, in words a recruiter reads: which of the opening's tags the
candidate shares, and how rare each is in the network (the weights of server.network.scoring).

A tag's weight is ``ln((N + 1) / (df + 1)) + 1`` over the N sharing candidates, df of them
carrying it; with df stored next to it (``tag_weight.candidate_count``), N follows, so the
share of the network carrying a tag reads from the same refresh as its weight.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from server.models import Opening, TagCategory, TagWeight
from server.network import matching, scoring

RARE_SHARE = 0.05  # at most 5% of the network carries it
UNCOMMON_SHARE = 0.20


class Rarity(StrEnum):
    RARE = "rare"
    UNCOMMON = "uncommon"
    COMMON = "common"


@dataclass(frozen=True)
class TagRarity:
    tag_id: int
    weight: float
    carriers: int  # sharing candidates carrying the tag at the last refresh
    percent: int  # of the network's sharing candidates, rounded (0-100)
    rarity: Rarity


@dataclass(frozen=True)
class Explanation:
    """One match explained: the matched tags (rarest first), out of the opening's tags."""

    matched: list[TagRarity]
    opening_tags: int  # the opening's tags the score is made of
    fit_percent: int  # the score as a share of the highest score the opening can give


def _rarity(share: float) -> Rarity:
    if share <= RARE_SHARE:
        return Rarity.RARE
    if share <= UNCOMMON_SHARE:
        return Rarity.UNCOMMON
    return Rarity.COMMON


def _of(row: TagWeight) -> TagRarity:
    network = (row.candidate_count + 1) * math.exp(row.weight - 1) - 1
    share = row.candidate_count / network if network >= 0.5 else 0.0
    share = min(max(share, 0.0), 1.0)
    return TagRarity(
        row.tag_id, row.weight, row.candidate_count, round(share * 100), _rarity(share)
    )


async def rarities(
    tag_ids: Iterable[int], weights: dict[int, tuple[float, TagCategory]] | None = None
) -> dict[int, TagRarity]:
    """How rare each tag is; a tag newer than the last refresh counts as rare (it weighs as
    the rarest known, see scoring.tag_weights, or ``weights`` when already read)."""
    ids = sorted(set(tag_ids))
    found = {r.tag_id: _of(r) for r in await TagWeight.filter(tag_id__in=ids)}
    missing = [i for i in ids if i not in found]
    if missing:
        known = weights if weights is not None else await scoring.tag_weights(missing)
        for tag_id in missing:
            if tag_id in known:
                found[tag_id] = TagRarity(tag_id, known[tag_id][0], 0, 0, Rarity.RARE)
    return found


async def explain_many(
    found: list[tuple[Opening, list[matching.Match]]],
) -> dict[tuple[int, int], Explanation]:
    """The explanation of each match of each opening, by (opening id, candidate id), in three
    reads whatever the number of openings."""
    tag_ids = {t for o, _ in found for t in o.tag_ids}
    tag_ids |= {t for _, matches in found for m in matches for t in m.matched_tag_ids}
    weights = await scoring.tag_weights(tag_ids)
    remote = await scoring.remote_tags()
    rarity = await rarities(
        (t for _, matches in found for m in matches for t in m.matched_tag_ids), weights
    )
    explained = {}
    for opening, matches in found:
        terms = scoring.terms_from(weights, opening.tag_ids, opening.remote_ok, remote)
        best = sum(weight for _, weight in terms.tags)
        for m in matches:
            explained[opening.id, m.candidate.id] = Explanation(
                matched=[rarity[t] for t in m.matched_tag_ids if t in rarity],
                opening_tags=len(terms.tags),
                fit_percent=min(100, round(100 * m.score / best)) if best > 0 else 0,
            )
    return explained


async def explain(opening: Opening, matches: list[matching.Match]) -> dict[int, Explanation]:
    """The explanation of each match of ``opening``, by candidate id."""
    explained = await explain_many([(opening, matches)])
    return {candidate_id: e for (_, candidate_id), e in explained.items()}
