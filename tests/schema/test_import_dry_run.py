"""importApplications(dryRun): the console's dry run through GraphQL; nothing is written."""

from __future__ import annotations

from server.models import Applicant, Application, MailMessage, Referral
from tests.schema.test_applications import IMPORT, open_role, row


async def test_a_dry_run_reports_rows_and_counts_and_writes_nothing(company_a):
    opening_id = await open_role(company_a)
    rows = [row(i, opening_id) for i in range(3)]
    imported = (await company_a(IMPORT, {"input": {"rows": rows}}))["importApplications"]
    assert imported["created"] == 3

    rows[0]["status"] = "IN_REVIEW"  # an update
    rows.append(row(5, opening_id, status="REJECTED"))  # new, and would be mailed
    rows.append(row(6, opening_id, email="broken"))
    before = await Application.all().count()
    data = (await company_a(IMPORT, {"input": {"rows": rows, "dryRun": True}}))[
        "importApplications"
    ]
    assert (data["created"], data["updated"], data["unchanged"], data["rejectedRows"]) == (
        1,
        1,
        2,
        1,
    )
    assert [tuple(e["field"]) for e in data["userErrors"]] == [("input", "rows", "4", "email")]
    assert await Application.all().count() == before
    assert await Applicant.all().count() == 3
    assert await Referral.all().count() == 0 and await MailMessage.all().count() == 0
