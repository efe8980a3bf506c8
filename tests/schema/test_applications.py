"""Openings, applications, import and tenancy through GraphQL."""

from __future__ import annotations

from server.models import Applicant, Application, ApplicationStatus, MailMessage, Referral

CREATE_OPENING = """
mutation($input: CreateOpeningInput!) {
  createOpening(input: $input) {
    opening { id title status tags { slug } }
    userErrors { field code message }
  }
}
"""
IMPORT = """
mutation($input: ImportApplicationsInput!) {
  importApplications(input: $input) {
    created updated unchanged rejectedRows
    userErrors { field code message }
  }
}
"""
APPLICATIONS = """
query($status: ApplicationStatus, $openingId: ID) {
  applications(first: 100, status: $status, openingId: $openingId) {
    totalCount
    edges { node { id status applicant { externalId name email } opening { title }
      history { status } } }
  }
}
"""
REJECT = """
mutation($input: RejectApplicationInput!) {
  rejectApplication(input: $input) {
    application { status evaluation }
    referral { id status }
    userErrors { field code message }
  }
}
"""


async def open_role(caller, title="バックエンドエンジニア", tags=("Python", "東京")) -> str:
    data = await caller(CREATE_OPENING, {"input": {"title": title, "tags": list(tags)}})
    assert data["createOpening"]["userErrors"] == []
    return data["createOpening"]["opening"]["id"]


def row(i: int, opening_id: str, **extra) -> dict:
    return {
        "externalId": f"ats-{i}",
        "name": f"応募者 {i}",
        "email": f"person{i}@example.jp",
        "openingId": opening_id,
        **extra,
    }


async def test_create_opening_normalises_tags_and_is_idempotent(company_a):
    variables = {
        "input": {"title": "ＳＲＥ", "tags": ["ＰｙｔｈｏｎＸ", "pythonx"], "idempotencyKey": "k1"}
    }

    first = await company_a(CREATE_OPENING, variables)
    again = await company_a(CREATE_OPENING, variables)

    opening = first["createOpening"]["opening"]
    assert opening["title"] == "SRE"
    assert len(opening["tags"]) == 1
    assert again["createOpening"]["opening"]["id"] == opening["id"]
    variables["input"]["title"] = "Other"
    reused = await company_a(CREATE_OPENING, variables)
    assert [e["code"] for e in reused["createOpening"]["userErrors"]] == ["IDEMPOTENCY_KEY_REUSED"]


async def test_create_opening_bad_input(company_a):
    data = await company_a(CREATE_OPENING, {"input": {"title": " ", "tags": ["x" * 101]}})

    codes = {(tuple(e["field"]), e["code"]) for e in data["createOpening"]["userErrors"]}
    assert (("input", "title"), "REQUIRED") in codes


async def test_import_upserts_and_reports_bad_rows_precisely(company_a):
    opening_id = await open_role(company_a)
    rows = [row(i, opening_id) for i in range(5)]
    rows[1]["email"] = "not-an-email"
    rows[3]["externalId"] = ""
    rows.append(row(9, opening_id, openingId=None, openingTitle="ない求人"))
    rows.append(row(10, opening_id, status="REJECTED", rejectionReason="長" * 2001))

    data = (await company_a(IMPORT, {"input": {"rows": rows}}))["importApplications"]

    assert (data["created"], data["rejectedRows"]) == (3, 4)
    fields = sorted(tuple(e["field"]) for e in data["userErrors"])
    assert fields == [
        ("input", "rows", "1", "email"),
        ("input", "rows", "3", "externalId"),
        ("input", "rows", "5", "openingId"),
        ("input", "rows", "6", "rejectionReason"),
    ]
    again = (await company_a(IMPORT, {"input": {"rows": rows}}))["importApplications"]
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 3)
    assert await Applicant.all().count() == 3


async def test_import_retry_with_an_idempotency_key_returns_the_first_counts(company_a):
    # given an import of rejected rows under a key
    opening_id = await open_role(company_a)
    rows = [row(i, opening_id, status="REJECTED") for i in range(3)]
    rows.append(row(7, opening_id, email="broken"))
    first_input = {"rows": rows, "idempotencyKey": "ats-sync-2026-11-25"}
    first = (await company_a(IMPORT, {"input": first_input}))["importApplications"]
    assert (first["created"], first["rejectedRows"]) == (3, 1)

    # when the client retries it (say after a timeout)
    retry = (await company_a(IMPORT, {"input": first_input}))["importApplications"]

    # then it gets the first counts and errors, and nothing is stored or mailed twice
    assert retry == first
    assert await Referral.all().count() == 3
    assert await MailMessage.all().count() == 3

    # and the key with other rows is refused without importing them
    other = {"rows": [row(8, opening_id)], "idempotencyKey": "ats-sync-2026-11-25"}
    reused = (await company_a(IMPORT, {"input": other}))["importApplications"]
    assert [(e["field"], e["code"]) for e in reused["userErrors"]] == [
        (["input", "idempotencyKey"], "IDEMPOTENCY_KEY_REUSED")
    ]
    assert await Applicant.all().count() == 3


async def test_import_status_change_is_an_update_with_history(company_a):
    opening_id = await open_role(company_a)
    await company_a(IMPORT, {"input": {"rows": [row(1, opening_id)]}})

    data = await company_a(IMPORT, {"input": {"rows": [row(1, opening_id, status="IN_REVIEW")]}})

    assert data["importApplications"]["updated"] == 1
    listed = await company_a(APPLICATIONS, {"status": "IN_REVIEW"})
    node = listed["applications"]["edges"][0]["node"]
    assert [h["status"] for h in node["history"]] == ["APPLIED", "IN_REVIEW"]


async def test_old_imported_rejections_make_referrals_but_no_mail(company_a):
    opening_id = await open_role(company_a)
    rows = [
        row(1, opening_id, status="REJECTED", decidedAt="2020-01-01T00:00:00+00:00"),
        row(2, opening_id, status="REJECTED"),
    ]

    await company_a(IMPORT, {"input": {"rows": rows}})

    assert await Referral.all().count() == 2
    mails = await MailMessage.all()
    assert [m.recipient for m in mails] == ["person2@example.jp"]


async def test_company_cannot_see_reject_or_import_against_another(company_a, company_b):
    opening_b = await open_role(company_b)
    await company_b(IMPORT, {"input": {"rows": [row(1, opening_b)]}})
    application_b = (await company_b(APPLICATIONS))["applications"]["edges"][0]["node"]["id"]

    assert (await company_a(APPLICATIONS))["applications"]["totalCount"] == 0
    rejected = await company_a(REJECT, {"input": {"applicationId": application_b}})
    assert [e["code"] for e in rejected["rejectApplication"]["userErrors"]] == ["NOT_FOUND"]
    imported = await company_a(IMPORT, {"input": {"rows": [row(2, opening_b)]}})
    assert [e["code"] for e in imported["importApplications"]["userErrors"]] == ["NOT_FOUND"]
    node = await company_a("query($id: ID!) { node(id: $id) { id } }", {"id": application_b})
    assert node["node"] is None
    assert (await Application.get()).status == ApplicationStatus.APPLIED


async def test_hired_application_cannot_be_rejected(company_a):
    opening_id = await open_role(company_a)
    await company_a(IMPORT, {"input": {"rows": [row(1, opening_id, status="HIRED")]}})
    application_id = (await company_a(APPLICATIONS))["applications"]["edges"][0]["node"]["id"]

    data = await company_a(REJECT, {"input": {"applicationId": application_id}})

    assert data["rejectApplication"]["userErrors"] == [
        {
            "field": ["input", "applicationId"],
            "code": "WRONG_STATE",
            "message": "a hired application cannot be rejected",
        }
    ]
    assert await MailMessage.all().count() == 0


async def test_reject_bad_evaluation_is_a_user_error(company_a):
    opening_id = await open_role(company_a)
    await company_a(IMPORT, {"input": {"rows": [row(1, opening_id)]}})
    application_id = (await company_a(APPLICATIONS))["applications"]["edges"][0]["node"]["id"]

    data = await company_a(REJECT, {"input": {"applicationId": application_id, "evaluation": 9}})

    assert [e["code"] for e in data["rejectApplication"]["userErrors"]] == ["INVALID"]
    assert (await Application.get()).status == ApplicationStatus.APPLIED
