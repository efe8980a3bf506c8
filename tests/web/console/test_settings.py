"""Settings in the console: profile, time zone, follow-up policy, notifications, webhook
endpoints with their delivery log; MANAGE changes them, every id is the company's own."""

from __future__ import annotations

import pytest_asyncio

from server.models import (
    AuditEvent,
    Company,
    MemberRole,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookFormat,
)
from server.principal import Principal
from server.webhooks import delivery, endpoints
from server.webhooks.events import EventType, emit

PROFILE = {
    "mail_from_name": "株式会社コンソール 人事部",
    "reply_to_email": "jinji@example.jp",
    "contact_email": "ｈｒ＠example.jp",
    "agency_fee_yen": "８５０,０００",
    "undo_window_minutes": "30",
}


@pytest_asyncio.fixture
async def client():
    http_client = delivery.new_client()
    yield http_client
    await http_client.aclose()


async def company(company_id: int) -> Company:
    return await Company.get(id=company_id)


async def test_an_owner_changes_the_profile_and_a_wrong_value_is_shown_by_its_field(
    console_member,
):
    owner = await console_member(MemberRole.OWNER)
    page = await owner.get("/app/settings")
    assert "株式会社コンソール 採用担当" in page.text  # the default sender name, explained
    answer = await owner.post("/app/settings/profile", PROFILE, form_page="/app/settings")
    assert answer.status_code == 303
    assert "会社情報を保存しました" in (await owner.get(answer.headers["location"])).text
    row = await company(owner.company_id)
    assert (row.mail_from_name, row.reply_to_email, row.contact_email) == (
        "株式会社コンソール 人事部",
        "jinji@example.jp",
        "hr@example.jp",
    )
    assert (row.agency_fee_yen, row.undo_window_minutes) == (850_000, 30)
    event = await AuditEvent.get(action="company.settings", company_id=owner.company_id)
    assert event.member_id == owner.member_id  # the audit names the person

    wrong = await owner.post(
        "/app/settings/profile",
        {**PROFILE, "undo_window_minutes": "2000", "agency_fee_yen": "1"},
        form_page="/app/settings",
    )
    assert wrong.status_code == 422
    assert 'id="undo_window_minutes-error"' in wrong.text
    assert "0〜1440の分数" in wrong.text
    assert (await company(owner.company_id)).agency_fee_yen == 850_000  # nothing saved


async def test_the_follow_up_policy_time_zone_and_notifications_change(console_member):
    owner = await console_member(MemberRole.ADMIN)
    answer = await owner.post(
        "/app/settings/followups",
        {"delays_days": "９０、180", "followup_without_match": "1"},
        form_page="/app/settings",
    )
    assert answer.status_code == 303
    row = await company(owner.company_id)
    assert row.followup_delays == [90, 180]
    assert row.followup_enabled is False  # unchecked
    assert row.followup_without_match is True
    event = await AuditEvent.get(action="company.followup_policy", company_id=owner.company_id)
    assert (event.member_id, event.data["delays_days"]) == (owner.member_id, [90, 180])

    wrong = await owner.post(
        "/app/settings/followups",
        {"delays_days": "365, 90", "followup_enabled": "1"},
        form_page="/app/settings",
    )
    assert wrong.status_code == 422
    assert 'id="delays_days-error"' in wrong.text
    assert (await company(owner.company_id)).followup_delays == [90, 180]

    assert (
        await owner.post(
            "/app/settings/timezone", {"timezone": "Asia/Singapore"}, form_page="/app/settings"
        )
    ).status_code == 303
    bad_zone = await owner.post(
        "/app/settings/timezone", {"timezone": "Mars/Olympus"}, form_page="/app/settings"
    )
    assert 'id="timezone-error"' in bad_zone.text
    answer = await owner.post(
        "/app/settings/notifications",
        {"notify_introductions": "1", "notify_reapplications": "1"},
        form_page="/app/settings",
    )
    assert answer.status_code == 303
    row = await company(owner.company_id)
    assert row.timezone == "Asia/Singapore"
    assert (row.notify_introductions, row.notify_reapplications, row.notify_digest) == (
        True,
        True,
        False,
    )


async def test_a_recruiter_and_a_viewer_read_the_settings_but_change_nothing(console_member):
    owner = await console_member(MemberRole.OWNER)
    endpoint = await endpoints.create(
        Principal(None, owner.company_id), "http://127.0.0.1:9/hook", [], WebhookFormat.STANDARD
    )
    before = await company(owner.company_id)
    for role in (MemberRole.RECRUITER, MemberRole.VIEWER):
        member = await console_member(role, company_id=owner.company_id)
        page = await member.get("/app/settings")
        assert page.status_code == 200
        assert "オーナーと管理者のみ" in page.text
        assert 'id="add-endpoint"' not in page.text
        assert (await member.get(f"/app/settings/webhooks/{endpoint.id}")).status_code == 200
        for path, data in (
            ("/app/settings/profile", PROFILE),
            ("/app/settings/timezone", {"timezone": "UTC"}),
            ("/app/settings/followups", {"delays_days": "30"}),
            ("/app/settings/notifications", {}),
            ("/app/settings/webhooks", {"url": "http://127.0.0.1:9/other"}),
            (f"/app/settings/webhooks/{endpoint.id}", {"url": "http://127.0.0.1:9/x"}),
            (f"/app/settings/webhooks/{endpoint.id}/enabled", {"enabled": "0"}),
            (f"/app/settings/webhooks/{endpoint.id}/rotate", {}),
            (f"/app/settings/webhooks/{endpoint.id}/delete", {"confirm": "1"}),
        ):
            refused = await member.post(path, data, form_page="/app/settings")
            assert refused.status_code == 403, (role, path)
    after = await company(owner.company_id)
    assert (after.contact_email, after.timezone, after.followup_delays, after.notify_digest) == (
        before.contact_email,
        before.timezone,
        before.followup_delays,
        before.notify_digest,
    )
    kept = await WebhookEndpoint.get(id=endpoint.id)
    assert (kept.url, kept.enabled, kept.secret) == (endpoint.url, True, endpoint.secret)
    assert await WebhookEndpoint.filter(company_id=owner.company_id).count() == 1


async def test_an_endpoint_is_added_with_its_secret_shown_once_and_its_log_is_read(
    console_member, receiver, client
):
    owner = await console_member(MemberRole.OWNER)
    created = await owner.post(
        "/app/settings/webhooks",
        {"url": receiver.url, "events": ["referral.qualified", "application.reapplied"]},
        form_page="/app/settings",
    )
    assert created.status_code == 200
    endpoint = await WebhookEndpoint.get(company_id=owner.company_id)
    assert endpoint.secret in created.text
    assert endpoint.events == ["application.reapplied", "referral.qualified"]
    page = await owner.get("/app/settings")
    assert receiver.url in page.text
    assert endpoint.secret not in page.text  # once only
    detail = await owner.get(f"/app/settings/webhooks/{endpoint.id}")
    assert endpoint.secret not in detail.text
    assert "まだ配信はありません" in detail.text

    # one event answered 500 then 200: the log shows both attempts and their codes
    receiver.secret = endpoint.secret
    receiver.answers = [500]
    await emit(owner.company_id, EventType.REFERRAL_QUALIFIED, "k1", {"referral": {"id": "x"}})
    assert await delivery.dispatch(client) == 1
    row = await WebhookDelivery.get(endpoint_id=endpoint.id)
    await WebhookDelivery.filter(id=row.id).update(next_attempt_at=row.created_at)
    assert await delivery.dispatch(client) == 1
    log = (await owner.get(f"/app/settings/webhooks/{endpoint.id}")).text
    assert "HTTP 500" in log and "HTTP 200" in log
    assert "配信済み" in log
    assert receiver.received[-1].verified

    # edit the events, disable, rotate (new secret shown once), redeliver, delete
    assert (
        await owner.post(
            f"/app/settings/webhooks/{endpoint.id}",
            {"url": receiver.url, "events": ["mail.bounced"]},
            form_page="/app/settings",
        )
    ).status_code == 303
    await owner.post(
        f"/app/settings/webhooks/{endpoint.id}/enabled", {"enabled": "0"}, form_page="/app/settings"
    )
    rotated = await owner.post(
        f"/app/settings/webhooks/{endpoint.id}/rotate", form_page="/app/settings"
    )
    changed = await WebhookEndpoint.get(id=endpoint.id)
    assert (changed.events, changed.enabled) == (["mail.bounced"], False)
    assert changed.secret != endpoint.secret and changed.secret in rotated.text
    again = await owner.post(
        f"/app/settings/webhooks/{endpoint.id}/deliveries/{row.id}/redeliver",
        form_page="/app/settings",
    )
    assert again.status_code == 303
    assert (await WebhookDelivery.get(id=row.id)).status.value == "PENDING"
    kept = await owner.post(
        f"/app/settings/webhooks/{endpoint.id}/delete", form_page="/app/settings"
    )
    assert kept.status_code == 422  # not ticked: nothing deleted
    assert 'id="confirm-error"' in kept.text
    assert await WebhookEndpoint.exists(id=endpoint.id)
    gone = await owner.post(
        f"/app/settings/webhooks/{endpoint.id}/delete", {"confirm": "1"}, form_page="/app/settings"
    )
    assert gone.status_code == 303
    assert not await WebhookEndpoint.exists(id=endpoint.id)


async def test_a_wrong_url_is_shown_next_to_the_field_and_nothing_is_added(console_member):
    owner = await console_member(MemberRole.OWNER)
    answer = await owner.post(
        "/app/settings/webhooks",
        {"url": "ftp://example.jp/hook", "events": ["referral.qualified"]},
        form_page="/app/settings",
    )
    assert answer.status_code == 422
    assert 'id="url-error"' in answer.text
    assert 'value="referral.qualified" checked' in answer.text  # the choice is kept
    assert not await WebhookEndpoint.exists(company_id=owner.company_id)


async def test_another_companys_endpoint_and_delivery_ids_answer_404(console_member):
    other = await console_member(MemberRole.OWNER)
    theirs = await endpoints.create(
        Principal(None, other.company_id), "http://127.0.0.1:9/theirs", [], WebhookFormat.STANDARD
    )
    await emit(other.company_id, EventType.MAIL_BOUNCED, "b1", {"mail": {"id": "x"}})
    their_delivery = await WebhookDelivery.get(endpoint_id=theirs.id)
    me = await console_member(MemberRole.OWNER)
    mine = await endpoints.create(
        Principal(None, me.company_id), "http://127.0.0.1:9/mine", [], WebhookFormat.STANDARD
    )
    assert (await me.get(f"/app/settings/webhooks/{theirs.id}")).status_code == 404
    for path, data in (
        (f"/app/settings/webhooks/{theirs.id}", {"url": "http://127.0.0.1:9/x"}),
        (f"/app/settings/webhooks/{theirs.id}/enabled", {"enabled": "0"}),
        (f"/app/settings/webhooks/{theirs.id}/rotate", {}),
        (f"/app/settings/webhooks/{theirs.id}/delete", {"confirm": "1"}),
        (f"/app/settings/webhooks/{theirs.id}/deliveries/{their_delivery.id}/redeliver", {}),
        (f"/app/settings/webhooks/{mine.id}/deliveries/{their_delivery.id}/redeliver", {}),
    ):
        answer = await me.post(path, data, form_page="/app/settings")
        assert answer.status_code == 404, path
    kept = await WebhookEndpoint.get(id=theirs.id)
    assert (kept.url, kept.enabled, kept.secret) == (theirs.url, True, theirs.secret)
    assert (await WebhookDelivery.get(id=their_delivery.id)).attempts == 0
    page = await me.get("/app/settings")
    assert theirs.url not in page.text
