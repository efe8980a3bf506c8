"""Signing in to the console by a mailed link; sessions end at logout, removal, idle, age."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import httpx

from server.companies import member_sessions
from server.models import MailKind, MailMessage, MemberRole, MemberSession, MemberSignIn
from tests.fixtures.console import add_member, sign_in_path
from tests.scenarios.test_rejection_flow import drain
from tests.web.candidate_helpers import csrf_from, post_form

LINK = re.compile(r"https?://\S+?(/app/sign-in/[A-Za-z0-9_\-]+)")


async def _confirm(client: httpx.AsyncClient, path: str) -> httpx.Response:
    page = await client.get(path)
    assert page.status_code == 200, page.text
    assert "ログインする" in page.text
    return await client.post(path, data={"csrf_token": csrf_from(page)})


async def test_a_member_signs_in_from_the_mailed_link_once(
    client, console_member, redis, smtp_server, smtp_settings, fresh_mail_ids
):
    owner = await console_member(MemberRole.OWNER)
    await add_member(owner.company_id, MemberRole.RECRUITER, "saiyo@example.jp", "採用 次郎")

    # the sign-in form answers the same for a known and an unknown address
    for address in ("saiyo@example.jp", "nobody@example.jp"):
        answer = await post_form(client, "/app/login", {"email": address})
        assert answer.status_code == 303
        assert answer.headers["location"] == "/app/login?sent=1"
    await drain()
    # the invitations went out with it; the unknown address got nothing
    assert sorted(r for m in smtp_server.received for r in m.rcpt_tos) == sorted(
        ["owner-1@example.jp", "saiyo@example.jp", "saiyo@example.jp"]
    )
    [mail] = [m for m in smtp_server.received if "ログインリンク" in m.message["Subject"]]
    assert mail.rcpt_tos == ["saiyo@example.jp"]
    body = mail.message.get_body(("plain",)).get_content()
    assert "採用 次郎様" in body
    assert "15分間" in body
    [path] = LINK.findall(body)

    # a GET (a mail scanner) does not use the link; the button does
    assert (await client.get(path)).status_code == 200
    signed_in = await _confirm(client, path)
    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == "/app"
    cookie = signed_in.cookies["relay_app"]
    members_page = await client.get("/app/members")
    assert members_page.status_code == 200
    assert "採用 次郎" in members_page.text and "採用担当" in members_page.text

    # used once: a second use is refused and says why
    again = await client.get(path)
    assert again.status_code == 410
    assert "使用済み" in again.text
    assert len(cookie) > 30


async def test_the_sign_in_form_refuses_a_non_address_with_a_message(client):
    answer = await post_form(client, "/app/login", {"email": "山田"})
    assert answer.status_code == 422
    assert 'aria-invalid="true"' in answer.text


async def test_pages_need_a_session_and_come_back_after_sign_in(client, console_member):
    owner = await console_member()
    anonymous = await client.get("/app/members?x=1")
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == "/app/login?next=%2Fapp%2Fmembers%3Fx%3D1"
    row = await add_member(owner.company_id, MemberRole.VIEWER, "view@example.jp")
    path = await sign_in_path(row)
    page = await client.get(f"{path}?next=%2Fapp%2Fmembers")
    answer = await client.post(path, data={"csrf_token": csrf_from(page), "next": "/app/members"})
    assert answer.headers["location"] == "/app/members"
    # never to another site
    row2 = await add_member(owner.company_id, MemberRole.VIEWER, "view2@example.jp")
    path2 = await sign_in_path(row2)
    page2 = await client.get(path2)
    answer2 = await client.post(
        path2, data={"csrf_token": csrf_from(page2), "next": "https://evil.example/app"}
    )
    assert answer2.headers["location"] == "/app"


async def test_logout_ends_the_session_on_the_server(console_member):
    member = await console_member()
    session_cookie = member.http.cookies["relay_app"]
    answer = await member.post("/app/logout", form_page="/app/members")
    assert answer.status_code == 303
    replay = httpx.AsyncClient(transport=member.http._transport, base_url="http://relay.test")
    replay.cookies.set("relay_app", session_cookie)
    assert (await replay.get("/app/members")).status_code == 303
    await replay.aclose()


async def test_removing_a_member_ends_their_sessions_at_once(console_member):
    owner = await console_member(MemberRole.OWNER)
    recruiter = await console_member(MemberRole.RECRUITER, company_id=owner.company_id)
    assert (await recruiter.get("/app/members")).status_code == 200
    removed = await owner.post(
        f"/app/members/{recruiter.member_id}/remove", form_page="/app/members"
    )
    assert removed.status_code == 303
    assert "/app/members?ok=" in removed.headers["location"]
    assert (await recruiter.get("/app/members")).status_code == 303


async def test_idle_and_old_sessions_end(console_member):
    member = await console_member()
    session = await MemberSession.get(member_id=member.member_id)
    idle = datetime.now(UTC) - member_sessions.IDLE - timedelta(minutes=1)
    await MemberSession.filter(id=session.id).update(last_seen_at=idle)
    assert (await member.get("/app/members")).status_code == 303

    other = await console_member(email="second@example.jp", company_id=member.company_id)
    await MemberSession.filter(member_id=other.member_id).update(
        expires_at=datetime.now(UTC) - timedelta(seconds=1)
    )
    assert (await other.get("/app/members")).status_code == 303


async def test_an_expired_link_says_so(client, console_member):
    owner = await console_member()
    row = await add_member(owner.company_id, MemberRole.VIEWER, "late@example.jp")
    path = await sign_in_path(row)
    await MemberSignIn.filter(member_id=row.id).update(
        expires_at=datetime.now(UTC) - timedelta(seconds=1)
    )
    answer = await client.get(path)
    assert answer.status_code == 410
    assert html.unescape(answer.text).count("ログインリンクを再送する") == 1


async def test_sign_in_mails_are_capped_per_member(client, console_member, redis, fresh_mail_ids):
    owner = await console_member()
    for _ in range(8):
        await post_form(client, "/app/login", {"email": owner.email})
    # 8 asks: links stop at the hourly cap (the invitation and the fixture's link count)
    assert await MemberSignIn.filter(member_id=owner.member_id).count() == 5
    mails = await MailMessage.filter(kind=MailKind.MEMBER_SIGN_IN, recipient=owner.email)
    assert len(mails) == 4  # the invitation and three sign-in links
