"""Members and API keys in the console: roles decide who changes what."""

from __future__ import annotations

import re

from server.models import ApiKey, AuditEvent, Member, MemberRole
from tests.fixtures.console import add_member


async def test_an_owner_invites_a_recruiter_and_the_audit_names_them(
    console_member, redis, fresh_mail_ids
):
    owner = await console_member(MemberRole.OWNER)
    answer = await owner.post(
        "/app/members/invite",
        {"email": "ｓａｉｙｏ＠example.jp", "name": "採用 次郎", "role": "RECRUITER"},
        form_page="/app/members",
    )
    assert answer.status_code == 303
    page = await owner.get(answer.headers["location"])
    assert "招待メールを送信しました" in page.text
    assert "saiyo@example.jp" in page.text  # full-width input, normalised
    invited = await Member.get(email="saiyo@example.jp")
    assert invited.role == MemberRole.RECRUITER
    event = await AuditEvent.get(action="member.invite", target_id=str(invited.id))
    assert event.member_id == owner.member_id

    # the same address twice is a message next to the field, nothing lost
    again = await owner.post(
        "/app/members/invite", {"email": "saiyo@example.jp"}, form_page="/app/members"
    )
    assert again.status_code == 422
    assert 'id="email-error"' in again.text


async def test_a_viewer_changes_nothing_and_a_recruiter_manages_no_keys(console_member):
    owner = await console_member(MemberRole.OWNER)
    viewer = await console_member(MemberRole.VIEWER, company_id=owner.company_id)
    recruiter = await console_member(MemberRole.RECRUITER, company_id=owner.company_id)

    page = await viewer.get("/app/members")
    assert "/app/members/invite" not in page.text  # no form to use
    refused = await viewer.post(
        "/app/members/invite", {"email": "x@example.jp"}, form_page="/app/members"
    )
    assert refused.status_code == 403
    assert "許可されていません" in refused.text
    assert not await Member.exists(email="x@example.jp")

    keys_before = await ApiKey.filter(company_id=owner.company_id).count()
    refused = await recruiter.post("/app/keys/create", {"name": "ci"}, form_page="/app/keys")
    assert refused.status_code == 403
    assert await ApiKey.filter(company_id=owner.company_id).count() == keys_before


async def test_an_api_key_is_shown_once_and_revoked(console_member):
    owner = await console_member(MemberRole.OWNER)
    created = await owner.post("/app/keys/create", {"name": "ATS 連携"}, form_page="/app/keys")
    assert created.status_code == 200
    [secret] = re.findall(r'id="new-secret"[^>]*>([^<]+)<', created.text)
    assert secret.startswith("rk_")
    graphql = await owner.http.post(
        "/graphql",
        json={"query": "{ viewer { name } }"},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert graphql.json()["data"]["viewer"]["name"] == "株式会社コンソール"
    listing = await owner.get("/app/keys")
    assert secret not in listing.text and "ATS 連携" in listing.text

    key = await ApiKey.get(name="ATS 連携")
    revoked = await owner.post(f"/app/keys/{key.id}/revoke", form_page="/app/keys")
    assert revoked.status_code == 303
    await key.refresh_from_db()
    assert key.revoked_at is not None


async def test_the_last_owner_stays(console_member):
    owner = await console_member(MemberRole.OWNER)
    admin = await console_member(MemberRole.ADMIN, company_id=owner.company_id)
    # an admin cannot touch an owner
    refused = await admin.post(f"/app/members/{owner.member_id}/remove", form_page="/app/members")
    assert refused.status_code == 403
    # an owner cannot leave the company without one
    other = await add_member(owner.company_id, MemberRole.VIEWER, "v@example.jp")
    answer = await owner.post(
        f"/app/members/{other.id}/role", {"role": "OWNER"}, form_page="/app/members"
    )
    assert answer.status_code == 303
    demoted = await owner.post(
        f"/app/members/{other.id}/role", {"role": "VIEWER"}, form_page="/app/members"
    )
    assert demoted.status_code == 303
    assert (await Member.get(id=other.id)).role == MemberRole.VIEWER


async def test_another_companys_member_ids_get_nothing(console_member):
    a = await console_member(MemberRole.OWNER)
    b = await console_member(MemberRole.OWNER)
    for path in ("remove", "role", "reinvite"):
        answer = await a.post(
            f"/app/members/{b.member_id}/{path}", {"role": "VIEWER"}, form_page="/app/members"
        )
        assert answer.status_code == 404, path
    key = await ApiKey.filter(company_id=b.company_id).first()
    answer = await a.post(f"/app/keys/{key.id}/revoke", form_page="/app/keys")
    assert answer.status_code == 404
    assert (await ApiKey.get(id=key.id)).revoked_at is None
    assert (await Member.get(id=b.member_id)).removed_at is None
