"""Consent reconfirmation after twelve months, lapse after 30 days without an answer, and
pausing: each takes the person out of matches and follow-ups
(server.network.eligibility.is_matchable is the judge of matches)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from server.candidates import pause, reconfirm
from server.errors import DomainError
from server.mail import outbox, sending
from server.mail.smtp import SmtpSender
from server.models import (
    Candidate,
    Consent,
    ConsentScope,
    MailKind,
    MailMessage,
    MailStatus,
)
from server.network.eligibility import is_matchable
from server.pool import followups, talent_pool
from tests.fixtures.pool import link, mails, make_company, make_member, make_opening


async def _stale_member(now: datetime):
    """A person rejected by X (follow-up consent) sharing with the network, all consent given
    400 days ago; Y is another company that could match them."""
    x = await make_company("Xeno 株式会社")
    y = await make_company("Yotta 株式会社")
    await make_opening(x, "データエンジニア", "python")
    person = await make_member(
        x, "taro@example.jp", "python", rejected_at=now - timedelta(days=400)
    )
    await Consent.filter(candidate_id=person.id).update(created_at=now - timedelta(days=400))
    return x, y, person


async def test_old_consent_is_asked_about_once_and_lapses_after_30_days():
    now = datetime.now(UTC)
    x, y, person = await _stale_member(now)
    assert await is_matchable(y.id, person.id, now)

    # one question, however often the cron runs
    [asked] = await reconfirm.ask_due(now)
    assert await reconfirm.ask_due(now) == []
    assert await reconfirm.ask_due(now + timedelta(days=3)) == []
    assert asked.kind == MailKind.CONSENT_RECONFIRM and asked.recipient == "taro@example.jp"
    assert "/keep" in asked.body_text and "/withdraw" in asked.body_text
    assert "Xeno 株式会社" in asked.body_text

    # no answer: nothing happens within 30 days, then both consents lapse
    assert await reconfirm.lapse_unanswered(now + timedelta(days=29)) == 0
    assert await is_matchable(y.id, person.id, now + timedelta(days=29))
    assert await reconfirm.lapse_unanswered(now + timedelta(days=31)) == 2
    assert await reconfirm.lapse_unanswered(now + timedelta(days=32)) == 0

    later = now + timedelta(days=31)
    assert not await is_matchable(y.id, person.id, later)
    assert not (await Candidate.get(id=person.id)).sharing
    latest = await Consent.filter(candidate_id=person.id).order_by("-id").limit(2)
    assert {(c.scope, c.granted, c.source) for c in latest} == {
        (ConsentScope.NETWORK_SHARING, False, reconfirm.SOURCE_LAPSED),
        (ConsentScope.FOLLOW_UP, False, reconfirm.SOURCE_LAPSED),
    }
    assert await talent_pool.member(x.id, person.id, later) is None
    assert await followups.company_followups(x, later) == []


async def test_keeping_consent_renews_it():
    now = datetime.now(UTC)
    _, y, person = await _stale_member(now)
    [asked] = await reconfirm.ask_due(now)
    token = link(asked.body_text, "http://relay.test/c")

    assert await reconfirm.answer(token, keep=True)
    assert not await reconfirm.answer(token, keep=False)  # answered already: no change

    assert await reconfirm.lapse_unanswered(now + timedelta(days=31)) == 0
    assert await is_matchable(y.id, person.id, now + timedelta(days=31))
    assert await reconfirm.ask_due(now + timedelta(days=31)) == []


async def test_withdrawing_on_the_question_takes_the_person_out_at_once():
    now = datetime.now(UTC)
    _, y, person = await _stale_member(now)
    [asked] = await reconfirm.ask_due(now)

    assert await reconfirm.answer(link(asked.body_text, "http://relay.test/c"), keep=False)

    assert not await is_matchable(y.id, person.id, now)


async def test_a_paused_person_gets_no_follow_up_and_no_match_until_the_pause_ends(
    smtp_server,
):
    now = datetime.now(UTC)
    x = await make_company("Xeno 株式会社")
    y = await make_company("Yotta 株式会社")
    await make_opening(x, "データエンジニア", "python")
    person = await make_member(
        x, "taro@example.jp", "python", rejected_at=now - timedelta(days=182)
    )
    [waiting] = await followups.send_followups(now)  # queued before the pause

    paused = await pause.set_pause(person.id, pause.local_today(now) + timedelta(days=10), now)

    assert not await is_matchable(y.id, person.id, now)
    assert await talent_pool.member(x.id, person.id, now) is None
    sender = SmtpSender(smtp_server.url)
    try:
        assert (await sending.send(waiting.id, sender)).result == outbox.SendResult.SKIPPED
    finally:
        await sender.close()
    assert (await MailMessage.get(id=waiting.id)).status == MailStatus.CANCELLED
    assert smtp_server.received == []

    # the day after the pause the person is back
    after = paused.paused_until + timedelta(minutes=1)
    assert await is_matchable(y.id, person.id, after)
    await pause.set_pause(person.id, None)
    assert (await Candidate.get(id=person.id)).paused_until is None
    assert len(await mails(MailKind.FOLLOW_UP)) == 1


async def test_pause_days_out_of_range_are_refused():
    now = datetime.now(UTC)
    x = await make_company("Xeno 株式会社")
    person = await make_member(x, "taro@example.jp", "python")
    today = pause.local_today(now)

    for day in (today - timedelta(days=1), today + timedelta(days=pause.MAX_PAUSE_DAYS + 1)):
        with pytest.raises(DomainError) as refused:
            await pause.set_pause(person.id, day, now)
        assert [(e.code, e.field) for e in refused.value.errors] == [("INVALID", ["paused_until"])]
    assert (await Candidate.get(id=person.id)).paused_until is None
