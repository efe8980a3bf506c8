"""/register/{token}: the registration form of a referral, every bad input, and who counts."""

from __future__ import annotations

from datetime import timedelta

from server.candidates import consent as consent_core
from server.config import get_settings
from server.models import (
    Candidate,
    Consent,
    ConsentScope,
    MailMessage,
    Referral,
    ReferralStatus,
    Tag,
    TagCategory,
)
from tests.web.candidate_helpers import (  # noqa: F401  (reset_rate_limits is autouse)
    PROFILE,
    csrf_from,
    make_referral,
    post_form,
    reset_rate_limits,
)

SCRIPT = "<script>alert(1)</script>"


async def _snapshot(referral: Referral) -> tuple:
    await referral.refresh_from_db()
    return (
        referral.status,
        referral.registered_at,
        referral.candidate_id,
        await Candidate.all().count(),
        await Consent.all().count(),
    )


async def test_form_is_prefilled_and_consents_unticked(client, company_a):
    # given
    _, raw = await make_referral(company_a.company_id, name="山田 花子", email="Hanako@Example.jp")

    # when
    page = await client.get(f"/register/{raw}")

    # then
    assert page.status_code == 200
    body = page.text
    assert 'value="山田 花子"' in body
    assert 'value="Hanako@Example.jp" readonly' in body
    assert 'name="share" value="1" aria-describedby' in body  # no "checked"
    assert 'name="share" value="1" checked' not in body
    assert 'name="follow_up" value="1" checked' not in body
    assert 'href="/privacy"' in body
    assert "株式会社エー" in body


async def test_get_never_changes_the_referral(client, company_a):
    # given
    referral, raw = await make_referral(company_a.company_id)
    before = await _snapshot(referral)

    # when: a mail scanner prefetches the link, twice
    for _ in range(2):
        assert (await client.get(f"/register/{raw}")).status_code == 200

    # then
    assert await _snapshot(referral) == before
    assert before[0] == ReferralStatus.MAILED


async def test_register_creates_candidate_consents_and_qualifies(
    client, company_a, redis, fresh_mail_ids
):
    # given
    referral, raw = await make_referral(company_a.company_id, email="taro@example.jp")

    # when
    response = await post_form(
        client, f"/register/{raw}", {**PROFILE, "share": "1", "follow_up": "1"}
    )

    # then
    assert response.status_code == 200
    assert "ご登録ありがとうございます" in response.text
    assert 'href="/me"' in response.text
    candidate = await Candidate.get(email_normalized="taro@example.jp")
    assert candidate.display_name == "山田 太郎"
    assert candidate.experience_years == 5
    assert candidate.sharing is True
    consents = await Consent.filter(candidate_id=candidate.id).order_by("id")
    assert [(c.scope, c.granted, c.company_id) for c in consents] == [
        (ConsentScope.NETWORK_SHARING, True, None),
        (ConsentScope.FOLLOW_UP, True, company_a.company_id),
    ]
    assert {c.terms_version for c in consents} == {consent_core.TERMS_VERSION}
    assert {c.source for c in consents} == {"web:register"}
    await referral.refresh_from_db()
    assert referral.status == ReferralStatus.QUALIFIED
    assert referral.candidate_id == candidate.id
    assert referral.registered_at is not None and referral.qualified_at is not None
    jobs = await redis.queued_jobs(queue_name=get_settings().queue_name)
    confirmation = await MailMessage.get(candidate_id=candidate.id)
    assert sorted((j.function, j.args) for j in jobs) == [
        ("match_candidate", (candidate.id,)),
        ("send_mail", (confirmation.id,)),
        ("settle_credits", (company_a.company_id,)),
    ]


async def test_without_sharing_the_referral_stays_registered(client, company_a, redis):
    # given
    referral, raw = await make_referral(company_a.company_id)

    # when
    response = await post_form(client, f"/register/{raw}", PROFILE)

    # then
    assert response.status_code == 200
    await referral.refresh_from_db()
    assert referral.status == ReferralStatus.REGISTERED
    candidate = await Candidate.get(id=referral.candidate_id)
    assert candidate.sharing is False
    granted = await Consent.filter(candidate_id=candidate.id).values_list("granted", flat=True)
    assert granted == [False, False]  # both choices recorded as given: no
    assert await redis.queued_jobs(queue_name=get_settings().queue_name) == []


async def test_full_width_input_is_normalised_to_tags(client, company_a):
    # given
    referral, raw = await make_referral(company_a.company_id)
    data = {
        **PROFILE,
        "experience_years": "５",
        "skills": "Ｐｙｔｈｏｎ、ＳＱＬ，Ｐｙｔｈｏｎ",
        "locations": "東京、　大阪 ",
    }

    # when
    response = await post_form(client, f"/register/{raw}", data)

    # then
    assert response.status_code == 200
    await referral.refresh_from_db()
    candidate = await Candidate.get(id=referral.candidate_id)
    assert candidate.experience_years == 5
    tags = {t.id: t for t in await Tag.filter(id__in=candidate.tag_ids)}
    skills = [tags[i] for i in candidate.tag_ids if tags[i].category == TagCategory.SKILL]
    assert len(skills) == 2  # Ｐｙｔｈｏｎ twice is one tag
    assert "python" in {t.slug for t in skills} or any("python" in t.synonyms for t in skills)
    locations = [tags[i] for i in candidate.tag_ids if tags[i].category == TagCategory.LOCATION]
    assert len(locations) == 2


async def test_missing_required_fields_are_reported_next_to_each(client, company_a):
    # given
    referral, raw = await make_referral(company_a.company_id)
    before = await _snapshot(referral)

    # when
    response = await post_form(
        client,
        f"/register/{raw}",
        {"display_name": "  ", "headline": "", "experience_years": "", "share": "1"},
    )

    # then
    assert response.status_code == 422
    body = response.text
    for name in ("display_name", "headline", "experience_years"):
        assert f'id="{name}-error"' in body
        assert f'aria-describedby="{name}-error {name}-hint"' in body
    assert 'aria-invalid="true"' in body
    assert "お名前: 入力してください。" in body  # the summary names the field
    assert 'role="alert"' in body
    # the ticked consent is kept on the form; nothing is stored
    assert 'name="share" value="1" checked' in body
    assert await _snapshot(referral) == before


async def test_a_ten_thousand_character_headline_is_refused(client, company_a):
    # given
    referral, raw = await make_referral(company_a.company_id)
    before = await _snapshot(referral)

    # when
    response = await post_form(client, f"/register/{raw}", {**PROFILE, "headline": "あ" * 10_000})

    # then
    assert response.status_code == 422
    assert 'id="headline-error"' in response.text
    assert "200 文字以内で入力してください。" in response.text
    assert await _snapshot(referral) == before


async def test_bad_numbers_and_too_many_tags_are_refused(client, company_a):
    referral, raw = await make_referral(company_a.company_id)
    before = await _snapshot(referral)

    for field, value in [
        ("experience_years", "-1"),
        ("experience_years", "61"),
        ("experience_years", "5年"),
        ("skills", "、".join(f"skill{i}" for i in range(21))),
        ("skills", "x" * 101),
        ("desired_conditions", "あ" * 1001),
    ]:
        response = await post_form(client, f"/register/{raw}", {**PROFILE, field: value})
        assert response.status_code == 422, (field, value)
        assert f'id="{field}-error"' in response.text, (field, value)

    assert await _snapshot(referral) == before


async def test_script_in_every_field_is_escaped_on_the_error_page(client, company_a):
    # given
    referral, raw = await make_referral(company_a.company_id)
    before = await _snapshot(referral)
    data = {name: SCRIPT for name in PROFILE}

    # when: the years field makes the form fail, so every value is shown again
    response = await post_form(client, f"/register/{raw}", data)

    # then
    assert response.status_code == 422
    assert "<script" not in response.text
    assert response.text.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= len(PROFILE) - 1
    assert await _snapshot(referral) == before


async def test_script_stored_as_text_is_escaped_everywhere_it_shows(client, company_a):
    # given
    referral, raw = await make_referral(company_a.company_id, name=SCRIPT)
    data = {**{name: SCRIPT for name in PROFILE}, "experience_years": "3"}

    # when
    response = await post_form(client, f"/register/{raw}", data)

    # then: stored as the person typed it, and shown escaped
    assert response.status_code == 200
    await referral.refresh_from_db()
    candidate = await Candidate.get(id=referral.candidate_id)
    assert candidate.display_name == SCRIPT
    assert candidate.headline == SCRIPT
    from server import tokens
    from server.models import TokenPurpose

    portal_token = await tokens.issue(TokenPurpose.PORTAL, candidate_id=candidate.id)
    page = await client.get(f"/me/{portal_token}")
    assert page.status_code == 200
    assert "<script" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


async def test_unknown_and_expired_tokens_get_a_clear_page(client, company_a):
    # given
    expired, raw = await make_referral(company_a.company_id, expires_in=timedelta(days=-1))
    before = await _snapshot(expired)

    # when / then
    unknown = await client.get("/register/not-a-real-token")
    assert unknown.status_code == 404
    assert "リンクが見つかりません" in unknown.text
    page = await client.get(f"/register/{raw}")
    assert page.status_code == 410
    assert "リンクの有効期限が切れています" in page.text
    posted = await post_form(client, f"/register/{raw}", PROFILE, form_page="/me")
    assert posted.status_code == 410
    assert await _snapshot(expired) == before


async def test_cancelled_referral_is_not_found(client, company_a):
    _, raw = await make_referral(company_a.company_id, status=ReferralStatus.CANCELLED)
    assert (await client.get(f"/register/{raw}")).status_code == 404


async def test_double_submit_and_reused_token_change_nothing(client, company_a):
    # given
    referral, raw = await make_referral(company_a.company_id)
    page = await client.get(f"/register/{raw}")
    token = csrf_from(page)
    first = await client.post(
        f"/register/{raw}", data={"csrf_token": token, **PROFILE, "share": "1"}
    )
    assert first.status_code == 200
    after_first = await _snapshot(referral)
    candidate = await Candidate.get(id=referral.candidate_id)

    # when: the same form is submitted again, then the link is reused with other answers
    second = await client.post(
        f"/register/{raw}", data={"csrf_token": token, **PROFILE, "share": "1"}
    )
    reused = await post_form(
        client,
        f"/register/{raw}",
        {**PROFILE, "headline": "changed", "follow_up": "1"},
        form_page="/me",
    )

    # then
    for response in (second, reused):
        assert response.status_code == 200
        assert "このリンクからの登録は完了しています" in response.text
        assert 'href="/me"' in response.text
    assert await _snapshot(referral) == after_first
    await candidate.refresh_from_db()
    assert candidate.headline == PROFILE["headline"]
    assert (await client.get(f"/register/{raw}")).text.count("登録は完了しています") >= 1


async def test_forged_or_missing_csrf_token_is_refused(client, company_a):
    # given
    referral, raw = await make_referral(company_a.company_id)
    page = await client.get(f"/register/{raw}")
    good = csrf_from(page)
    before = await _snapshot(referral)

    forged = [
        {},  # no token
        {"csrf_token": "forged"},
        {"csrf_token": good[:-2] + ("AA" if not good.endswith("AA") else "BB")},
    ]
    # when / then
    for extra in forged:
        response = await client.post(f"/register/{raw}", data={**PROFILE, **extra})
        assert response.status_code == 403
        assert "フォームの有効期限が切れました" in response.text
    # a valid token from another browser (another cookie) does not pass either
    client.cookies.set("relay_csrf", "another-browser-value-0123456789", domain="relay.test")
    response = await client.post(f"/register/{raw}", data={**PROFILE, "csrf_token": good})
    assert response.status_code == 403
    # nor does a cross-site post carrying a good pair
    client.cookies.clear()
    page = await client.get(f"/register/{raw}")
    response = await client.post(
        f"/register/{raw}",
        data={**PROFILE, "csrf_token": csrf_from(page)},
        headers={"origin": "https://evil.example", "sec-fetch-site": "cross-site"},
    )
    assert response.status_code == 403
    assert await _snapshot(referral) == before


async def test_same_person_from_two_companies_counts_once(client, company_a, company_b, redis):
    # given: the same person rejected by two companies, with two spellings of the address
    first, raw_a = await make_referral(company_a.company_id, email="Sato@Example.jp")
    second, raw_b = await make_referral(company_b.company_id, email="sato@example.jp")

    # when
    assert (await post_form(client, f"/register/{raw_a}", {**PROFILE, "share": "1"})).is_success
    page = await client.get(f"/register/{raw_b}")
    assert 'name="share" value="1" checked' in page.text  # the profile is already shared
    assert 'value="バックエンドエンジニア"' in page.text
    assert (
        await client.post(
            f"/register/{raw_b}",
            data={"csrf_token": csrf_from(page), **PROFILE, "share": "1", "follow_up": "1"},
        )
    ).is_success

    # then
    assert await Candidate.all().count() == 1
    candidate = await Candidate.get()
    await first.refresh_from_db()
    await second.refresh_from_db()
    assert first.status == ReferralStatus.QUALIFIED
    assert second.status == ReferralStatus.DUPLICATE
    assert first.candidate_id == second.candidate_id == candidate.id
    follow_ups = await Consent.filter(scope=ConsentScope.FOLLOW_UP).order_by("id")
    assert [(c.company_id, c.granted) for c in follow_ups] == [
        (company_a.company_id, False),
        (company_b.company_id, True),
    ]
    jobs = await redis.queued_jobs(queue_name=get_settings().queue_name)
    assert [j.args for j in jobs if j.function == "settle_credits"] == [(company_a.company_id,)]


async def test_first_company_counts_once_sharing_is_granted_later(client, company_a, company_b):
    # given: registered through A without sharing
    first, raw_a = await make_referral(company_a.company_id)
    second, raw_b = await make_referral(company_b.company_id)
    await post_form(client, f"/register/{raw_a}", PROFILE)

    # when: registering through B, now sharing
    await post_form(client, f"/register/{raw_b}", {**PROFILE, "share": "1"})

    # then: the first company to bring the person counts
    await first.refresh_from_db()
    await second.refresh_from_db()
    assert first.status == ReferralStatus.QUALIFIED
    assert second.status == ReferralStatus.DUPLICATE


async def test_english_by_accept_language_and_switch(client, company_a):
    _, raw = await make_referral(company_a.company_id)

    english = await client.get(f"/register/{raw}", headers={"accept-language": "en-US,en;q=0.9"})
    assert english.headers["content-language"] == "en"
    assert "Create your profile" in english.text
    assert '<html lang="en">' in english.text

    switched = await client.get(f"/register/{raw}?lang=en")
    assert "Create your profile" in switched.text
    assert "lang=en" in switched.headers["set-cookie"]
    remembered = await client.get(f"/register/{raw}")
    assert "Create your profile" in remembered.text
    back = await client.get(f"/register/{raw}?lang=ja")
    assert "プロフィールの登録" in back.text


async def test_english_error_messages(client, company_a):
    _, raw = await make_referral(company_a.company_id)
    client.cookies.set("lang", "en", domain="relay.test")
    response = await post_form(client, f"/register/{raw}", {**PROFILE, "display_name": ""})
    assert response.status_code == 422
    assert "Name: Please fill this in." in response.text
