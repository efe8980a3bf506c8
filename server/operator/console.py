"""The operator's console: key figures of companies, mail queue health, the audit log,
provision records, erasure on request, and the network's liquidity.

Every function here is operator-only (``principal.require_operator()``); every one that
changes something writes an audit event naming the calling key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from arq.connections import ArqRedis
from tortoise import connections
from tortoise.expressions import Q
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from server import audit
from server.candidates import profiles as candidates
from server.errors import DomainError, ErrorCode, NotFound
from server.mail import outbox
from server.models import (
    AuditEvent,
    Candidate,
    Company,
    MailKind,
    MailMessage,
    MailStatus,
    ProvisionRecord,
    TagCategory,
)
from server.principal import Principal
from server.text import normalize

MAX_SEARCH = 100


@dataclass(frozen=True)
class CompanyFigures:
    referrals: int
    qualified: int
    introductions: int
    last_key_used_at: datetime | None


_FIGURES_SQL = """
SELECT c.id,
  (SELECT count(*) FROM referral r WHERE r.company_id = c.id) AS referrals,
  (SELECT count(*) FROM referral r WHERE r.company_id = c.id AND r.qualified_at IS NOT NULL)
    AS qualified,
  (SELECT count(*) FROM introduction i WHERE i.company_id = c.id) AS introductions,
  (SELECT max(k.last_used_at) FROM api_key k WHERE k.company_id = c.id) AS last_key_used_at
FROM company c WHERE c.id = ANY($1::bigint[])
"""


async def company_figures(company_ids: list[int]) -> dict[int, CompanyFigures]:
    """Key figures of the given companies, in one query (for a DataLoader)."""
    rows = await connections.get("default").execute_query_dict(_FIGURES_SQL, [company_ids])
    return {
        r["id"]: CompanyFigures(
            r["referrals"], r["qualified"], r["introductions"], r["last_key_used_at"]
        )
        for r in rows
    }


def companies(principal: Principal, search: str | None = None) -> QuerySet[Company]:
    """Operator: companies whose name or slug contains ``search`` (NFKC, any case)."""
    principal.require_operator()
    query = Company.all()
    term = normalize(search or "")
    if len(term) > MAX_SEARCH:
        raise DomainError(ErrorCode.TOO_LONG, f"at most {MAX_SEARCH} characters", ["search"])
    if term:
        query = query.filter(Q(name__icontains=term) | Q(slug__icontains=term))
    return query


@dataclass
class KindHealth:
    kind: MailKind
    pending: int = 0
    due: int = 0
    sending: int = 0
    failed: int = 0
    suppressed: int = 0
    sent_last_day: int = 0


@dataclass
class MailQueueHealth:
    by_kind: list[KindHealth]
    oldest_pending_at: datetime | None
    oldest_due_at: datetime | None
    checked_at: datetime
    totals: KindHealth = field(init=False)

    def __post_init__(self) -> None:
        self.totals = KindHealth(kind=MailKind.REJECTION)
        for item in self.by_kind:
            for name in ("pending", "due", "sending", "failed", "suppressed", "sent_last_day"):
                setattr(self.totals, name, getattr(self.totals, name) + getattr(item, name))

    @staticmethod
    def _age(since: datetime | None, now: datetime) -> int | None:
        return max(0, int((now - since).total_seconds())) if since else None

    @property
    def oldest_pending_age(self) -> int | None:
        return self._age(self.oldest_pending_at, self.checked_at)

    @property
    def oldest_due_age(self) -> int | None:
        return self._age(self.oldest_due_at, self.checked_at)


_QUEUE_SQL = """
SELECT kind,
  count(*) FILTER (WHERE status = 'PENDING') AS pending,
  count(*) FILTER (WHERE status = 'PENDING' AND send_after <= $1) AS due,
  count(*) FILTER (WHERE status = 'SENDING') AS sending,
  count(*) FILTER (WHERE status = 'FAILED') AS failed,
  count(*) FILTER (WHERE status = 'SUPPRESSED') AS suppressed,
  count(*) FILTER (WHERE status = 'SENT' AND sent_at > $1 - interval '1 day') AS sent_last_day,
  min(created_at) FILTER (WHERE status = 'PENDING') AS oldest_pending,
  min(send_after) FILTER (WHERE status = 'PENDING' AND send_after <= $1) AS oldest_due
FROM mail_message GROUP BY kind
"""


async def mail_queue(principal: Principal, now: datetime | None = None) -> MailQueueHealth:
    """Operator: the outbox by kind, with the age of the oldest waiting mail."""
    principal.require_operator()
    now = now or datetime.now(UTC)
    rows = await connections.get("default").execute_query_dict(_QUEUE_SQL, [now])
    found = {r["kind"]: r for r in rows}
    by_kind = []
    for kind in MailKind:
        row = found.get(kind.value, {})
        by_kind.append(
            KindHealth(
                kind,
                **{
                    n: row.get(n, 0)
                    for n in ("pending", "due", "sending", "failed", "suppressed", "sent_last_day")
                },
            )
        )
    oldest = [r["oldest_pending"] for r in rows if r["oldest_pending"]]
    oldest_due = [r["oldest_due"] for r in rows if r["oldest_due"]]
    return MailQueueHealth(
        by_kind=by_kind,
        oldest_pending_at=min(oldest, default=None),
        oldest_due_at=min(oldest_due, default=None),
        checked_at=now,
    )


def audit_log(
    principal: Principal, action: str | None = None, company_id: int | None = None
) -> QuerySet[AuditEvent]:
    """Operator: audit events, optionally of one action and of one company (the company that
    acted, or the company acted upon)."""
    principal.require_operator()
    query = AuditEvent.all()
    if action:
        query = query.filter(action=action)
    if company_id is not None:
        query = query.filter(
            Q(company_id=company_id) | Q(target_type="Company", target_id=str(company_id))
        )
    return query


def provision_records(
    principal: Principal, candidate_id: int | None = None, company_id: int | None = None
) -> QuerySet[ProvisionRecord]:
    """Operator: hand-overs of personal data to companies, of one candidate or one company.

    Raises:
        DomainError: REQUIRED unless exactly one of the two is given.
    """
    principal.require_operator()
    if (candidate_id is None) == (company_id is None):
        raise DomainError(
            ErrorCode.REQUIRED, "give either candidateId or companyId", ["candidateId"]
        )
    if candidate_id is not None:
        return ProvisionRecord.filter(candidate_id=candidate_id)
    return ProvisionRecord.filter(company_id=company_id)


async def erase_candidate(
    principal: Principal, candidate_id: int, redis: ArqRedis | None = None
) -> Candidate:
    """Operator: erases a profile on the person's request (by mail, phone...), audited.

    The erasure and its audit event commit together; the companies' notices are enqueued
    after the commit.

    Raises:
        DomainError: FORBIDDEN; NOT_FOUND candidate.
    """
    principal.require_operator()
    async with in_transaction("default"):
        before = await Candidate.get_or_none(id=candidate_id)
        if before is None:
            raise NotFound("candidate", ["candidateId"])
        candidate = await candidates.erase(candidate_id)
        if before.erased_at is None:
            await audit.record(principal, "candidate.erase", "Candidate", candidate_id)
    notices = await MailMessage.filter(
        kind=MailKind.ERASURE_NOTICE,
        status=MailStatus.PENDING,
        dedupe_key__startswith=f"erasure:{candidate_id}:",
    ).values_list("id", flat=True)
    if redis is not None and notices:
        await outbox.enqueue_send(redis, list(notices))
    return candidate


@dataclass(frozen=True)
class TagLiquidity:
    tag_id: int
    category: TagCategory
    slug: str
    label_ja: str
    label_en: str
    candidates: int
    open_openings: int

    @property
    def candidates_per_opening(self) -> float | None:
        return self.candidates / self.open_openings if self.open_openings else None


# Candidates who may be matched at all (the company-specific rules of server.network.eligibility
# need a company; network-wide only the person's own state counts).
_TAG_LIQUIDITY_SQL = """
WITH supply AS (
  SELECT unnest(c.tag_ids) AS tag_id, count(*) AS n FROM candidate c
  WHERE c.erased_at IS NULL AND c.sharing AND (c.paused_until IS NULL OR c.paused_until <= $1)
  GROUP BY 1
), demand AS (
  SELECT unnest(o.tag_ids) AS tag_id, count(*) AS n FROM opening o
  JOIN company co ON co.id = o.company_id
  WHERE o.status = 'OPEN' AND co.status = 'ACTIVE' GROUP BY 1
)
SELECT t.id, t.category, t.slug, t.label_ja, t.label_en,
       COALESCE(s.n, 0) AS candidates, d.n AS open_openings
FROM demand d JOIN tag t ON t.id = d.tag_id LEFT JOIN supply s ON s.tag_id = d.tag_id
WHERE ($2::text IS NULL OR t.category = $2)
ORDER BY COALESCE(s.n, 0)::float / d.n, d.n DESC, t.id
LIMIT $3
"""


async def tag_liquidity(
    principal: Principal,
    category: TagCategory | None = None,
    limit: int = 50,
    now: datetime | None = None,
) -> list[TagLiquidity]:
    """Operator: for each tag of open openings, matchable candidates carrying it and open
    openings asking for it; the scarcest supply first."""
    principal.require_operator()
    rows = await connections.get("default").execute_query_dict(
        _TAG_LIQUIDITY_SQL,
        [now or datetime.now(UTC), category.value if category else None, limit],
    )
    return [
        TagLiquidity(
            r["id"],
            TagCategory(r["category"]),
            r["slug"],
            r["label_ja"],
            r["label_en"],
            r["candidates"],
            r["open_openings"],
        )
        for r in rows
    ]


@dataclass(frozen=True)
class ReferralQuality:
    company_id: int
    name: str
    reached: int
    qualified: int

    @property
    def quality(self) -> float | None:
        return self.qualified / self.reached if self.reached else None


# Reached: the rejection mail went out, the person came through the company's own link, or
# (whatever the mail's state) opened the link or registered.
_QUALITY_SQL = """
SELECT c.id, c.name,
  count(r.id) FILTER (
    WHERE r.mailed_at IS NOT NULL OR r.source = 'LINK' OR r.first_clicked_at IS NOT NULL
       OR r.registered_at IS NOT NULL
  ) AS reached,
  count(r.id) FILTER (WHERE r.qualified_at IS NOT NULL) AS qualified
FROM company c LEFT JOIN referral r ON r.company_id = c.id
GROUP BY c.id, c.name ORDER BY c.id
"""


async def referral_quality(principal: Principal) -> list[ReferralQuality]:
    """Operator: for each company, the share of its referrals that registered with consent."""
    principal.require_operator()
    rows = await connections.get("default").execute_query_dict(_QUALITY_SQL)
    return [ReferralQuality(r["id"], r["name"], r["reached"], r["qualified"]) for r in rows]
