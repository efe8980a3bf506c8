"""Who a company may be shown or introduced from the network: one rule, used by matching (in
SQL, over many candidates) and by introductions (for one candidate).

A candidate is matchable for company X when all hold:

- the profile is not erased, shares with the network (current ``NETWORK_SHARING`` consent,
  mirrored in ``Candidate.sharing``) and is not paused;
- X never had them as its own applicant (same normalised email) nor holds a referral for
  them: X's own rejects belong in X's talent pool, not in paid network matches;
- X has no introduction to them yet (one per company and candidate, whatever its status).
"""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise import connections

from server.errors import DomainError, ErrorCode

# A WHERE fragment over ``candidate c``; $1 is the company id, $2 the current time.
# Callers number their own parameters from $3.
MATCHABLE_SQL = """
c.erased_at IS NULL
AND c.sharing
AND (c.paused_until IS NULL OR c.paused_until <= $2)
AND NOT EXISTS (
  SELECT 1 FROM applicant a
  WHERE a.company_id = $1 AND a.email_normalized = c.email_normalized
)
AND NOT EXISTS (
  SELECT 1 FROM referral r WHERE r.company_id = $1 AND r.candidate_id = c.id
)
AND NOT EXISTS (
  SELECT 1 FROM introduction i WHERE i.company_id = $1 AND i.candidate_id = c.id
)
"""


async def is_matchable(company_id: int, candidate_id: int, now: datetime | None = None) -> bool:
    """Whether the company may see and request this candidate now."""
    rows = await connections.get("default").execute_query_dict(
        f"SELECT 1 FROM candidate c WHERE c.id = $3 AND {MATCHABLE_SQL}",
        [company_id, now or datetime.now(UTC), candidate_id],
    )
    return bool(rows)


async def ensure_matchable(company_id: int, candidate_id: int, field: list[str]) -> None:
    """Raises NOT_MATCHABLE (on ``field``) unless the candidate is matchable for the company.

    The message does not say which rule failed: that would tell a company whether a person
    applied elsewhere or withdrew consent.
    """
    if not await is_matchable(company_id, candidate_id):
        raise DomainError(
            ErrorCode.NOT_MATCHABLE,
            "this candidate cannot be introduced to your company",
            field,
        )
