"""rejectApplications (all or none, scoped to the company) and the applications search."""

from __future__ import annotations

from server.models import Application, ApplicationStatus, MailKind, MailMessage
from tests.schema.test_applications import IMPORT, open_role, row

REJECT_MANY = """
mutation($input: RejectApplicationsInput!) {
  rejectApplications(input: $input) {
    applications { status }
    userErrors { field code message }
  }
}
"""
SEARCH = """
query($text: String, $tag: String, $from: Date, $to: Date) {
  applications(first: 100, text: $text, tag: $tag, appliedFrom: $from, appliedTo: $to) {
    totalCount
    edges { node { id applicant { name } } }
  }
}
"""


async def _ids(caller, **variables) -> list[str]:
    data = await caller(SEARCH, variables)
    return [e["node"]["id"] for e in data["applications"]["edges"]]


async def test_reject_many_rejects_all_of_the_company_or_none(company_a, company_b, redis):
    opening = await open_role(company_a)
    rows = [row(i, opening, tags=["Go"] if i == 3 else []) for i in range(1, 4)]
    await company_a(IMPORT, {"input": {"rows": rows}})
    theirs = await open_role(company_b)
    await company_b(IMPORT, {"input": {"rows": [row(9, theirs)]}})
    [b_id] = await _ids(company_b)

    assert len(await _ids(company_a, text="応募者 2")) == 1
    assert len(await _ids(company_a, text="PERSON3@")) == 1
    assert len(await _ids(company_a, tag="go")) == 1
    assert len(await _ids(company_a, **{"from": "2000-01-01", "to": "2000-01-02"})) == 0
    ids = await _ids(company_a)

    mixed = await company_a(
        REJECT_MANY, {"input": {"applicationIds": [*ids, b_id], "reason": "position_filled"}}
    )
    assert [e["code"] for e in mixed["rejectApplications"]["userErrors"]] == ["NOT_FOUND"]
    assert not await Application.filter(status=ApplicationStatus.REJECTED).exists()

    done = await company_a(
        REJECT_MANY, {"input": {"applicationIds": ids, "reason": "position_filled"}}
    )
    assert done["rejectApplications"]["userErrors"] == []
    assert [a["status"] for a in done["rejectApplications"]["applications"]] == ["REJECTED"] * 3
    assert await MailMessage.filter(kind=MailKind.REJECTION).count() == 3

    too_many = await company_a(REJECT_MANY, {"input": {"applicationIds": []}})
    assert [e["code"] for e in too_many["rejectApplications"]["userErrors"]] == ["TOO_LONG"]
