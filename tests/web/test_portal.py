"""/me and /me/{token}: portal links by mail, profile, consent, introductions, export, erasure."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

from server import tokens
from server.candidates import portal
from server.models import (
    Candidate,
    CandidateToken,
    Company,
    Consent,
    ConsentScope,
    Introduction,
    MailKind,
    MailMessage,
    MailStatus,
    Opening,
    ProvisionRecord,
    Referral,
    ReferralStatus,
    TokenPurpose,
)
from tests.web.candidate_helpers import (  # noqa: F401  (reset_rate_limits is autouse)
    PROFILE,
    csrf_from,
    make_referral,
    post_form,
    reset_rate_limits,
)

PORTAL_LINK = re.compile(r"http://relay\.test/me/([A-Za-z0-9_\-]+)")
# Portal links asked for on /me (registering mails one too: server/registration_mails.py).
REQUESTED_LINKS = {"kind": MailKind.PORTAL_LINK, "dedupe_key__startswith": "portal-link:"}


async def _registered(client, company_id: int, email: str = "taro@example.jp", **extra):
    referral, raw = await make_referral(company_id, email=email)
    response = await post_form(client, f"/register/{raw}", {**PROFILE, **extra})
    assert response.status_code == 200
    await referral.refresh_from_db()
    return referral, await Candidate.get(id=referral.candidate_id)


async def _portal_token(candidate: Candidate) -> str:
    return await tokens.issue(TokenPurpose.PORTAL, candidate_id=candidate.id)


async def test_me_answers_the_same_for_known_and_unknown_addresses(client, company_a):
    # given
    await _registered(client, company_a.company_id, email="known@example.jp")

    # when
    known = await post_form(client, "/me", {"email": "Known@Example.jp"})
    unknown = await post_form(client, "/me", {"email": "nobody@example.jp"})

    # then
    assert known.status_code == unknown.status_code == 303
    assert known.headers["location"] == unknown.headers["location"] == "/me/sent"
    assert "example.jp" not in known.headers["location"]
    sent_known = await client.get(known.headers["location"])
    sent_unknown = await client.get(unknown.headers["location"])
    strip = re.compile(r'value="[^"]*"')
    assert strip.sub("", sent_known.text) == strip.sub("", sent_unknown.text)
    mails = await MailMessage.filter(**REQUESTED_LINKS)
    assert [m.recipient for m in mails] == ["known@example.jp"]
    assert PORTAL_LINK.search(mails[0].body_text)


async def test_portal_link_from_the_mail_opens_the_portal(client, company_a):
    # given
    _, candidate = await _registered(client, company_a.company_id, share="1", follow_up="1")
    await post_form(client, "/me", {"email": "taro@example.jp"})
    mail = await MailMessage.get(**REQUESTED_LINKS)
    raw = PORTAL_LINK.search(mail.body_text).group(1)

    # when
    page = await client.get(f"/me/{raw}")

    # then
    assert page.status_code == 200
    assert 'value="山田 太郎"' in page.text
    assert "現在: 同意しています" in page.text
    assert "株式会社エーからのご案内メール" in page.text
    token = await CandidateToken.filter(purpose=TokenPurpose.PORTAL).order_by("-id").first()
    assert token.candidate_id == candidate.id
    assert token.expires_at - datetime.now(UTC) > timedelta(days=6, hours=23)
    # a portal link works more than once until it expires
    assert (await client.get(f"/me/{raw}")).status_code == 200


async def test_bad_email_on_me_is_a_form_message(client):
    response = await post_form(client, "/me", {"email": "not-an-address"})
    assert response.status_code == 422
    assert 'id="email-error"' in response.text
    assert await MailMessage.all().count() == 0


async def test_expired_and_unknown_portal_links(client, company_a):
    _, candidate = await _registered(client, company_a.company_id)
    raw = await _portal_token(candidate)
    await CandidateToken.filter(purpose=TokenPurpose.PORTAL).update(
        expires_at=datetime.now(UTC) - timedelta(seconds=1)
    )

    expired = await client.get(f"/me/{raw}")
    unknown = await client.get("/me/unknown-token")

    assert expired.status_code == 410
    assert "リンクの有効期限が切れています" in expired.text
    assert 'href="/me"' in expired.text
    assert unknown.status_code == 404
    # a token of another purpose does not open the portal
    other = await tokens.issue(TokenPurpose.UNSUBSCRIBE, candidate_id=candidate.id)
    assert (await client.get(f"/me/{other}")).status_code == 404


async def test_withdraw_network_consent_is_effective_at_once(client, company_a):
    # given
    _, candidate = await _registered(client, company_a.company_id, share="1")
    assert candidate.sharing is True
    raw = await _portal_token(candidate)
    page = await client.get(f"/me/{raw}")
    csrf = csrf_from(page)
    rows_before = await Consent.filter(candidate_id=candidate.id).count()

    # when
    data = {"csrf_token": csrf, "scope": "NETWORK_SHARING", "granted": "0"}
    response = await client.post(f"/me/{raw}/consent", data=data)
    again = await client.post(f"/me/{raw}/consent", data=data)  # double submit

    # then
    assert response.status_code == again.status_code == 303
    assert response.headers["location"] == f"/me/{raw}?ok=consent"
    await candidate.refresh_from_db()
    assert candidate.sharing is False
    rows = await Consent.filter(candidate_id=candidate.id).order_by("id")
    assert len(rows) == rows_before + 1
    assert (rows[-1].scope, rows[-1].granted, rows[-1].source) == (
        ConsentScope.NETWORK_SHARING,
        False,
        "web:portal",
    )
    shown = await client.get(response.headers["location"])
    assert "同意の設定を変更しました" in shown.text
    assert "現在: 同意していません" in shown.text


async def test_granting_sharing_later_qualifies_the_referral(client, company_a, redis):
    referral, candidate = await _registered(client, company_a.company_id)
    assert referral.status == ReferralStatus.REGISTERED
    raw = await _portal_token(candidate)

    response = await post_form(
        client,
        f"/me/{raw}/consent",
        {"scope": "NETWORK_SHARING", "granted": "1"},
        form_page=f"/me/{raw}",
    )

    assert response.status_code == 303
    await referral.refresh_from_db()
    await candidate.refresh_from_db()
    assert referral.status == ReferralStatus.QUALIFIED
    assert candidate.sharing is True


async def test_follow_up_consent_per_company_and_forged_company(client, company_a, company_b):
    _, candidate = await _registered(client, company_a.company_id, follow_up="1")
    raw = await _portal_token(candidate)
    before = await Consent.all().count()

    forged = await post_form(
        client,
        f"/me/{raw}/consent",
        {"scope": "FOLLOW_UP", "granted": "1", "company": str(company_b.company_id)},
        form_page=f"/me/{raw}",
    )
    bad_scope = await post_form(
        client,
        f"/me/{raw}/consent",
        {"scope": "<script>", "granted": "1"},
        form_page=f"/me/{raw}",
    )
    withdrawn = await post_form(
        client,
        f"/me/{raw}/consent",
        {"scope": "FOLLOW_UP", "granted": "0", "company": str(company_a.company_id)},
        form_page=f"/me/{raw}",
    )

    assert forged.status_code == 400
    assert bad_scope.status_code == 400
    assert "<script>" not in bad_scope.text
    assert withdrawn.status_code == 303
    rows = await Consent.all().order_by("id")
    assert len(rows) == before + 1
    assert (rows[-1].scope, rows[-1].company_id, rows[-1].granted) == (
        ConsentScope.FOLLOW_UP,
        company_a.company_id,
        False,
    )


async def test_profile_edit_with_errors_changes_nothing(client, company_a):
    _, candidate = await _registered(client, company_a.company_id)
    raw = await _portal_token(candidate)

    bad = await post_form(
        client,
        f"/me/{raw}/profile",
        {**PROFILE, "headline": "x" * 10_000, "display_name": "<b>new</b>"},
        form_page=f"/me/{raw}",
    )
    good = await post_form(
        client,
        f"/me/{raw}/profile",
        {**PROFILE, "headline": "データエンジニア", "skills": "Ｇｏ、Ｒｕｓｔ"},
        form_page=f"/me/{raw}",
    )

    assert bad.status_code == 422
    assert 'id="headline-error"' in bad.text
    assert "&lt;b&gt;new&lt;/b&gt;" in bad.text
    assert good.status_code == 303
    await candidate.refresh_from_db()
    assert candidate.headline == "データエンジニア"
    assert candidate.display_name == "山田 太郎"
    shown = await client.get(f"/me/{raw}")
    assert "Go、Rust" in shown.text


async def test_forged_csrf_on_portal_forms_changes_nothing(client, company_a):
    _, candidate = await _registered(client, company_a.company_id, share="1")
    raw = await _portal_token(candidate)
    await client.get(f"/me/{raw}")

    for path, data in [
        ("consent", {"scope": "NETWORK_SHARING", "granted": "0"}),
        ("profile", {**PROFILE, "headline": "hacked"}),
        ("erase", {"confirm": "1"}),
    ]:
        response = await client.post(f"/me/{raw}/{path}", data={**data, "csrf_token": "x"})
        assert response.status_code == 403, path

    await candidate.refresh_from_db()
    assert candidate.sharing is True
    assert candidate.headline == PROFILE["headline"]
    assert candidate.erased_at is None


async def test_introductions_are_listed(client, company_a, company_b):
    _, candidate = await _registered(client, company_a.company_id, share="1")
    opening = await Opening.create(company_id=company_b.company_id, title="SRE <lead>")
    intro = await Introduction.create(
        company_id=company_b.company_id,
        opening=opening,
        candidate=candidate,
        expires_at=datetime.now(UTC) + timedelta(days=14),
    )
    raw = await _portal_token(candidate)

    page = await client.get(f"/me/{raw}")

    assert page.status_code == 200
    assert "SRE &lt;lead&gt;" in page.text
    assert "B Corpから紹介リクエストが届いています。" in page.text
    assert "回答待ち" in page.text
    form_action = f'action="/me/{raw}/introductions/{intro.id}"'
    assert form_action in page.text


async def test_export_downloads_my_data_as_json(client, company_a):
    _, candidate = await _registered(client, company_a.company_id, share="1")
    raw = await _portal_token(candidate)

    response = await client.get(f"/me/{raw}/export")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert "attachment" in response.headers["content-disposition"]
    assert response.headers["cache-control"] == "no-store"
    data = json.loads(response.text)
    assert data["profile"]["email"] == "taro@example.jp"
    assert data["profile"]["tags"]["skills"] == ["Python", "SQL"]
    assert [c["scope"] for c in data["consents"]] == ["NETWORK_SHARING", "FOLLOW_UP"]
    assert data["referrals"][0]["company"] == "株式会社エー"


async def test_erase_wipes_personal_fields_and_keeps_the_referral(client, company_a, make_company):
    # given: registered, qualified, and introduced to a company that received contact details
    referral, candidate = await _registered(client, company_a.company_id, share="1")
    assert referral.status == ReferralStatus.QUALIFIED
    other = await make_company("株式会社シー", slug="company-c", contact_email="hr@c.example.jp")
    opening = await Opening.create(company_id=other.company_id, title="SRE")
    intro = await Introduction.create(
        company_id=other.company_id,
        opening=opening,
        candidate=candidate,
        status="ACCEPTED",
        expires_at=datetime.now(UTC) + timedelta(days=14),
    )
    await ProvisionRecord.create(
        candidate=candidate,
        company_id=other.company_id,
        introduction=intro,
        items=["name", "email"],
    )
    raw = await _portal_token(candidate)

    # when: the confirm step first, without and then with the box ticked
    confirm_page = await client.get(f"/me/{raw}/erase")
    unticked = await client.post(f"/me/{raw}/erase", data={"csrf_token": csrf_from(confirm_page)})
    await candidate.refresh_from_db()
    assert candidate.erased_at is None
    erased = await client.post(
        f"/me/{raw}/erase", data={"csrf_token": csrf_from(confirm_page), "confirm": "1"}
    )

    # then
    assert confirm_page.status_code == 200
    assert unticked.status_code == 422
    assert 'id="confirm-error"' in unticked.text
    assert erased.status_code == 303
    assert erased.headers["location"] == "/me/erased"
    assert "プロフィールを削除しました" in (await client.get("/me/erased")).text
    await candidate.refresh_from_db()
    assert candidate.email is None and candidate.email_normalized is None
    assert candidate.display_name == candidate.headline == candidate.desired_conditions == ""
    assert candidate.tag_ids == []
    assert candidate.sharing is False
    assert candidate.erased_at is not None
    latest = {}
    for row in await Consent.filter(candidate_id=candidate.id).order_by("id"):
        latest[(row.scope, row.company_id)] = row.granted
    assert not any(latest.values())
    await referral.refresh_from_db()
    assert referral.status == ReferralStatus.QUALIFIED
    assert referral.candidate_id == candidate.id
    notice = await MailMessage.get(kind=MailKind.ERASURE_NOTICE)
    assert notice.recipient == "hr@c.example.jp"
    assert notice.company_id == other.company_id
    assert notice.status == MailStatus.PENDING
    assert "山田" not in notice.body_text and "taro@example.jp" not in notice.body_text
    # the portal link is dead, and the address is unknown to /me now
    assert (await client.get(f"/me/{raw}")).status_code == 404
    await post_form(client, "/me", {"email": "taro@example.jp"})
    assert await MailMessage.filter(**REQUESTED_LINKS).count() == 0


async def test_registering_again_after_erasure_does_not_count_twice(client, company_a, company_b):
    referral, candidate = await _registered(client, company_a.company_id, share="1")
    await portal.erase(candidate.id)

    second, _ = await _registered(client, company_b.company_id, share="1")

    await referral.refresh_from_db()
    assert referral.status == ReferralStatus.QUALIFIED
    assert second.status == ReferralStatus.DUPLICATE
    assert await Candidate.filter(erased_at__isnull=True).count() == 1


async def test_portal_requests_are_rate_limited_per_ip(client):
    statuses = []
    for i in range(7):
        response = await post_form(client, "/me", {"email": f"person{i}@example.jp"})
        statuses.append(response.status_code)
    assert statuses[:5] == [303] * 5
    assert statuses[5:] == [429, 429]
    limited = await post_form(client, "/me", {"email": "x@example.jp"})
    assert "しばらくお待ちください" in limited.text
    assert limited.headers["retry-after"].isdigit()


async def test_company_names_in_portal_are_escaped(client, make_company):
    evil = await make_company("<img src=x onerror=alert(1)>", slug="evil")
    referral, raw = await make_referral(evil.company_id)
    page = await client.get(f"/register/{raw}")
    assert "<img" not in page.text
    assert "&lt;img src=x onerror=alert(1)&gt;" in page.text
    await Company.filter(id=evil.company_id).update(name="ok")
    assert await Referral.filter(id=referral.id).exists()
