"""Follow-ups, new-opening alerts and the shared mail budget, with a clock the test holds
(every core function takes ``now``); real PostgreSQL, Redis and SMTP."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from tortoise import connections
from tortoise.transactions import in_transaction

from server.applications import openings
from server.candidates import consent
from server.mail import budget as mail_budget
from server.mail import outbox, sending, suppressions
from server.mail.smtp import SmtpSender
from server.models import (
    Applicant,
    Application,
    ApplicationStatus,
    ConsentScope,
    Locale,
    MailKind,
    MailMessage,
    MailStatus,
    Opening,
    OpeningStatus,
    SuppressionReason,
)
from server.pool import followups
from tests.fixtures.pool import T0, mails, make_company, make_member, make_opening, principal

DAY = timedelta(days=1)


async def test_follow_ups_go_out_at_182_and_365_days_once_each():
    # given a person rejected at T0 and an open opening that fits them
    company = await make_company("Alpha 株式会社")
    person = await make_member(company, "taro@example.jp", "python", "sql")
    await make_opening(company, "データエンジニア", "python", "sql")

    # when the daily cron runs through two years (every 9th day, and around each delay)
    sent_on = {}
    for day in sorted({*range(0, 730, 9), 181, 182, 183, 364, 365, 366}):
        queued = await followups.send_followups(T0 + timedelta(days=day))
        for message in queued:
            sent_on[message.dedupe_key] = day

    # then exactly the 182- and 365-day follow-ups were queued, on their day
    assert sent_on == {
        followups.followup_key(company.id, person.id, 182): 182,
        followups.followup_key(company.id, person.id, 365): 365,
    }
    rows = await mails(MailKind.FOLLOW_UP)
    assert len(rows) == 2
    assert {r.recipient for r in rows} == {"taro@example.jp"}
    assert "データエンジニア" in rows[0].body_text and "/a/" in rows[0].body_text
    # the application date (20 days before the rejection), in the company's time zone
    assert "2025年2月11日に弊社の選考にご応募いただき" in rows[0].body_text
    assert "2025年3月3日" not in rows[0].body_text
    assert rows[0].headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


async def test_no_follow_up_to_withdrawn_or_suppressed_people():
    company = await make_company("Alpha 株式会社")
    await make_opening(company, "データエンジニア", "python")
    kept = await make_member(company, "kept@example.jp", "python")
    withdrawn = await make_member(company, "withdrawn@example.jp", "python")
    await consent.record(
        withdrawn, ConsentScope.FOLLOW_UP, False, source="test", company_id=company.id
    )
    await make_member(company, "never@example.jp", "python", follow_up=False)
    await make_member(company, "gone@example.jp", "python")
    await suppressions.suppress("gone@example.jp", SuppressionReason.UNSUBSCRIBED)

    queued = await followups.send_followups(T0 + timedelta(days=182))

    assert [m.candidate_id for m in queued] == [kept.id]
    assert [m.recipient for m in await mails(MailKind.FOLLOW_UP)] == ["kept@example.jp"]


async def test_no_follow_up_while_the_person_is_in_a_process_with_the_company():
    # given two rejected people, one of whom applied again and is now in review
    company = await make_company("Alpha 株式会社")
    opening = await make_opening(company, "データエンジニア", "python")
    await make_opening(company, "バックエンドエンジニア", "python")  # fits both of them
    await make_member(company, "waiting@example.jp", "python")
    await make_member(company, "again@example.jp", "python")
    applicant = await Applicant.get(company_id=company.id, email_normalized="again@example.jp")
    await Application.create(
        company_id=company.id,
        applicant=applicant,
        opening=opening,
        status=ApplicationStatus.IN_REVIEW,
        applied_at=T0 + timedelta(days=100),
    )

    # when the follow-ups come due
    await followups.send_followups(T0 + timedelta(days=182))

    # then only the one not in a process is invited
    assert [m.recipient for m in await mails(MailKind.FOLLOW_UP)] == ["waiting@example.jp"]


async def test_follow_up_without_a_fitting_opening_follows_the_policy():
    company = await make_company("Alpha 株式会社")
    await make_opening(company, "デザイナー", "figma")
    await make_member(company, "taro@example.jp", "python")

    assert await followups.send_followups(T0 + timedelta(days=182)) == []

    company.followup_without_match = True
    await company.save()
    queued = await followups.send_followups(T0 + timedelta(days=183))
    assert len(queued) == 1
    assert "/a/" not in queued[0].body_text


async def test_the_cron_twice_or_concurrently_queues_each_follow_up_once():
    company = await make_company("Alpha 株式会社")
    await make_opening(company, "データエンジニア", "python")
    for i in range(5):
        await make_member(company, f"p{i}@example.jp", "python")
    now = T0 + timedelta(days=182)

    await asyncio.gather(followups.send_followups(now), followups.send_followups(now))
    await followups.send_followups(now + timedelta(hours=1))

    rows = await mails(MailKind.FOLLOW_UP)
    assert len(rows) == 5
    assert len({r.candidate_id for r in rows}) == 5


async def test_three_companies_due_the_same_day_two_go_out_the_third_waits(smtp_server):
    # given one person rejected by three companies on the same day, 182 days ago
    now = datetime.now(UTC).replace(microsecond=0)
    companies, members = [], []
    for name in ("Alpha", "Beta", "Gamma"):
        company = await make_company(f"{name} 株式会社")
        await make_opening(company, f"{name} のエンジニア", "python")
        rejected_at = now - timedelta(days=182)
        members.append(
            await make_member(company, "taro@example.jp", "python", rejected_at=rejected_at)
        )
        companies.append(company)
    assert len({m.id for m in members}) == 1

    # when the three companies' follow-ups are placed concurrently
    await asyncio.gather(*(followups.company_followups(c, now) for c in companies))

    # then two are due now and the third waits until the window has room
    rows = await mails(MailKind.FOLLOW_UP)
    assert [r.send_after for r in rows] == [now, now, now + timedelta(days=30)]
    sender = SmtpSender(smtp_server.url)
    try:
        outcomes = [await sending.send(r.id, sender) for r in rows]
    finally:
        await sender.close()
    assert [o.result for o in outcomes] == [
        outbox.SendResult.SENT,
        outbox.SendResult.SENT,
        outbox.SendResult.SKIPPED,
    ]
    assert len(smtp_server.received) == 2
    assert (await MailMessage.get(id=rows[2].id)).status == MailStatus.PENDING


async def test_an_alert_over_the_cap_waits_too():
    now = T0 + timedelta(days=182)
    alpha = await make_company("Alpha 株式会社")
    beta = await make_company("Beta 株式会社")
    for company in (alpha, beta):
        await make_opening(company, "エンジニア", "python")
        person = await make_member(company, "taro@example.jp", "python")
    await followups.send_followups(now)

    opening = await make_opening(alpha, "新しい求人", "python")
    alerts = await followups.opening_alerts(opening.id, now + timedelta(days=3))

    assert [m.candidate_id for m in alerts] == [person.id]
    assert alerts[0].send_after == now + timedelta(days=30)


async def test_a_new_opening_alerts_the_right_pool_members_once_in_30_days():
    # given a company's pool and another company's rejects
    company = await make_company("Alpha 株式会社")
    other = await make_company("Beta 株式会社")
    fits = await make_member(company, "fits@example.jp", "python", "sql")
    await make_member(company, "designer@example.jp", "figma")
    await make_member(company, "nope@example.jp", "python", follow_up=False)
    await make_member(other, "elsewhere@example.jp", "python", "sql")
    now = T0 + timedelta(days=40)

    # when an opening that fits opens after the rejections
    first = await make_opening(company, "データエンジニア", "python", "sql")
    alerted = await followups.opening_alerts(first.id, now)
    again = await followups.opening_alerts(first.id, now)

    # then only the fitting member with consent is alerted, once
    assert [m.candidate_id for m in alerted] == [fits.id]
    assert again == []
    assert "データエンジニア" in alerted[0].subject

    # a second opening within 30 days alerts nobody; one after 30 days does
    second = await make_opening(company, "SQL エンジニア", "sql", "python")
    assert await followups.opening_alerts(second.id, now + timedelta(days=10)) == []
    third = await make_opening(company, "Python エンジニア", "python")
    later = await followups.opening_alerts(third.id, now + timedelta(days=31))
    assert [m.candidate_id for m in later] == [fits.id]
    assert len(await mails(MailKind.OPENING_ALERT)) == 2


async def test_a_closed_opening_alerts_nobody():
    company = await make_company("Alpha 株式会社")
    await make_member(company, "fits@example.jp", "python")
    opening = await make_opening(company, "データエンジニア", "python")
    await Opening.filter(id=opening.id).update(status=OpeningStatus.CLOSED)

    assert await followups.opening_alerts(opening.id, T0 + timedelta(days=5)) == []


async def test_opening_an_opening_enqueues_its_alert_job(redis):
    company = await make_company("Alpha 株式会社")
    opening = await openings.create(
        principal(company), "データエンジニア", "", ["python"], redis=redis
    )

    jobs = await redis.queued_jobs()
    assert any(j.function == followups.ALERTS_JOB and j.args == (opening.id,) for j in jobs)


async def test_a_waiting_follow_up_is_cancelled_when_consent_is_withdrawn(smtp_server):
    company = await make_company("Alpha 株式会社")
    await make_opening(company, "データエンジニア", "python")
    person = await make_member(company, "taro@example.jp", "python")
    [message] = await followups.send_followups(T0 + timedelta(days=182))
    await consent.record(
        person, ConsentScope.FOLLOW_UP, False, source="test", company_id=company.id
    )

    sender = SmtpSender(smtp_server.url)
    try:
        outcome = await sending.send(message.id, sender)
    finally:
        await sender.close()

    assert outcome.result == outbox.SendResult.SKIPPED
    assert smtp_server.received == []
    assert (await MailMessage.get(id=message.id)).status == MailStatus.CANCELLED


def test_the_budget_slot_keeps_at_most_the_cap_in_any_30_days():
    day = timedelta(days=1)
    # two mails 10 days apart: the third waits until the first is 30 days old
    assert mail_budget.earliest_slot([T0, T0 + 10 * day], T0 + 12 * day, 2) == T0 + 30 * day
    # room in the window: no wait
    assert mail_budget.earliest_slot([T0], T0 + 5 * day, 2) == T0 + 5 * day
    # never before a mail already waiting
    waiting = [T0, T0 + 30 * day]
    assert mail_budget.earliest_slot(waiting, T0 + day, 2) == T0 + 30 * day
    assert mail_budget.earliest_slot([*waiting, T0 + 30 * day], T0, 2) == T0 + 60 * day


async def test_an_english_speaker_gets_the_follow_up_in_english():
    company = await make_company("Alpha Inc")
    company.timezone = "Europe/London"
    await company.save()
    await make_opening(company, "Data engineer", "python")
    await make_member(company, "ann@example.com", "python", name="Ann Lee", locale=Locale.EN)

    [message] = await followups.send_followups(T0 + timedelta(days=182))

    assert message.locale == Locale.EN
    assert message.subject == "Alpha Inc: how are you doing?"
    assert "Dear Ann Lee," in message.body_text and "on 11 February 2025" in message.body_text
    assert "- Data engineer\nhttp://relay.test/a/" in message.body_text


async def test_the_budget_reads_a_persons_mails_through_an_index():
    rows = await connections.get("default").execute_query_dict(
        "SELECT indexname FROM pg_indexes WHERE tablename IN ('mail_message', 'candidate_token')"
    )

    assert {"mail_message_candidate_kind", "candidate_token_open_reconfirm"} <= {
        r["indexname"] for r in rows
    }


async def test_nobody_is_offered_the_opening_that_rejected_them():
    company = await make_company("Alpha 株式会社")
    still_open = await make_opening(company, "データエンジニア", "python")
    await make_opening(company, "Python 講師", "python")
    person = await make_member(company, "taro@example.jp", "python", opening=still_open)
    await make_member(company, "hanako@example.jp", "python")

    [follow_up, _] = await followups.send_followups(T0 + timedelta(days=182))
    alerted = await followups.opening_alerts(still_open.id, T0 + timedelta(days=183))

    assert follow_up.candidate_id == person.id
    assert "Python 講師" in follow_up.body_text and "データエンジニア" not in follow_up.body_text
    assert person.id not in [m.candidate_id for m in alerted]


async def test_concurrent_placements_for_one_person_respect_the_cap():
    # the protocol every capped mail follows: lock the person, place, insert, commit
    company = await make_company("Alpha 株式会社")
    person = await make_member(company, "taro@example.jp", "python")
    now = datetime.now(UTC).replace(microsecond=0)

    async def place(n: int) -> None:
        async with in_transaction("default"):
            await mail_budget.lock_candidate(person.id)
            await outbox.queue_mail(
                kind=MailKind.OPENING_ALERT,
                recipient="taro@example.jp",
                subject="s",
                body_text="b",
                dedupe_key=f"test:{n}",
                candidate_id=person.id,
                send_after=await mail_budget.place(person.id, now),
            )

    await asyncio.gather(*(place(n) for n in range(4)))

    rows = await mails(MailKind.OPENING_ALERT)
    assert [r.send_after for r in rows] == [now, now, now + 30 * DAY, now + 30 * DAY]
