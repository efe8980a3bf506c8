"""The anonymised card a company sees of a candidate, and the snapshot kept of it.

Without current sharing consent a company sees at most the card as it was when the candidate
last shared (``Candidate.shared_card``, written whenever the shared profile changes), never
later edits; a candidate who never shared shows a blank card.
"""

from __future__ import annotations

from dataclasses import dataclass

from server.models import Candidate


@dataclass(frozen=True)
class CardData:
    """What an anonymised card shows: never name, email or the referring company."""

    id: int
    headline: str
    experience_years: int
    tag_ids: list[int]


def snapshot(candidate: Candidate) -> dict:
    """The card fields as shared now (stored on the candidate while they share)."""
    return {
        "headline": candidate.headline,
        "experience_years": candidate.experience_years,
        "tag_ids": list(candidate.tag_ids),
    }


def keep_snapshot(candidate: Candidate) -> list[str]:
    """Refreshes the stored snapshot when the candidate shares; returns the fields to save."""
    if not candidate.sharing or candidate.erased_at is not None:
        return []
    candidate.shared_card = snapshot(candidate)
    return ["shared_card"]


def visible(candidate: Candidate) -> CardData:
    """The card a company may see: live while the candidate shares, else the last snapshot."""
    if candidate.sharing and candidate.erased_at is None:
        shown = snapshot(candidate)
    else:
        shown = candidate.shared_card or {} if candidate.erased_at is None else {}
    return CardData(
        id=candidate.id,
        headline=shown.get("headline", ""),
        experience_years=shown.get("experience_years", 0),
        tag_ids=list(shown.get("tag_ids", [])),
    )
