"""Introductions in the core: spend, mail, accept, decline, expiry, withdrawal, erasure."""

from __future__ import annotations

import asyncio
import re
import secrets
from datetime import UTC, datetime, timedelta

import pytest

from server import tokens
from server.candidates import consent, portal
from server.candidates import profiles as candidates
from server.errors import DomainError, ErrorCode
from server.models import (
    Applicant,
    AuditEvent,
    Candidate,
    CandidateToken,
    Company,
    CreditEntry,
    CreditKind,
    Introduction,
    IntroductionStatus,
    Locale,
    MailKind,
    MailMessage,
    Opening,
    OpeningStatus,
    ProvisionRecord,
    TokenPurpose,
)
from server.network import credits, introduction_answers, introductions
from server.principal import Principal

LINK = re.compile(r"http://relay\.test/me/introductions/([A-Za-z0-9_\-]+)/(accept|decline)")


def principal(caller) -> Principal:
    return Principal(api_key_id=None, company_id=caller.company_id)


async def give_credits(company_id: int, n: int) -> None:
    await credits.post(company_id, n, CreditKind.ADJUSTMENT, f"test:{secrets.token_hex(6)}")


async def balance(company_id: int) -> int:
    return (await Company.get(id=company_id)).credit_balance


async def network_candidate(
    email: str = "hanako@example.jp", *, name: str = "佐藤 花子", locale: Locale = Locale.JA
) -> Candidate:
    """A registered candidate who shares the profile with the network."""
    candidate = await Candidate.create(
        email=email,
        email_normalized=email.lower(),
        display_name=name,
        headline="データエンジニア",
        experience_years=4,
        locale=locale,
    )
    await consent.record(
        candidate, consent.ConsentScope.NETWORK_SHARING, True, source="test", company_id=None
    )
    return candidate


async def opening_of(company_id: int, title: str = "データ基盤エンジニア") -> Opening:
    return await Opening.create(company_id=company_id, title=title)


async def requested(caller, candidate: Candidate, *, credit: int = 1) -> Introduction:
    await give_credits(caller.company_id, credit)
    opening = await opening_of(caller.company_id)
    return await introductions.request(principal(caller), opening.id, candidate.id)


def codes(error: pytest.ExceptionInfo[DomainError]) -> list[ErrorCode]:
    return [e.code for e in error.value.errors]


async def test_request_spends_one_credit_and_mails_the_candidate(company_a):
    # given
    await give_credits(company_a.company_id, 1)
    opening = await opening_of(company_a.company_id, "データ基盤エンジニア")
    candidate = await network_candidate()

    # when
    intro = await introductions.request(principal(company_a), opening.id, candidate.id)

    # then
    assert intro.status == IntroductionStatus.REQUESTED
    left = intro.expires_at - datetime.now(UTC)
    assert timedelta(days=13, hours=23) < left <= timedelta(days=14)
    assert await balance(company_a.company_id) == 0
    spend = await CreditEntry.get(id=intro.spend_entry_id)
    assert (spend.delta, spend.kind, spend.idempotency_key) == (
        -1,
        CreditKind.INTRODUCTION,
        f"introduction:{intro.id}",
    )
    mail = await MailMessage.get(kind=MailKind.INTRODUCTION)
    assert mail.recipient == "hanako@example.jp"
    assert mail.locale == Locale.JA
    assert "株式会社エー" in mail.subject and "データ基盤エンジニア" in mail.subject
    assert mail.body_text.startswith("佐藤 花子様")
    assert mail.headers["List-Unsubscribe"].startswith("<http://relay.test/u/")
    links = LINK.findall(mail.body_text)
    assert [answer for _, answer in links] == ["accept", "decline"]
    token = await CandidateToken.get(token_hash=tokens.hash_token(links[0][0]))
    assert token.purpose == TokenPurpose.INTRODUCTION
    assert token.data == {"introduction_id": intro.id}
    assert token.candidate_id == candidate.id


async def test_the_mail_follows_the_candidates_language(company_a):
    candidate = await network_candidate("john@example.com", name="John Smith", locale=Locale.EN)

    await requested(company_a, candidate)

    mail = await MailMessage.get(kind=MailKind.INTRODUCTION)
    assert mail.locale == Locale.EN
    assert mail.subject.startswith("[Career Relay] 株式会社エー would like to meet you")
    assert mail.body_text.startswith("Dear John Smith,")


async def test_without_credit_nothing_is_written(company_a):
    opening = await opening_of(company_a.company_id)
    candidate = await network_candidate()

    with pytest.raises(DomainError) as error:
        await introductions.request(principal(company_a), opening.id, candidate.id)

    assert codes(error) == [ErrorCode.INSUFFICIENT_CREDITS]
    assert await Introduction.all().count() == 0
    assert await CreditEntry.all().count() == 0
    assert await MailMessage.all().count() == 0
    assert await CandidateToken.filter(purpose=TokenPurpose.INTRODUCTION).count() == 0


async def test_a_retry_with_the_same_key_spends_no_second_credit(company_a):
    await give_credits(company_a.company_id, 2)
    opening = await opening_of(company_a.company_id)
    candidate = await network_candidate()
    other = await network_candidate("other@example.jp")
    caller = principal(company_a)

    first = await introductions.request(caller, opening.id, candidate.id, "key-1")
    again = await introductions.request(caller, opening.id, candidate.id, "key-1")
    with pytest.raises(DomainError) as reused:
        await introductions.request(caller, opening.id, other.id, "key-1")

    assert again.id == first.id
    assert await balance(company_a.company_id) == 1
    assert await MailMessage.all().count() == 1
    assert codes(reused) == [ErrorCode.IDEMPOTENCY_KEY_REUSED]


async def test_only_the_callers_open_openings(company_a, company_b):
    await give_credits(company_a.company_id, 1)
    theirs = await opening_of(company_b.company_id)
    closed = await opening_of(company_a.company_id)
    closed.status = OpeningStatus.CLOSED
    await closed.save()
    candidate = await network_candidate()

    with pytest.raises(DomainError) as not_found:
        await introductions.request(principal(company_a), theirs.id, candidate.id)
    with pytest.raises(DomainError) as closed_error:
        await introductions.request(principal(company_a), closed.id, candidate.id)

    assert codes(not_found) == [ErrorCode.NOT_FOUND]
    assert not_found.value.errors[0].field == ["openingId"]
    assert codes(closed_error) == [ErrorCode.WRONG_STATE]
    assert await balance(company_a.company_id) == 1


async def test_candidates_who_are_not_matchable_cost_nothing(company_a):
    await give_credits(company_a.company_id, 3)
    opening = await opening_of(company_a.company_id)
    withdrawn = await network_candidate("withdrawn@example.jp")
    await consent.record(
        withdrawn, consent.ConsentScope.NETWORK_SHARING, False, source="test", company_id=None
    )
    own = await network_candidate("own@example.jp")
    await Applicant.create(
        company_id=company_a.company_id,
        name="x",
        email="own@example.jp",
        email_normalized="own@example.jp",
    )
    introduced = await network_candidate("twice@example.jp")
    await introductions.request(principal(company_a), opening.id, introduced.id)

    for candidate_id in (withdrawn.id, own.id, introduced.id, 999_999):
        with pytest.raises(DomainError) as error:
            await introductions.request(principal(company_a), opening.id, candidate_id)
        assert codes(error) == [ErrorCode.NOT_MATCHABLE]
        assert error.value.errors[0].field == ["candidateId"]

    assert await balance(company_a.company_id) == 2
    assert await Introduction.all().count() == 1


async def test_concurrent_requests_for_one_candidate_spend_once(company_a):
    await give_credits(company_a.company_id, 2)
    opening = await opening_of(company_a.company_id)
    candidate = await network_candidate()

    results = await asyncio.gather(
        *(introductions.request(principal(company_a), opening.id, candidate.id) for _ in range(3)),
        return_exceptions=True,
    )

    made = [r for r in results if isinstance(r, Introduction)]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(made) == 1 and len(refused) == 2
    assert all(r.errors[0].code == ErrorCode.NOT_MATCHABLE for r in refused)
    assert await balance(company_a.company_id) == 1


async def test_fifty_concurrent_requests_spend_the_balance_without_deadlock(company_a):
    # Inserting the introduction takes a KEY SHARE lock on the company row (its foreign key);
    # a FOR UPDATE on that row afterwards made two spenders wait for each other.
    await give_credits(company_a.company_id, 3)
    opening = await opening_of(company_a.company_id)
    people = [await network_candidate(f"c{i}@example.jp", name=f"候補 {i}") for i in range(50)]

    results = await asyncio.gather(
        *(introductions.request(principal(company_a), opening.id, c.id) for c in people),
        return_exceptions=True,
    )

    made = [r for r in results if isinstance(r, Introduction)]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(made) == 3, [r for r in results if not isinstance(r, Introduction | DomainError)]
    assert len(refused) == 47
    assert all(r.errors[0].code == ErrorCode.INSUFFICIENT_CREDITS for r in refused)
    assert await balance(company_a.company_id) == 0
    assert await credits.ledger_check() == []


async def test_concurrent_retries_with_one_key_get_the_same_introduction(company_a):
    await give_credits(company_a.company_id, 2)
    opening = await opening_of(company_a.company_id)
    candidate = await network_candidate()

    results = await asyncio.gather(
        *(
            introductions.request(principal(company_a), opening.id, candidate.id, "same-key")
            for _ in range(3)
        )
    )

    assert len({r.id for r in results}) == 1
    assert await balance(company_a.company_id) == 1


async def test_accepting_hands_over_the_contact_to_that_company_only(company_a, company_b):
    candidate = await network_candidate()
    intro = await requested(company_a, candidate)
    assert await introductions.contacts(principal(company_a), [intro.id]) == {}

    answered = await introduction_answers.respond(candidate.id, intro.id, accept=True)

    assert answered.status == IntroductionStatus.ACCEPTED
    assert answered.responded_at is not None
    assert await introductions.contacts(principal(company_a), [intro.id]) == {
        intro.id: introductions.Contact("佐藤 花子", "hanako@example.jp")
    }
    assert await introductions.contacts(principal(company_b), [intro.id]) == {}
    record = await ProvisionRecord.get(introduction_id=intro.id)
    assert (record.company_id, record.candidate_id, record.items) == (
        company_a.company_id,
        candidate.id,
        ["name", "email"],
    )
    event = await AuditEvent.get(action="introduction.accept")
    assert event.target_id == str(intro.id)
    # accepting twice changes nothing; declining afterwards is refused
    await introduction_answers.respond(candidate.id, intro.id, accept=True)
    assert await ProvisionRecord.all().count() == 1
    with pytest.raises(DomainError) as late:
        await introduction_answers.respond(candidate.id, intro.id, accept=False)
    assert codes(late) == [ErrorCode.WRONG_STATE]
    assert await balance(company_a.company_id) == 0


async def test_declining_refunds_the_credit_once(company_a):
    candidate = await network_candidate()
    intro = await requested(company_a, candidate)

    await introduction_answers.respond(candidate.id, intro.id, accept=False)
    await introduction_answers.respond(candidate.id, intro.id, accept=False)

    await intro.refresh_from_db()
    assert intro.status == IntroductionStatus.DECLINED
    refund = await CreditEntry.get(id=intro.refund_entry_id)
    assert (refund.delta, refund.kind, refund.idempotency_key) == (
        1,
        CreditKind.REFUND,
        f"refund:introduction:{intro.id}",
    )
    assert await CreditEntry.filter(kind=CreditKind.REFUND).count() == 1
    assert await balance(company_a.company_id) == 1
    assert await introductions.contacts(principal(company_a), [intro.id]) == {}


async def test_someone_else_cannot_answer(company_a):
    candidate = await network_candidate()
    stranger = await network_candidate("stranger@example.jp")
    intro = await requested(company_a, candidate)

    with pytest.raises(DomainError) as error:
        await introduction_answers.respond(stranger.id, intro.id, accept=True)

    assert codes(error) == [ErrorCode.NOT_FOUND]
    await intro.refresh_from_db()
    assert intro.status == IntroductionStatus.REQUESTED


async def test_expiry_refunds_once_under_concurrent_runs(company_a):
    candidate = await network_candidate()
    later = await network_candidate("later@example.jp")
    old = await requested(company_a, candidate)
    young = await requested(company_a, later)
    now = old.expires_at + timedelta(seconds=1)
    young.expires_at = now + timedelta(days=1)
    await young.save()

    counts = await asyncio.gather(*(introduction_answers.expire_due(now) for _ in range(4)))
    again = await introduction_answers.expire_due(now)

    assert sum(counts) == 1 and again == 0
    await old.refresh_from_db()
    await young.refresh_from_db()
    assert old.status == IntroductionStatus.EXPIRED and old.responded_at is None
    assert young.status == IntroductionStatus.REQUESTED
    assert await CreditEntry.filter(kind=CreditKind.REFUND).count() == 1
    assert await balance(company_a.company_id) == 1
    with pytest.raises(DomainError) as late:
        await introduction_answers.respond(candidate.id, old.id, accept=True)
    assert codes(late) == [ErrorCode.WRONG_STATE]


async def test_an_answer_after_the_deadline_is_refused_before_the_cron_runs(company_a):
    candidate = await network_candidate()
    intro = await requested(company_a, candidate)
    await Introduction.filter(id=intro.id).update(
        expires_at=datetime.now(UTC) - timedelta(seconds=1)
    )

    with pytest.raises(DomainError) as error:
        await introduction_answers.respond(candidate.id, intro.id, accept=True)

    assert codes(error) == [ErrorCode.WRONG_STATE]
    assert await ProvisionRecord.all().count() == 0


async def test_withdrawing_consent_declines_open_requests_and_refunds(company_a, company_b):
    candidate = await network_candidate()
    open_one = await requested(company_a, candidate)
    accepted = await requested(company_b, candidate)
    await introduction_answers.respond(candidate.id, accepted.id, accept=True)

    await portal.set_consent(candidate.id, consent.ConsentScope.NETWORK_SHARING, False)

    await open_one.refresh_from_db()
    await accepted.refresh_from_db()
    assert open_one.status == IntroductionStatus.DECLINED
    assert open_one.refund_entry_id is not None
    assert accepted.status == IntroductionStatus.ACCEPTED
    assert await balance(company_a.company_id) == 1
    assert await balance(company_b.company_id) == 0
    # the candidate is out of reach: a new request is refused
    await give_credits(company_a.company_id, 1)
    other_opening = await opening_of(company_a.company_id, "別の求人")
    with pytest.raises(DomainError) as error:
        await introductions.request(principal(company_a), other_opening.id, candidate.id)
    assert codes(error) == [ErrorCode.NOT_MATCHABLE]


async def test_erasure_declines_open_requests_and_tells_companies_that_got_the_contact(
    company_a, make_company
):
    company_c = await make_company(
        "株式会社シー", slug="company-c", contact_email="hr@c.example.jp"
    )
    candidate = await network_candidate()
    open_one = await requested(company_a, candidate)
    accepted = await requested(company_c, candidate)
    await introduction_answers.respond(candidate.id, accepted.id, accept=True)

    await candidates.erase(candidate.id)
    await candidates.erase(candidate.id)

    await open_one.refresh_from_db()
    assert open_one.status == IntroductionStatus.DECLINED
    assert await balance(company_a.company_id) == 1
    assert await CreditEntry.filter(kind=CreditKind.REFUND).count() == 1
    notices = await MailMessage.filter(kind=MailKind.ERASURE_NOTICE)
    assert [(n.recipient, n.company_id) for n in notices] == [
        ("hr@c.example.jp", company_c.company_id)
    ]
    assert f"#{accepted.id}" in notices[0].body_text
    # the contact is gone with the profile
    assert await introductions.contacts(principal(company_c), [accepted.id]) == {}
    # the mailed links stop working
    with pytest.raises(DomainError):
        await introduction_answers.respond(candidate.id, open_one.id, accept=True)


async def test_mark_hired_only_for_an_accepted_introduction_of_ones_own(company_a, company_b):
    candidate = await network_candidate()
    other = await network_candidate("other@example.jp")
    intro = await requested(company_a, candidate)
    pending = await requested(company_a, other)
    await introduction_answers.respond(candidate.id, intro.id, accept=True)

    with pytest.raises(DomainError) as not_ours:
        await introductions.mark_hired(principal(company_b), intro.id)
    with pytest.raises(DomainError) as not_accepted:
        await introductions.mark_hired(principal(company_a), pending.id)
    hired = await introductions.mark_hired(principal(company_a), intro.id)
    again = await introductions.mark_hired(principal(company_a), intro.id)

    assert codes(not_ours) == [ErrorCode.NOT_FOUND]
    assert codes(not_accepted) == [ErrorCode.WRONG_STATE]
    assert hired.hired_at is not None and again.hired_at == hired.hired_at
