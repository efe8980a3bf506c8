"""/join/{company_code}: a company's own link; nothing counts before the address is proven."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from server.candidates import join
from server.models import (
    CandidateToken,
    Company,
    MailKind,
    MailMessage,
    Referral,
    ReferralSource,
    ReferralStatus,
    TokenPurpose,
)
from tests.web.candidate_helpers import (  # noqa: F401  (reset_rate_limits is autouse)
    PROFILE,
    csrf_from,
    post_form,
    reset_rate_limits,
)

CONFIRM_LINK = re.compile(r"http://relay\.test/join/confirm/([A-Za-z0-9_\-]+)")


async def _code(company_id: int) -> str:
    return (await Company.get(id=company_id)).join_code


async def _request(client, code: str, email: str) -> str:
    """Opens the link (one click), asks for a confirmation mail; returns the raw token."""
    response = await post_form(client, f"/join/{code}", {"email": email})
    assert response.status_code == 303
    assert response.headers["location"] == f"/join/{code}/sent"
    mail = await MailMessage.filter(kind=MailKind.JOIN_CONFIRM).order_by("-id").first()
    assert mail is not None
    found = CONFIRM_LINK.search(mail.body_text)
    assert found, mail.body_text
    return found.group(1)


async def _confirm(client, token: str):
    page = await client.get(f"/join/confirm/{token}")
    assert page.status_code == 200
    return await client.post(f"/join/confirm/{token}", data={"csrf_token": csrf_from(page)})


async def test_unknown_code_is_a_404(client):
    response = await client.get("/join/nope")
    assert response.status_code == 404
    assert "この参加用リンクは無効です" in response.text


async def test_clicks_are_counted_and_an_unconfirmed_address_never_counts(client, company_a):
    # given
    code = await _code(company_a.company_id)

    # when
    page = await client.get(f"/join/{code}?lang=en")  # a language switch is not a click
    token = await _request(client, code, "Link.User@Example.jp")

    # then
    assert page.status_code == 200
    assert "株式会社エー" in page.text
    assert await Referral.all().count() == 0
    assert await join.stats(company_a.company_id) == join.JoinStats(1, 0, 0)
    mail = await MailMessage.get(kind=MailKind.JOIN_CONFIRM)
    assert mail.recipient == "link.user@example.jp"
    assert mail.company_id == company_a.company_id
    stored = await CandidateToken.get(purpose=TokenPurpose.JOIN_CONFIRM)
    assert stored.token_hash != token and stored.used_at is None
    # the confirmation page only shows: mail scanners prefetch it
    assert (await client.get(f"/join/confirm/{token}")).status_code == 200
    assert await Referral.all().count() == 0
    # the address is not in any URL
    assert "example.jp" not in (await client.get(f"/join/{code}/sent")).url.path


async def test_confirm_then_register_counts_for_the_company(client, company_a):
    # given
    code = await _code(company_a.company_id)
    token = await _request(client, code, "link.user@example.jp")

    # when
    confirmed = await _confirm(client, token)

    # then
    assert confirmed.status_code == 303
    location = confirmed.headers["location"]
    assert location.startswith("/register/")
    referral = await Referral.get()
    assert referral.source == ReferralSource.LINK
    assert referral.company_id == company_a.company_id
    assert referral.email_normalized == "link.user@example.jp"
    assert referral.status == ReferralStatus.CLICKED
    assert await join.stats(company_a.company_id) == join.JoinStats(1, 1, 0)

    # when: the same registration form as a rejection mail's
    form = await client.get(location)
    assert 'value="link.user@example.jp" readonly' in form.text
    registered = await client.post(
        location, data={"csrf_token": csrf_from(form), **PROFILE, "share": "1"}
    )

    # then
    assert registered.status_code == 200
    await referral.refresh_from_db()
    assert referral.status == ReferralStatus.QUALIFIED
    assert await join.stats(company_a.company_id) == join.JoinStats(1, 1, 1)


async def test_confirming_twice_makes_one_referral(client, company_a):
    # given
    code = await _code(company_a.company_id)
    token = await _request(client, code, "twice@example.jp")

    # when: the same link twice, then a second mail for the same address
    first = await _confirm(client, token)
    second = await _confirm(client, token)
    other = await _request(client, code, "TWICE@example.jp")
    third = await _confirm(client, other)

    # then
    assert await Referral.all().count() == 1
    assert {r.status_code for r in (first, second, third)} == {303}
    # each confirmation hands out a fresh registration link; only the latest works
    assert (await client.get(first.headers["location"])).status_code == 404
    latest = await client.get(third.headers["location"])
    assert latest.status_code == 200
    assert await join.stats(company_a.company_id) == join.JoinStats(2, 1, 0)


async def test_confirming_after_registration_shows_done(client, company_a):
    code = await _code(company_a.company_id)
    token = await _request(client, code, "done@example.jp")
    confirmed = await _confirm(client, token)
    await post_form(client, confirmed.headers["location"], PROFILE)

    again = await _confirm(client, token)

    assert again.status_code == 200
    assert "このリンクからの登録は完了しています" in again.text
    assert await Referral.all().count() == 1


async def test_invalid_email_is_reported_next_to_the_field(client, company_a):
    code = await _code(company_a.company_id)

    for value, message in [
        ("", "メールアドレス: 入力してください。"),
        ("not an address", "メールアドレス: 形式が正しくありません"),
        ("<script>alert(1)</script>@x", "メールアドレス: 形式が正しくありません"),
    ]:
        response = await post_form(client, f"/join/{code}", {"email": value})
        assert response.status_code == 422
        assert 'id="email-error"' in response.text
        assert message in response.text
        assert "<script>" not in response.text
    assert await MailMessage.all().count() == 0


async def test_expired_or_unknown_confirmation_link(client, company_a):
    code = await _code(company_a.company_id)
    token = await _request(client, code, "late@example.jp")
    await CandidateToken.all().update(expires_at=datetime.now(UTC) - timedelta(minutes=1))

    assert (await client.get(f"/join/confirm/{token}")).status_code == 410
    posted = await post_form(client, f"/join/confirm/{token}", {}, form_page="/me")
    assert posted.status_code == 410
    assert (await client.get("/join/confirm/unknown")).status_code == 404
    assert await Referral.all().count() == 0


async def test_forged_csrf_on_confirmation_creates_nothing(client, company_a):
    code = await _code(company_a.company_id)
    token = await _request(client, code, "csrf@example.jp")

    response = await client.post(f"/join/confirm/{token}", data={"csrf_token": "forged"})

    assert response.status_code == 403
    assert await Referral.all().count() == 0


async def test_one_address_gets_a_bounded_number_of_mails(client, company_a):
    code = await _code(company_a.company_id)
    for _ in range(5):
        response = await post_form(client, f"/join/{code}", {"email": "flood@example.jp"})
        assert response.status_code in (303, 429)
    # the page answers the same, but the address got at most three mails this hour
    assert await MailMessage.filter(kind=MailKind.JOIN_CONFIRM).count() == 3


async def test_inactive_company_link_is_a_404(client, company_a):
    await Company.filter(id=company_a.company_id).update(status="SUSPENDED")
    code = await _code(company_a.company_id)
    assert (await client.get(f"/join/{code}")).status_code == 404
