"""A follow-up or new-opening alert held back by the mail budget checks its reasons not to
be sent again when it is released (the SMTP server is real: nothing reaches it)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from server.mail import sending
from server.mail.smtp import SmtpSender
from server.models import (
    Applicant,
    Application,
    ApplicationStatus,
    MailMessage,
    MailStatus,
    Opening,
    OpeningStatus,
)
from server.pool import followups
from tests.fixtures.pool import T0, make_company, make_member, make_opening

DAY = timedelta(days=1)


async def _release(message: MailMessage, smtp_server) -> MailStatus:
    """The held mail comes due and the worker sends it."""
    await MailMessage.filter(id=message.id).update(send_after=datetime.now(UTC) - DAY)
    sender = SmtpSender(smtp_server.url)
    try:
        await sending.send(message.id, sender)
    finally:
        await sender.close()
    return (await MailMessage.get(id=message.id)).status


async def _applies(company, email: str, opening: Opening, status: ApplicationStatus):
    applicant = await Applicant.create(
        company_id=company.id, name="山田 太郎", email=email, email_normalized=email
    )
    await Application.create(
        company_id=company.id,
        applicant=applicant,
        opening=opening,
        status=status,
        applied_at=datetime.now(UTC),
    )


async def _held_alert(company, opening: Opening) -> MailMessage:
    [alert] = await followups.opening_alerts(opening.id, T0 + 40 * DAY)
    await MailMessage.filter(id=alert.id).update(send_after=datetime.now(UTC) + 20 * DAY)
    return alert


async def test_a_held_alert_is_not_sent_once_its_opening_closed(smtp_server):
    company = await make_company("Alpha 株式会社")
    await make_member(company, "taro@example.jp", "python")
    opening = await make_opening(company, "データエンジニア", "python")
    alert = await _held_alert(company, opening)

    await Opening.filter(id=opening.id).update(status=OpeningStatus.CLOSED)

    assert await _release(alert, smtp_server) == MailStatus.CANCELLED
    assert smtp_server.received == []
    assert (await MailMessage.get(id=alert.id)).last_error == "opening closed"


async def test_a_held_alert_is_not_sent_to_someone_who_applied_meanwhile(smtp_server):
    company = await make_company("Alpha 株式会社")
    await make_member(company, "taro@example.jp", "python")
    opening = await make_opening(company, "データエンジニア", "python")
    alert = await _held_alert(company, opening)

    await _applies(company, "taro@example.jp", opening, ApplicationStatus.APPLIED)

    assert await _release(alert, smtp_server) == MailStatus.CANCELLED
    assert smtp_server.received == []


async def test_a_held_follow_up_is_not_sent_to_someone_in_review_there(smtp_server):
    company = await make_company("Alpha 株式会社")
    await make_member(company, "taro@example.jp", "python")
    await make_opening(company, "データエンジニア", "python")
    other = await make_opening(company, "バックエンドエンジニア", "go")
    [follow_up] = await followups.send_followups(T0 + 182 * DAY)

    await _applies(company, "taro@example.jp", other, ApplicationStatus.IN_REVIEW)

    assert await _release(follow_up, smtp_server) == MailStatus.CANCELLED
    assert smtp_server.received == []


async def test_a_held_mail_whose_reasons_still_hold_is_sent(smtp_server):
    company = await make_company("Alpha 株式会社")
    await make_member(company, "taro@example.jp", "python")
    opening = await make_opening(company, "データエンジニア", "python")
    alert = await _held_alert(company, opening)

    assert await _release(alert, smtp_server) == MailStatus.SENT
    assert [r.rcpt_tos for r in smtp_server.received] == [["taro@example.jp"]]
