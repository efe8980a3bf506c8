"""The operator's console over GraphQL: FORBIDDEN to company keys, audited mutations, tag
merges, mail queue health, companies, audit log, provisions, erasure and liquidity."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from strawberry import relay

from schema.permissions import IsOperator
from schema.schema import schema
from server.models import (
    ApiKey,
    Applicant,
    AuditEvent,
    Candidate,
    CandidateToken,
    Company,
    Introduction,
    MailKind,
    MailMessage,
    MailStatus,
    Opening,
    ProvisionRecord,
    Referral,
    ReferralReview,
    ReferralSource,
    ReferralStatus,
    Tag,
    TagCategory,
    TokenPurpose,
)
from server.network import tags


def gid(type_name: str, pk: int) -> str:
    return str(relay.GlobalID(type_name, str(pk)))


async def key_id(raw: str) -> int:
    prefix = raw.removeprefix("rk_").split("_", 1)[0]
    return (await ApiKey.get(prefix=prefix)).id


PERIOD = '(from: "2026-01-05T00:00:00Z", to: "2026-02-02T00:00:00Z")'
OPERATOR_FIELDS = {
    "companies": "{ operator { companies { totalCount } } }",
    "ledgerCheck": "{ operator { ledgerCheck { ok } } }",
    "networkReport": f"{{ operator {{ networkReport{PERIOD} {{ totals {{ rejections }} }} }} }}",
    "mailQueue": "{ operator { mailQueue { pending } } }",
    "candidate": '{ operator { candidate(email: "a@example.jp") { id } } }',
    "auditLog": "{ operator { auditLog { totalCount } } }",
    "provisionRecords": '{ operator { provisionRecords(companyId: "x") { totalCount } } }',
    "liquidity": "{ operator { liquidity { referralQuality { quality } } } }",
    "flaggedReferrals": "{ operator { flaggedReferrals { totalCount } } }",
    "webhookHealth": "{ operator { webhookHealth { retrying } } }",
}


def operator_only_mutations() -> set[str]:
    """Every mutation of the schema guarded by IsOperator."""
    mutation = schema.schema_converter.type_map["Mutation"].definition
    return {
        schema.config.name_converter.get_graphql_name(f)
        for f in mutation.fields
        if any(p is IsOperator for p in f.permission_classes)
    }


def test_every_operator_query_field_is_guarded_and_listed_here():
    operator_query = schema.schema_converter.type_map["OperatorQuery"].definition
    names = {schema.config.name_converter.get_graphql_name(f) for f in operator_query.fields}
    assert names == set(OPERATOR_FIELDS)
    for f in operator_query.fields:
        assert IsOperator in f.permission_classes, f.name


@pytest.mark.parametrize("name", sorted(OPERATOR_FIELDS))
async def test_operator_fields_answer_forbidden_to_a_company_key(company_a, name):
    body = (await company_a.post(OPERATOR_FIELDS[name])).json()

    assert body["data"] == {"operator": None}
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]


async def seed_for_mutations(company_id: int) -> dict:
    source = await Tag.create(
        category=TagCategory.SKILL, slug="js-old", label_ja="JS", label_en="JS"
    )
    target = await Tag.create(
        category=TagCategory.SKILL, slug="javascript-x", label_ja="JavaScript", label_en="JS"
    )
    candidate = await Candidate.create(
        email="erase@example.jp", email_normalized="erase@example.jp"
    )
    held, settled = [
        await Referral.create(
            company_id=company_id,
            email_normalized=f"ref{i}@example.jp",
            token_hash=f"seed-{i}",
            status=ReferralStatus.QUALIFIED,
            review=ReferralReview.HELD,
            expires_at=datetime.now(UTC) + timedelta(days=1),
        )
        for i in (1, 2)
    ]
    return {
        "source": source,
        "target": target,
        "candidate": candidate,
        "held": held,
        "other": settled,
    }


def mutation_documents(company_id: int, seeded: dict) -> dict[str, tuple[str, dict, str]]:
    """name → (document, variables, audit action) of every operator mutation."""
    company = gid("Company", company_id)
    return {
        "createCompany": (
            "mutation($i: CreateCompanyInput!) { createCompany(input: $i) "
            "{ userErrors { code } } }",
            {"i": {"name": "新しい会社"}},
            "company.create",
        ),
        "setCompanyStatus": (
            "mutation($i: SetCompanyStatusInput!) { setCompanyStatus(input: $i) "
            "{ userErrors { code } } }",
            {"i": {"companyId": company, "status": "ACTIVE"}},
            "company.set_status",
        ),
        "adjustCredits": (
            "mutation($i: AdjustCreditsInput!) { adjustCredits(input: $i) "
            "{ userErrors { code } } }",
            {"i": {"companyId": company, "delta": 2, "memo": "goodwill"}},
            "credits.adjust",
        ),
        "upsertTag": (
            "mutation($i: UpsertTagInput!) { upsertTag(input: $i) { userErrors { code } } }",
            {
                "i": {
                    "category": "SKILL",
                    "slug": "rust-lang",
                    "labelJa": "Rust",
                    "labelEn": "Rust",
                    "synonyms": ["rustlang"],
                }
            },
            "tag.create",
        ),
        "mergeTags": (
            "mutation($i: MergeTagsInput!) { mergeTags(input: $i) { userErrors { code } } }",
            {
                "i": {
                    "sourceIds": [gid("Tag", seeded["source"].id)],
                    "targetId": gid("Tag", seeded["target"].id),
                }
            },
            "tag.merge",
        ),
        "eraseCandidate": (
            "mutation($i: EraseCandidateInput!) { eraseCandidate(input: $i) "
            "{ userErrors { code } } }",
            {"i": {"candidateId": gid("CandidateCard", seeded["candidate"].id)}},
            "candidate.erase",
        ),
        "setCompanyMailGuards": (
            "mutation($i: SetCompanyMailGuardsInput!) { setCompanyMailGuards(input: $i) "
            "{ userErrors { code } } }",
            {"i": {"companyId": company, "allowedLinkDomains": ["acme.co.jp"]}},
            "company.set_mail_guards",
        ),
        "approveReferral": (
            "mutation($i: ReviewReferralInput!) { approveReferral(input: $i) "
            "{ userErrors { code } } }",
            {"i": {"referralId": gid("Referral", seeded["held"].id)}},
            "referral.approve",
        ),
        "rejectReferral": (
            "mutation($i: ReviewReferralInput!) { rejectReferral(input: $i) "
            "{ userErrors { code } } }",
            {"i": {"referralId": gid("Referral", seeded["other"].id)}},
            "referral.reject",
        ),
    }


async def test_every_operator_mutation_is_forbidden_to_companies_and_audited_for_the_operator(
    company_a, operator
):
    # given
    seeded = await seed_for_mutations(company_a.company_id)
    documents = mutation_documents(company_a.company_id, seeded)
    assert set(documents) == operator_only_mutations()
    operator_key = await key_id(operator.key)

    for name, (document, variables, action) in documents.items():
        seen = await AuditEvent.all().count()

        # a company key: FORBIDDEN, nothing done, nothing audited
        body = (await company_a.post(document, variables)).json()
        assert body["data"] is None, name
        assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"], name
        assert await AuditEvent.all().count() == seen, name

        # the operator: done, one audit event naming the operator's key
        data = await operator(document, variables)
        assert data[name]["userErrors"] == [], name
        events = await AuditEvent.filter(id__gt=seen).order_by("id")
        assert [(e.action, e.api_key_id) for e in events] == [(action, operator_key)], name


async def test_key_creation_and_revocation_by_the_operator_are_audited(operator, company_a):
    create = (
        "mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) "
        "{ apiKey { id } userErrors { code } } }"
    )
    revoke = "mutation($i: RevokeApiKeyInput!) { revokeApiKey(input: $i) { userErrors { code } } }"
    data = await operator(
        create, {"i": {"name": "ats", "companyId": gid("Company", company_a.company_id)}}
    )
    await operator(revoke, {"i": {"apiKeyId": data["createApiKey"]["apiKey"]["id"]}})

    operator_key = await key_id(operator.key)
    actions = await AuditEvent.filter(api_key_id=operator_key).values_list("action", flat=True)
    assert sorted(actions) == ["api_key.create", "api_key.revoke"]


MERGE = """
mutation($i: MergeTagsInput!) {
  mergeTags(input: $i) {
    tag { slug synonyms } mergedIds repointed { table count }
    userErrors { field code }
  }
}
"""


async def test_merge_tags_repoints_every_use_without_duplicates(operator, company_a):
    # given: two spellings of one skill in use, one row holding both
    js = await Tag.create(
        category=TagCategory.SKILL, slug="js2", label_ja="ジャバスクリプト", label_en="JS2"
    )
    javascript = await Tag.create(
        category=TagCategory.SKILL,
        slug="javascript2",
        label_ja="JavaScript2",
        label_en="JavaScript2",
    )
    other = await Tag.create(category=TagCategory.SKILL, slug="go2", label_ja="Go2", label_en="Go2")
    opening = await Opening.create(
        company_id=company_a.company_id, title="dev", tag_ids=[js.id, other.id, javascript.id]
    )
    applicant = await Applicant.create(
        company_id=company_a.company_id,
        name="a",
        email="a@x.jp",
        email_normalized="a@x.jp",
        tag_ids=[other.id, js.id],
    )
    candidate = await Candidate.create(email_normalized="c@x.jp", tag_ids=[javascript.id])
    untouched = await Candidate.create(email_normalized="d@x.jp", tag_ids=[other.id])

    # when
    data = await operator(
        MERGE, {"i": {"sourceIds": [gid("Tag", js.id)], "targetId": gid("Tag", javascript.id)}}
    )

    # then
    payload = data["mergeTags"]
    assert payload["userErrors"] == []
    assert payload["mergedIds"] == [gid("Tag", js.id)]
    assert {r["table"]: r["count"] for r in payload["repointed"]} == {
        "opening": 1,
        "applicant": 1,
        "candidate": 0,
    }
    assert "ジャバスクリプト" in payload["tag"]["synonyms"]
    assert (await Opening.get(id=opening.id)).tag_ids == [javascript.id, other.id]
    assert (await Applicant.get(id=applicant.id)).tag_ids == [other.id, javascript.id]
    assert (await Candidate.get(id=candidate.id)).tag_ids == [javascript.id]
    assert (await Candidate.get(id=untouched.id)).tag_ids == [other.id]
    assert (await Tag.get(id=js.id)).merged_into_id == javascript.id
    # free text that named the old tag now resolves to the target
    assert [t.id for t in await tags.resolve(["ジャバスクリプト"], TagCategory.SKILL)] == [
        javascript.id
    ]


async def test_merge_tags_user_errors(operator):
    skill = await Tag.create(category=TagCategory.SKILL, slug="s1", label_ja="s1", label_en="s1")
    place = await Tag.create(category=TagCategory.LOCATION, slug="p1", label_ja="p1", label_en="p1")

    async def merge(sources: list[int], target: int) -> list[dict]:
        variables = {
            "i": {"sourceIds": [gid("Tag", s) for s in sources], "targetId": gid("Tag", target)}
        }
        return (await operator(MERGE, variables))["mergeTags"]["userErrors"]

    assert await merge([skill.id], skill.id) == [
        {"field": ["input", "sourceIds"], "code": "INVALID"}
    ]
    assert await merge([place.id], skill.id) == [
        {"field": ["input", "sourceIds"], "code": "INVALID"}
    ]
    assert await merge([], skill.id) == [{"field": ["input", "sourceIds"], "code": "REQUIRED"}]
    assert await merge([skill.id], 999_999) == [
        {"field": ["input", "targetId"], "code": "NOT_FOUND"}
    ]
    assert not await AuditEvent.filter(action="tag.merge").exists()


UPSERT = """
mutation($i: UpsertTagInput!) {
  upsertTag(input: $i) { tag { id slug labelJa synonyms reviewed } userErrors { field code } }
}
"""


async def test_upsert_tag_creates_then_edits_synonyms(operator):
    base = {"category": "SKILL", "slug": "kotlin", "labelJa": "Kotlin", "labelEn": "Kotlin"}
    created = (await operator(UPSERT, {"i": base | {"synonyms": ["ＫＴ", " kt "]}}))["upsertTag"]
    assert created["userErrors"] == []
    assert created["tag"]["synonyms"] == ["kt"]

    edited = (
        await operator(UPSERT, {"i": base | {"id": created["tag"]["id"], "synonyms": ["コトリン"]}})
    )["upsertTag"]
    assert edited["tag"]["synonyms"] == ["コトリン"]
    assert [t.slug for t in await tags.resolve(["コトリン"], TagCategory.SKILL)] == ["kotlin"]

    clash = (await operator(UPSERT, {"i": base}))["upsertTag"]
    assert clash["userErrors"] == [{"field": ["input", "slug"], "code": "ALREADY_EXISTS"}]
    bad = (await operator(UPSERT, {"i": base | {"slug": "Not A Slug", "labelJa": " "}}))[
        "upsertTag"
    ]
    assert sorted(e["code"] for e in bad["userErrors"]) == ["INVALID", "REQUIRED"]
    assert await AuditEvent.filter(action__in=["tag.create", "tag.update"]).count() == 2


MAIL_QUEUE = """
{ operator { mailQueue {
  pending due sending failed oldestPendingAgeSeconds oldestDueAgeSeconds
  byKind { kind pending due sending failed suppressed sentLastDay }
} } }
"""


async def test_mail_queue_health(operator):
    now = datetime.now(UTC)
    rows = [
        (
            MailKind.REJECTION,
            MailStatus.PENDING,
            now - timedelta(minutes=30),
            now - timedelta(hours=2),
        ),
        (
            MailKind.REJECTION,
            MailStatus.PENDING,
            now + timedelta(hours=1),
            now - timedelta(hours=1),
        ),
        (MailKind.REJECTION, MailStatus.SENDING, now, now),
        (MailKind.REJECTION, MailStatus.SENT, now, now),
        (MailKind.FOLLOW_UP, MailStatus.FAILED, now, now),
        (MailKind.FOLLOW_UP, MailStatus.PENDING, now + timedelta(days=3), now - timedelta(days=1)),
        (MailKind.OPENING_ALERT, MailStatus.SUPPRESSED, now, now),
    ]
    for i, (kind, status, send_after, created) in enumerate(rows):
        mail = await MailMessage.create(
            kind=kind,
            status=status,
            recipient=f"m{i}@x.jp",
            subject="s",
            body_text="b",
            dedupe_key=f"q{i}",
            send_after=send_after,
            sent_at=now if status == MailStatus.SENT else None,
        )
        await MailMessage.filter(id=mail.id).update(created_at=created)

    queue = (await operator(MAIL_QUEUE))["operator"]["mailQueue"]

    assert (queue["pending"], queue["due"], queue["sending"], queue["failed"]) == (3, 1, 1, 1)
    assert 86_390 <= queue["oldestPendingAgeSeconds"] <= 86_500  # a day-old pending follow-up
    assert 1_790 <= queue["oldestDueAgeSeconds"] <= 1_900  # due for half an hour
    by_kind = {k["kind"]: k for k in queue["byKind"]}
    assert set(by_kind) == {k.value for k in MailKind}
    assert by_kind["REJECTION"] | {"kind": None} == {
        "kind": None,
        "pending": 2,
        "due": 1,
        "sending": 1,
        "failed": 0,
        "suppressed": 0,
        "sentLastDay": 1,
    }
    assert by_kind["FOLLOW_UP"]["failed"] == 1 and by_kind["FOLLOW_UP"]["due"] == 0
    assert by_kind["OPENING_ALERT"]["suppressed"] == 1


COMPANIES = """
query($search: String, $status: CompanyStatus) {
  operator { companies(search: $search, status: $status) {
    totalCount
    edges { node {
      slug status creditBalance
      figures { referrals qualified introductions lastKeyUsedAt }
    } }
  } }
}
"""


async def test_companies_with_key_figures_and_filters(operator, company_a, company_b):
    # given: company A has three referrals (two qualified) and used its key
    now = datetime.now(UTC)
    for i in range(3):
        await Referral.create(
            company_id=company_a.company_id,
            email_normalized=f"p{i}@x.jp",
            token_hash=f"h{i}",
            expires_at=now + timedelta(days=9),
            qualified_at=now if i < 2 else None,
        )
    await company_a("{ viewer { id } }")

    # when
    data = await operator(COMPANIES, {"search": "ＣＯＭＰＡＮＹ-a"})

    # then: the full-width search found A only, with its figures
    companies = data["operator"]["companies"]
    assert companies["totalCount"] == 1
    node = companies["edges"][0]["node"]
    assert node["slug"] == "company-a"
    assert node["figures"] | {"lastKeyUsedAt": None} == {
        "referrals": 3,
        "qualified": 2,
        "introductions": 0,
        "lastKeyUsedAt": None,
    }
    assert node["figures"]["lastKeyUsedAt"] is not None

    await Company.filter(id=company_b.company_id).update(status="SUSPENDED")
    data = await operator(COMPANIES, {"status": "SUSPENDED"})
    assert [e["node"]["slug"] for e in data["operator"]["companies"]["edges"]] == ["company-b"]


AUDIT_LOG = """
query($first: Int, $after: String, $action: String, $companyId: ID) {
  operator { auditLog(first: $first, after: $after, action: $action, companyId: $companyId) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { action targetType targetId data apiKey { prefix } company { slug } } }
  } }
}
"""


async def test_audit_log_filters_and_pages_newest_first(operator, company_a, company_b):
    adjust = (
        "mutation($i: AdjustCreditsInput!) { adjustCredits(input: $i) { userErrors { code } } }"
    )
    for company, delta in ((company_a, 1), (company_b, 2), (company_a, 3)):
        await operator(
            adjust,
            {"i": {"companyId": gid("Company", company.company_id), "delta": delta, "memo": "m"}},
        )
    await company_a('mutation { createApiKey(input: {name: "mine"}) { userErrors { code } } }')

    # newest first, paged
    first = (await operator(AUDIT_LOG, {"first": 2, "action": "credits.adjust"}))["operator"][
        "auditLog"
    ]
    assert first["totalCount"] == 3
    assert [e["node"]["data"]["delta"] for e in first["edges"]] == [3, 2]
    rest = (
        await operator(
            AUDIT_LOG,
            {"first": 2, "action": "credits.adjust", "after": first["pageInfo"]["endCursor"]},
        )
    )["operator"]["auditLog"]
    assert [e["node"]["data"]["delta"] for e in rest["edges"]] == [1]
    assert rest["pageInfo"]["hasNextPage"] is False

    # one company: what was done to it and what its keys did
    mine = (await operator(AUDIT_LOG, {"companyId": gid("Company", company_a.company_id)}))[
        "operator"
    ]["auditLog"]
    actions = [(e["node"]["action"], e["node"]["company"]) for e in mine["edges"]]
    assert actions == [
        ("api_key.create", {"slug": "company-a"}),
        ("credits.adjust", None),
        ("credits.adjust", None),
        ("company.create", None),
    ]
    operator_prefix = operator.key.removeprefix("rk_").split("_", 1)[0]
    assert mine["edges"][1]["node"]["apiKey"] == {"prefix": operator_prefix}


PROVISIONS = """
query($candidateId: ID, $companyId: ID) {
  operator { provisionRecords(candidateId: $candidateId, companyId: $companyId) {
    totalCount edges { node { candidateId items company { slug } } }
  } }
}
"""


async def test_provision_records_by_candidate_or_company(operator, company_a, company_b):
    one = await Candidate.create(email_normalized="one@x.jp")
    two = await Candidate.create(email_normalized="two@x.jp")
    for candidate, company in ((one, company_a), (one, company_b), (two, company_a)):
        await ProvisionRecord.create(
            candidate=candidate, company_id=company.company_id, items=["name", "email"]
        )

    by_candidate = (await operator(PROVISIONS, {"candidateId": gid("CandidateCard", one.id)}))[
        "operator"
    ]["provisionRecords"]
    assert by_candidate["totalCount"] == 2
    assert [e["node"]["company"]["slug"] for e in by_candidate["edges"]] == [
        "company-b",
        "company-a",
    ]

    by_company = (await operator(PROVISIONS, {"companyId": gid("Company", company_a.company_id)}))[
        "operator"
    ]["provisionRecords"]
    assert sorted(e["node"]["candidateId"] for e in by_company["edges"]) == sorted(
        [gid("CandidateCard", one.id), gid("CandidateCard", two.id)]
    )

    body = (await operator.post(PROVISIONS, {})).json()
    assert body["errors"][0]["extensions"]["code"] == "REQUIRED"


ERASE = """
mutation($i: EraseCandidateInput!) {
  eraseCandidate(input: $i) { candidateId erasedAt userErrors { field code } }
}
"""


async def test_erase_candidate_wipes_the_profile_and_tells_receiving_companies(operator, company_a):
    await Company.filter(id=company_a.company_id).update(contact_email="hr@a.example.jp")
    candidate = await Candidate.create(
        email="p@x.jp", email_normalized="p@x.jp", display_name="山田 花子", sharing=True
    )
    opening = await Opening.create(company_id=company_a.company_id, title="dev")
    intro = await Introduction.create(
        company_id=company_a.company_id,
        opening=opening,
        candidate=candidate,
        status="ACCEPTED",
        expires_at=datetime.now(UTC),
    )
    await ProvisionRecord.create(
        candidate=candidate, company_id=company_a.company_id, introduction=intro, items=["email"]
    )
    await CandidateToken.create(
        purpose=TokenPurpose.PORTAL,
        token_hash="t1",
        candidate=candidate,
        expires_at=datetime.now(UTC) + timedelta(days=1),
    )

    data = await operator(ERASE, {"i": {"candidateId": gid("CandidateCard", candidate.id)}})

    assert data["eraseCandidate"]["userErrors"] == []
    erased = await Candidate.get(id=candidate.id)
    assert (erased.email, erased.display_name, erased.sharing) == (None, "", False)
    assert erased.erased_at is not None
    assert not await CandidateToken.filter(candidate_id=candidate.id).exists()
    notice = await MailMessage.get(kind=MailKind.ERASURE_NOTICE)
    assert notice.recipient == "hr@a.example.jp"
    # twice is a no-op: no second audit event
    await operator(ERASE, {"i": {"candidateId": gid("CandidateCard", candidate.id)}})
    assert await AuditEvent.filter(action="candidate.erase").count() == 1

    missing = await operator(ERASE, {"i": {"candidateId": gid("CandidateCard", 999_999)}})
    assert missing["eraseCandidate"]["userErrors"] == [
        {"field": ["input", "candidateId"], "code": "NOT_FOUND"}
    ]


LIQUIDITY = """
{ operator { liquidity {
  tags(category: SKILL) { slug candidates openOpenings candidatesPerOpening }
  referralQuality { company { slug } reached qualified quality }
} } }
"""


async def test_liquidity_by_tag_and_referral_quality(operator, company_a, company_b):
    python = await Tag.create(
        category=TagCategory.SKILL, slug="py", label_ja="Python", label_en="Python"
    )
    cobol = await Tag.create(
        category=TagCategory.SKILL, slug="cobol", label_ja="COBOL", label_en="COBOL"
    )
    tokyo = await Tag.create(
        category=TagCategory.LOCATION, slug="tokyo-x", label_ja="東京", label_en="Tokyo"
    )
    for i in range(3):
        await Candidate.create(
            email_normalized=f"s{i}@x.jp", sharing=True, tag_ids=[python.id, tokyo.id]
        )
    await Candidate.create(
        email_normalized="quiet@x.jp", sharing=False, tag_ids=[python.id, cobol.id]
    )
    await Candidate.create(
        email_normalized="paused@x.jp",
        sharing=True,
        tag_ids=[cobol.id],
        paused_until=datetime.now(UTC) + timedelta(days=5),
    )
    for company in (company_a, company_b):
        await Opening.create(
            company_id=company.company_id, title="py", tag_ids=[python.id, tokyo.id]
        )
    await Opening.create(company_id=company_a.company_id, title="cobol", tag_ids=[cobol.id])
    await Opening.create(
        company_id=company_b.company_id, title="closed", tag_ids=[cobol.id], status="CLOSED"
    )
    now = datetime.now(UTC)
    # mailed and qualified; mailed only; never reached; registered before its mail went out
    fates = [(True, True, True), (True, False, False), (False, False, False), (False, True, True)]
    for i, (mailed, registered, qualified) in enumerate(fates):
        await Referral.create(
            company_id=company_a.company_id,
            email_normalized=f"r{i}@x.jp",
            token_hash=f"rq{i}",
            expires_at=now,
            mailed_at=now if mailed else None,
            registered_at=now if registered else None,
            qualified_at=now if qualified else None,
        )
    await Referral.create(
        company_id=company_b.company_id,
        source=ReferralSource.LINK,
        email_normalized="l@x.jp",
        token_hash="rql",
        expires_at=now,
    )

    data = (await operator(LIQUIDITY))["operator"]["liquidity"]

    assert data["tags"] == [
        {"slug": "cobol", "candidates": 0, "openOpenings": 1, "candidatesPerOpening": 0.0},
        {"slug": "py", "candidates": 3, "openOpenings": 2, "candidatesPerOpening": 1.5},
    ]
    assert data["referralQuality"] == [
        {"company": {"slug": "company-a"}, "reached": 3, "qualified": 2, "quality": 2 / 3},
        {"company": {"slug": "company-b"}, "reached": 1, "qualified": 0, "quality": 0.0},
    ]


async def test_liquidity_page_size_follows_the_connection_limit(operator):
    body = (await operator.post("{ operator { liquidity { tags(first: 101) { slug } } } }")).json()

    assert body["errors"][0]["extensions"]["code"] == "INVALID_PAGE_SIZE"
