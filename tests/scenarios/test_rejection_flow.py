"""Reject → exactly one mail at a real SMTP server, carrying a working registration link."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from arq.worker import Worker

from server.models import Company, MailMessage, MailStatus, Referral, ReferralStatus
from tests.schema.test_applications import APPLICATIONS, IMPORT, REJECT, open_role, row
from workers.settings import worker_settings

UNREJECT = """
mutation($input: UnrejectApplicationInput!) {
  unrejectApplication(input: $input) { application { status } userErrors { code message } }
}
"""
TEMPLATE = """
mutation($input: UpdateRejectionTemplateInput!) {
  updateRejectionTemplate(input: $input) { company { name } userErrors { field code } }
}
"""


async def drain() -> Worker:
    worker = Worker(**worker_settings(burst=True, poll_delay=0, cron_jobs=[]))
    await worker.main()
    await worker.close()
    return worker


async def applications_of(caller) -> list[str]:
    edges = (await caller(APPLICATIONS))["applications"]["edges"]
    return [e["node"]["id"] for e in edges]


async def test_reject_sends_one_mail_with_template_name_link_and_headers(
    client, company_a, redis, smtp_server, smtp_settings, fresh_mail_ids
):
    # given a company template and one application
    template = {
        "locale": "JA",
        "subject": "{{ company_name }}より選考結果のご連絡",
        "body": "{{ candidate_name }} 様\n登録: {{ registration_url }}\n"
        "停止: {{ unsubscribe_url }}\n",
    }
    assert (await company_a(TEMPLATE, {"input": template}))["updateRejectionTemplate"][
        "userErrors"
    ] == []
    opening_id = await open_role(company_a)
    await company_a(IMPORT, {"input": {"rows": [row(1, opening_id, name="山田 花子")]}})
    [application_id] = await applications_of(company_a)

    # when it is rejected and the worker runs
    data = await company_a(
        REJECT,
        {"input": {"applicationId": application_id, "reason": "skills_mismatch", "evaluation": 4}},
    )
    assert data["rejectApplication"]["userErrors"] == []
    worker = await drain()

    # then exactly one mail arrived, from the template, with a working personal link
    assert worker.jobs_complete >= 1
    assert len(smtp_server.received) == 1
    message = smtp_server.received[0].message
    assert message["Subject"] == "株式会社エーより選考結果のご連絡"
    assert smtp_server.received[0].rcpt_tos == ["person1@example.jp"]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "<http://relay.test/u/" in message["List-Unsubscribe"]
    text = message.get_body(("plain",)).get_content()
    assert text.startswith("山田 花子 様")
    link = re.search(r"http://relay.test(/r/\S+)", text).group(1)
    click = await client.get(link)
    assert click.status_code == 303 and click.headers["location"].startswith("/register/")
    referral = await Referral.get()
    assert referral.status == ReferralStatus.CLICKED
    assert referral.mailed_at is not None and referral.click_count == 1
    mailed = await MailMessage.get()
    assert mailed.status == MailStatus.SENT


async def test_rejecting_twice_sends_nothing_new(
    company_a, redis, smtp_server, smtp_settings, fresh_mail_ids
):
    opening_id = await open_role(company_a)
    await company_a(IMPORT, {"input": {"rows": [row(1, opening_id)]}})
    [application_id] = await applications_of(company_a)

    first = await company_a(REJECT, {"input": {"applicationId": application_id}})
    second = await company_a(REJECT, {"input": {"applicationId": application_id}})
    await drain()

    assert first["rejectApplication"]["referral"] == second["rejectApplication"]["referral"]
    assert len(smtp_server.received) == 1
    assert await Referral.all().count() == 1


async def test_two_applications_of_one_person_same_day_get_one_mail(
    company_a, redis, smtp_server, smtp_settings, fresh_mail_ids
):
    first_role = await open_role(company_a, "営業")
    second_role = await open_role(company_a, "経理")
    rows = [row(1, first_role), {**row(1, second_role)}]
    rows[1]["externalId"] = "ats-1"  # the same person applied twice
    await company_a(IMPORT, {"input": {"rows": rows}})
    ids = await applications_of(company_a)
    assert len(ids) == 2

    for application_id in ids:
        await company_a(REJECT, {"input": {"applicationId": application_id}})
    await drain()

    assert len(smtp_server.received) == 1
    assert await MailMessage.all().count() == 1


async def test_no_rejection_mail_while_the_person_holds_an_offer(
    company_a, redis, smtp_server, smtp_settings, fresh_mail_ids
):
    first_role = await open_role(company_a, "営業")
    second_role = await open_role(company_a, "経理")
    offered = {**row(1, first_role), "status": "OFFERED"}
    await company_a(IMPORT, {"input": {"rows": [offered, row(1, second_role)]}})
    applied = (await company_a(APPLICATIONS, {"status": "APPLIED"}))["applications"]["edges"]

    await company_a(REJECT, {"input": {"applicationId": applied[0]["node"]["id"]}})
    await drain()

    assert smtp_server.received == []
    assert await MailMessage.all().count() == 0


async def test_unreject_inside_the_undo_window_sends_no_mail(
    company_a, redis, smtp_server, smtp_settings, fresh_mail_ids
):
    await Company.filter(id=company_a.company_id).update(undo_window_minutes=10)
    opening_id = await open_role(company_a)
    await company_a(IMPORT, {"input": {"rows": [row(1, opening_id, status="IN_REVIEW")]}})
    [application_id] = await applications_of(company_a)
    await company_a(REJECT, {"input": {"applicationId": application_id}})

    data = await company_a(UNREJECT, {"input": {"applicationId": application_id}})
    await MailMessage.all().update(send_after=datetime.now(UTC) - timedelta(seconds=1))
    from server.mail import sweeper

    await sweeper.sweep(redis)
    await drain()

    assert data["unrejectApplication"] == {"application": {"status": "IN_REVIEW"}, "userErrors": []}
    assert smtp_server.received == []
    assert (await MailMessage.get()).status == MailStatus.CANCELLED
    assert (await Referral.get()).status == ReferralStatus.CANCELLED


async def test_rejected_again_after_an_undo_the_person_gets_the_new_mail(
    company_a, redis, smtp_server, smtp_settings, fresh_mail_ids
):
    await Company.filter(id=company_a.company_id).update(undo_window_minutes=10)
    opening_id = await open_role(company_a)
    await company_a(IMPORT, {"input": {"rows": [row(1, opening_id, status="IN_REVIEW")]}})
    [application_id] = await applications_of(company_a)
    await company_a(REJECT, {"input": {"applicationId": application_id}})
    await company_a(UNREJECT, {"input": {"applicationId": application_id}})

    # the same day, decided again: a new mail, and a second undo cancels that one
    await company_a(REJECT, {"input": {"applicationId": application_id}})
    statuses = [m.status for m in await MailMessage.all().order_by("id")]
    assert statuses == [MailStatus.CANCELLED, MailStatus.PENDING]
    undone = await company_a(UNREJECT, {"input": {"applicationId": application_id}})
    assert undone["unrejectApplication"]["userErrors"] == []
    statuses = [m.status for m in await MailMessage.all().order_by("id")]
    assert statuses == [MailStatus.CANCELLED, MailStatus.CANCELLED]
    assert [r.status for r in await Referral.all()] == [ReferralStatus.CANCELLED] * 2

    # decided a third time, the mail goes out once the window has passed
    await company_a(REJECT, {"input": {"applicationId": application_id}})
    await MailMessage.filter(status=MailStatus.PENDING).update(
        send_after=datetime.now(UTC) - timedelta(seconds=1)
    )
    from server.mail import sweeper

    await sweeper.sweep(redis)
    await drain()
    assert [m.rcpt_tos for m in smtp_server.received] == [["person1@example.jp"]]


async def test_unreject_after_the_mail_went_out_is_refused(
    company_a, redis, smtp_server, smtp_settings, fresh_mail_ids
):
    opening_id = await open_role(company_a)
    await company_a(IMPORT, {"input": {"rows": [row(1, opening_id)]}})
    [application_id] = await applications_of(company_a)
    await company_a(REJECT, {"input": {"applicationId": application_id}})
    await drain()

    data = await company_a(UNREJECT, {"input": {"applicationId": application_id}})

    assert [e["code"] for e in data["unrejectApplication"]["userErrors"]] == ["WRONG_STATE"]
    assert len(smtp_server.received) == 1


async def test_import_of_10000_rows_with_50_bad_ones(company_a, redis):
    opening_id = await open_role(company_a)
    rows = [row(i, opening_id, tags=["Python", "東京"]) for i in range(10_000)]
    for i in range(0, 10_000, 200):
        rows[i]["email"] = f"broken-{i}"

    first = (await company_a(IMPORT, {"input": {"rows": rows}}))["importApplications"]
    again = (await company_a(IMPORT, {"input": {"rows": rows}}))["importApplications"]

    assert (first["created"], first["rejectedRows"], len(first["userErrors"])) == (9950, 50, 50)
    assert {e["code"] for e in first["userErrors"]} == {"INVALID"}
    assert first["userErrors"][1]["field"] == ["input", "rows", "200", "email"]
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 9950)
    assert await MailMessage.all().count() == 0
