"""Every event reaches the company's endpoint once per occurrence, signed, during the whole
network flow (tests/scenarios/test_network_flow.py) and an erasure; re-applications and
bounces with their notification mails."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from server.candidates import profiles as candidates
from server.candidates import reapply
from server.mail import sending
from server.mail.smtp import SmtpSender
from server.models import (
    Company,
    Introduction,
    IntroductionStatus,
    MailKind,
    MailMessage,
    Referral,
    WebhookEndpoint,
    WebhookFormat,
)
from server.principal import Principal
from server.webhooks import delivery, endpoints, notify
from tests.scenarios import test_network_flow as network_flow
from tests.server.test_mail import make_referral, queue
from tests.web.candidate_helpers import reset_rate_limits  # noqa: F401  (autouse)
from tests.web.test_reapply import _reapply_link


async def listen(caller, receiver, name: str) -> None:
    company = Principal(api_key_id=None, company_id=caller.company_id)
    await endpoints.create(company, f"{receiver.url}?{name}", [], WebhookFormat.STANDARD)


async def deliver_all() -> None:
    http = delivery.new_client()
    await delivery.dispatch_all(http)
    await http.aclose()


def counts(receiver, name: str) -> Counter:
    return Counter(h.event["type"] for h in receiver.received if h.query == name)


async def test_the_network_flow_sends_each_event_once(
    client,
    company_a,
    company_b,
    operator,
    redis,
    smtp_server,
    smtp_settings,
    fresh_mail_ids,
    receiver,
):
    await listen(company_a, receiver, "a")
    await listen(company_b, receiver, "b")
    secret = (await WebhookEndpoint.first()).secret
    await WebhookEndpoint.all().update(secret=secret)  # one receiver, one secret
    receiver.secret = secret

    await network_flow.test_ten_referrals_buy_one_introduction_end_to_end(
        client, company_a, company_b, operator, redis, smtp_server, smtp_settings, fresh_mail_ids
    )
    accepted = await Introduction.get(status=IntroductionStatus.ACCEPTED)
    await candidates.erase(accepted.candidate_id)
    await deliver_all()
    await deliver_all()  # nothing is sent twice

    assert counts(receiver, "a") == {
        "referral.mailed": 10,
        "referral.registered": 10,
        "referral.qualified": 10,
        "credit.settled": 1,
        "introduction.accepted": 1,
        "introduction.declined": 1,
        "introduction.expired": 1,
        "candidate.erased": 1,
    }
    assert counts(receiver, "b") == {
        "referral.mailed": 3,
        "referral.registered": 3,
        "referral.qualified": 3,
    }
    assert all(h.verified for h in receiver.received)
    assert len({h.webhook_id for h in receiver.received}) == len(receiver.received)
    [erased] = receiver.events("candidate.erased")
    assert (
        erased["data"]["action"] == "erase" and "Delete every copy" in erased["data"]["instruction"]
    )
    [accept] = receiver.events("introduction.accepted")
    assert accept["data"]["contact"]["email"].endswith("@example.jp")
    # no personal data in events about people the company has no right to
    for event in receiver.events("referral.qualified") + receiver.events("introduction.declined"):
        assert "@" not in str(event["data"])


async def test_a_reapplication_is_an_event_and_a_mail(client, company_a, receiver):
    await listen(company_a, receiver, "a")
    company, _, token = await _reapply_link(company_a.company_id)
    company.contact_email = "hr@a.example.jp"
    await company.save()

    await reapply.reapply(token)
    await reapply.reapply(token)  # the same re-application: no second event
    await deliver_all()

    [event] = receiver.events("application.reapplied")
    assert event["data"]["applicant"]["email"] == "taro@example.jp"
    assert event["data"]["application"]["opening"]["title"] == "データエンジニア"
    [notice] = await MailMessage.filter(kind=MailKind.COMPANY_NOTICE)
    assert notice.recipient == "hr@a.example.jp" and "taro@example.jp" in notice.body_text


async def test_a_company_that_turned_reapplication_mails_off_gets_none(client, company_a):
    company, _, token = await _reapply_link(company_a.company_id)
    company.contact_email, company.notify_reapplications = "hr@a.example.jp", False
    await company.save()

    await reapply.reapply(token)

    assert not await MailMessage.exists(kind=MailKind.COMPANY_NOTICE)


async def test_a_bounce_is_an_event(smtp_server, company_a, receiver):
    await listen(company_a, receiver, "a")
    smtp_server.reject("taro@example.jp")
    referral = await make_referral(company_a.company_id)
    message = await queue(referral_id=referral.id, company_id=company_a.company_id)
    sender = SmtpSender(smtp_server.url)

    await sending.send(message.id, sender)
    await sender.close()
    await deliver_all()

    [event] = receiver.events("mail.bounced")
    assert event["data"]["mail"] == {"kind": "REJECTION", "recipient": "taro@example.jp"}
    assert receiver.events("referral.mailed") == []


async def test_the_daily_digest_counts_the_day_and_can_be_turned_off(company_a, company_b):
    for caller in (company_a, company_b):
        await Company.filter(id=caller.company_id).update(contact_email="hr@example.jp")
    now = datetime.now(UTC)
    for i in range(3):
        referral = await make_referral(company_a.company_id, f"p{i}@example.jp")
        await Referral.filter(id=referral.id).update(qualified_at=now - timedelta(hours=i + 1))
    old = await make_referral(company_b.company_id)
    await Referral.filter(id=old.id).update(qualified_at=now - timedelta(days=2))

    assert await notify.send_digests(now) == 1  # B had a quiet day
    assert await notify.send_digests(now) == 0  # once a day
    [digest] = await MailMessage.filter(kind=MailKind.COMPANY_DIGEST)
    assert digest.company_id == company_a.company_id
    assert "・有効になった紹介: 3 件\n・付与されたクレジット: 0\n" in digest.body_text
    await Company.filter(id=company_a.company_id).update(notify_digest=False)
    assert await notify.send_digests(now + timedelta(days=1, minutes=-1)) == 0
