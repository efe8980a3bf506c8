"""Every connection field runs a constant number of SQL statements whatever the page size:
its nested objects go through the request's DataLoaders (schema/dataloader.py)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
import pytest_asyncio
from graphql import get_named_type

from schema.schema import schema
from server.models import (
    ApplicationEvent,
    ApplicationStatus,
    Company,
    Introduction,
    IntroductionStatus,
    Member,
    MemberRole,
    PoolNote,
    ProvisionRecord,
    Referral,
    ReferralReview,
    RejectionReason,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from server.network import credits, matching, scoring
from tests.fixtures.pool import OPERATOR, make_member, make_opening
from tests.schema.test_introductions import gid

ROWS = 6  # every list holds more rows than the larger page

# Each connection field with the nested objects a client reads: name -> (field, selection).
PAGES = {
    "openings": ("openings", "totalCount edges { node { id tags { slug } } }"),
    "applications": (
        "applications",
        "totalCount edges { node { id opening { title } applicant { name } } }",
    ),
    "application details": (
        "applications",
        "edges { node { opening { title } rejectionReason { code } history { status } } }",
    ),
    "referrals": (
        "referrals",
        "edges { node { id application { id opening { title } applicant { name } } } }",
    ),
    "creditLedger": ("creditLedger", "totalCount edges { node { id delta } } "),
    "introductions": (
        "introductions",
        "edges { node { id opening { title } candidate { headline } contact { name } } }",
    ),
    "introduced candidates": (
        "introductions",
        "totalCount edges { node { candidate { headline tags { slug } } } }",
    ),
    "talentPool": (
        "talentPool",
        "totalCount edges { node { name tags { slug }"
        " bestOpening { score opening { title } matchedTags { slug } } } }",
    ),
    "talentPool notes": ("talentPool", "edges { node { name notes { body authorName } } }"),
    "matches": (
        "matches",
        "edges { node { score candidate { headline tags { slug } } matchedTags { slug } } }",
    ),
    "companies": (
        "companies",
        "totalCount edges { node { name figures { referrals } followUpPolicy { enabled } } }",
    ),
    "company referrals": (
        "companies",
        "edges { node { referralCounts { count } referralProgress { qualified } } }",
    ),
    "auditLog": ("auditLog", "edges { node { action apiKey { name } company { name } } }"),
    "provisionRecords": ("provisionRecords", "edges { node { items company { name } } }"),
    "flaggedReferrals": (
        "flaggedReferrals",
        "totalCount edges { node { id flags company { name } } }",
    ),
    "webhookDeliveries": (
        "webhookDeliveries",
        "totalCount edges { node { id eventType attempts { statusCode latencyMs } } }",
    ),
}
ARGUMENTS = {"matches": ("opening", "ID!"), "provisionRecords": ("company", "ID")}
OPERATOR_FIELDS = {"companies", "auditLog", "provisionRecords", "flaggedReferrals"}


class Statements(logging.Handler):
    """Counts the SQL statements tortoise sends (its client logs each one at DEBUG), but for
    the API key's lookup and last-use stamp: per request, not per page."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.count = 0
        self.sql: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        sql = record.getMessage()
        if "FROM api_key k" not in sql and "UPDATE api_key SET last_used_at" not in sql:
            self.count += 1
            self.sql.append(sql)


@pytest.fixture
def statements():
    handler = Statements()
    logger = logging.getLogger("tortoise.db_client")
    level = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(level)


@pytest_asyncio.fixture
async def network(company_a, company_b, make_company):
    """Company A with ROWS of everything each list shows; B's candidates match A's opening."""
    a = await Company.get(id=company_a.company_id)
    b = await Company.get(id=company_b.company_id)
    opening = await make_opening(a, "データエンジニア", "python", "sql")
    reason = await RejectionReason.filter(company_id=a.id).first()
    writer = await Member.create(company_id=a.id, email="hr@a.example.jp", role=MemberRole.OWNER)
    for i in range(ROWS):
        await make_opening(a, f"求人 {i}", "python", f"skill-{i}")
        member = await make_member(a, f"a{i}@example.jp", "python", f"skill-{i}", opening=opening)
        await PoolNote.create(company_id=a.id, candidate_id=member.id, member=writer, body="メモ")
        theirs = await make_member(b, f"b{i}@example.jp", "python", "sql")
        await make_member(b, f"m{i}@example.jp", "python", "sql")  # a match of A's opening
        await Introduction.create(
            company_id=a.id,
            opening_id=opening.id,
            candidate_id=theirs.id,
            status=IntroductionStatus.ACCEPTED,
            expires_at=datetime.now(UTC) + timedelta(days=14),
        )
        await ProvisionRecord.create(candidate_id=member.id, company_id=a.id, items=["name"])
        await credits.adjust(OPERATOR, a.id, 1, f"test {i}")
        await make_company(f"会社 {i}", slug=f"company-{i}")
    applications = await a.applications.all()
    for application in applications:
        application.rejection_reason_id = reason.id if reason else None
        await application.save(update_fields=["rejection_reason_id"])
        await ApplicationEvent.create(
            company_id=a.id,
            application_id=application.id,
            status=ApplicationStatus.REJECTED,
            at=datetime.now(UTC),
        )
        await Referral.create(
            company_id=a.id,
            application_id=application.id,
            email_normalized=f"r{application.id}@example.jp",
            token_hash=f"{application.id:064d}",
            expires_at=datetime.now(UTC) + timedelta(days=30),
            fraud_flags=["BURST"],
            review=ReferralReview.HELD,
        )
    endpoint = await WebhookEndpoint.create(
        company_id=a.id, url="https://hooks.a.example.jp/relay", secret="whsec_test"
    )
    now = datetime.now(UTC)
    for i in range(ROWS):
        delivery = await WebhookDelivery.create(
            endpoint=endpoint,
            company_id=a.id,
            message_id=f"msg_{i}",
            event_type="referral.qualified",
            payload="{}",
            next_attempt_at=now,
            retry_until=now + timedelta(days=1),
            created_at=now,
        )
        await WebhookAttempt.create(delivery=delivery, at=now, status_code=500, latency_ms=12)
    await scoring.refresh_weights()
    await matching.rebuild_opening(opening.id)
    return {"opening": gid("Opening", opening.id), "company": gid("Company", a.id)}


async def _statements(caller, statements, name: str, size: int, variables: dict) -> int:
    field, selection = PAGES[name]
    declared, argument, given = "$n: Int", "", {"n": size}
    if field in ARGUMENTS:
        variable, kind = ARGUMENTS[field]
        declared += f", ${variable}: {kind}"
        argument = f"{variable}Id: ${variable}, "
        given[variable] = variables[variable]
    page = f"{field}({argument}first: $n) {{ {selection} }}"
    if field in OPERATOR_FIELDS:
        page = f"operator {{ {page} }}"
    query = f"query({declared}) {{ {page} }}"
    before = statements.count
    data = await caller(query, given)
    found = data["operator"][field] if field in OPERATOR_FIELDS else data[field]
    assert len(found["edges"]) == size, (name, found)
    return statements.count - before


def test_every_connection_field_is_counted():
    """A connection field added to the schema fails here until it is in PAGES."""
    graphql = schema._schema
    roots = [graphql.query_type, graphql.get_type("OperatorQuery")]
    connections = {
        name
        for root in roots
        for name, field in root.fields.items()
        if get_named_type(field.type).name.endswith("Connection")
    }
    assert connections == {field for field, _ in PAGES.values()}


@pytest.mark.parametrize("name", PAGES)
async def test_a_page_runs_few_statements_whatever_its_size(
    name, company_a, operator, network, statements, settings
):
    caller = operator if PAGES[name][0] in OPERATOR_FIELDS else company_a
    cache = settings.tag_cache_seconds
    settings.tag_cache_seconds = 0  # tags read every time, so both pages read them alike
    try:
        await _statements(caller, statements, name, 1, network)  # connections' first use
        small = await _statements(caller, statements, name, 1, network)
        large = await _statements(caller, statements, name, ROWS - 1, network)
    finally:
        settings.tag_cache_seconds = cache
    assert large == small, f"{name}: {small} statements for 1 row, {large} for {ROWS - 1}"
    assert large <= 4, f"{name}: {large} statements: {statements.sql[-large:]}"


async def test_a_page_reads_its_nested_objects_only_when_asked(company_a, network, statements):
    bare = "query { applications(first: 3) { edges { node { id } } } }"
    nested = "query { applications(first: 3) { edges { node { id opening { title } } } } }"
    await company_a(bare)  # connections' first use
    counts = []
    for query in (bare, nested):
        before = statements.count
        await company_a(query)
        counts.append(statements.count - before)
    assert counts[1] == counts[0] + 1, counts  # the openings, read once for the page
