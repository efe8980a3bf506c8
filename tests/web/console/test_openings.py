"""Openings in the console: list with filters, the form's tag preview (NFKC, synonyms,
category, new tags) before saving, close and reopen, one opening's applications and matches;
another company's ids answer 404 and a viewer changes nothing."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest_asyncio

from server.applications import openings
from server.models import (
    Applicant,
    Application,
    ApplicationStatus,
    AuditEvent,
    MemberRole,
    Opening,
    OpeningStatus,
    Tag,
)
from server.network import taxonomy
from server.principal import Principal

FORM = "/app/openings/new"


@pytest_asyncio.fixture(autouse=True)
async def seeded():
    await taxonomy.seed()


def _key(page: str) -> str:
    return re.search(r'name="idempotency_key" value="([^"]+)"', page).group(1)


async def _slugs(opening: Opening) -> list[str]:
    found = {t.id: t.slug for t in await Tag.filter(id__in=opening.tag_ids)}
    return [found[i] for i in opening.tag_ids]


async def _opening(company_id: int, title: str, tags: list[str], **kwargs) -> Opening:
    owner = Principal(api_key_id=None, company_id=company_id)
    return await openings.create(owner, title, "", tags, **kwargs)


async def test_the_preview_shows_the_normalised_tags_and_saves_nothing(console_member):
    recruiter = await console_member(MemberRole.RECRUITER)
    form = {
        "title": "データエンジニア",
        "tags": "Ｐｙｔｈｏｎ・ＳＱＬ、パイソン\n東京、量子料理",
        "remote_ok": "1",
        "step": "preview",
    }
    answer = await recruiter.post(FORM, form, form_page=FORM)
    assert answer.status_code == 200
    preview = answer.text.split('id="tag-preview"', 1)[1]
    for shown in ("Python", "SQL", "東京都", "勤務地", "同義語から変換", "量子料理", "新しいタグ"):
        assert shown in preview, shown
    assert "Ｐｙｔｈｏｎ・ＳＱＬ" in preview  # what was typed, next to what it becomes
    # nothing is written: no opening, no new tag
    assert not await Opening.exists(company_id=recruiter.company_id)
    assert not await Tag.exists(label_ja="量子料理")
    # the typed text stays in the form
    assert "Ｐｙｔｈｏｎ・ＳＱＬ、パイソン" in answer.text


async def test_a_recruiter_creates_an_opening_and_the_audit_names_them(console_member):
    recruiter = await console_member(MemberRole.RECRUITER)
    page = await recruiter.get(FORM)
    form = {
        "title": "データエンジニア",
        "description": "物流データの分析基盤",
        "tags": "Ｐｙｔｈｏｎ・ＳＱＬ、パイソン、東京",
        "idempotency_key": _key(page.text),
        "step": "save",
    }
    answer = await recruiter.post(FORM, form, form_page=FORM)
    assert answer.status_code == 303
    opening = await Opening.get(company_id=recruiter.company_id)
    assert answer.headers["location"].startswith(f"/app/openings/{opening.id}?")
    assert await _slugs(opening) == ["python", "sql", "tokyo"]
    assert opening.remote_ok is False  # the box was not ticked
    shown = await recruiter.get(answer.headers["location"])
    assert "求人を作成しました" in shown.text
    assert "Python" in shown.text and "東京都" in shown.text
    event = await AuditEvent.get(action="opening.create", target_id=str(opening.id))
    assert event.member_id == recruiter.member_id

    # the same form sent twice (a double click) makes one opening
    again = await recruiter.post(FORM, form, form_page=FORM)
    assert again.status_code == 303
    assert await Opening.filter(company_id=recruiter.company_id).count() == 1


async def test_a_missing_title_is_shown_next_to_the_field(console_member):
    recruiter = await console_member(MemberRole.RECRUITER)
    answer = await recruiter.post(
        FORM, {"title": "  ", "tags": "Go", "step": "save"}, form_page=FORM
    )
    assert answer.status_code == 422
    assert 'id="title-error"' in answer.text
    assert "Go" in answer.text.split('id="tag-preview"', 1)[1]  # the tags, as they would be
    too_long = await recruiter.post(FORM, {"title": "求" * 201, "step": "save"}, form_page=FORM)
    assert "200文字以内" in too_long.text
    assert not await Opening.exists(company_id=recruiter.company_id)


async def test_editing_keeps_unchanged_tags_and_reads_changed_ones(console_member):
    owner = await console_member(MemberRole.OWNER)
    opening = await _opening(owner.company_id, "バックエンド", ["python", "東京"])
    page = await owner.get(f"/app/openings/{opening.id}/edit")
    assert "Python、東京都" in page.text
    path = f"/app/openings/{opening.id}/edit"
    answer = await owner.post(
        path,
        {
            "title": "バックエンドエンジニア",
            "tags": "Python、東京都",
            "tags_before": "Python、東京都",
            "remote_ok": "1",
            "step": "save",
        },
        form_page=path,
    )
    assert answer.status_code == 303
    await opening.refresh_from_db()
    assert opening.title == "バックエンドエンジニア"
    assert await _slugs(opening) == ["python", "tokyo"]
    changed = await owner.post(
        path,
        {"title": opening.title, "tags": "ｐｏｓｔｇｒｅｓ", "tags_before": "x", "step": "save"},
        form_page=path,
    )
    assert changed.status_code == 303
    await opening.refresh_from_db()
    assert await _slugs(opening) == ["postgresql"]
    assert opening.remote_ok is False


async def test_close_and_reopen(console_member):
    recruiter = await console_member(MemberRole.RECRUITER)
    opening = await _opening(recruiter.company_id, "営業", ["営業"])
    path = f"/app/openings/{opening.id}"
    closed = await recruiter.post(f"{path}/close", form_page=path)
    assert closed.status_code == 303
    await opening.refresh_from_db()
    assert opening.status == OpeningStatus.CLOSED
    page = await recruiter.get(closed.headers["location"])
    assert "募集を終了しました" in page.text and f"{path}/reopen" in page.text
    reopened = await recruiter.post(f"{path}/reopen", form_page=path)
    assert reopened.status_code == 303
    await opening.refresh_from_db()
    assert opening.status == OpeningStatus.OPEN and opening.closed_at is None
    actions = await AuditEvent.filter(target_id=str(opening.id)).values_list("action", flat=True)
    assert "opening.close" in actions and "opening.reopen" in actions


async def test_the_list_filters_by_status_text_and_tag(console_member):
    member = await console_member(MemberRole.VIEWER)
    data = await _opening(member.company_id, "データエンジニア", ["Python", "SQL"])
    sales = await _opening(member.company_id, "法人営業", ["営業", "大阪"])
    closed = await _opening(member.company_id, "経理（募集終了）", ["経理"])
    await openings.set_status(
        Principal(api_key_id=None, company_id=member.company_id), closed.id, OpeningStatus.CLOSED
    )

    def listed(page) -> list[int]:
        return [int(i) for i in re.findall(r'data-opening="(\d+)"', page.text)]

    assert listed(await member.get("/app/openings")) == [sales.id, data.id, closed.id]
    assert listed(await member.get("/app/openings?status=CLOSED")) == [closed.id]
    assert listed(await member.get("/app/openings?q=%EF%BC%A5%EF%BC%AE%EF%BC%A7")) == []
    assert listed(await member.get("/app/openings?q=営業")) == [sales.id]
    # a tag typed any way: full-width, a synonym
    assert listed(await member.get("/app/openings?tag=ｐｙｔｈｏｎ")) == [data.id]
    assert listed(await member.get("/app/openings?tag=パイソン")) == [data.id]
    empty = await member.get("/app/openings?tag=存在しないタグ")
    assert listed(empty) == [] and "条件に合う求人はありません" in empty.text
    # a viewer is offered no change
    assert "/app/openings/new" not in (await member.get("/app/openings")).text


async def test_an_opening_shows_its_applications_by_status_and_matches(console_member):
    member = await console_member(MemberRole.RECRUITER)
    opening = await _opening(member.company_id, "データエンジニア", ["Python"])
    now = datetime.now(UTC)
    statuses = [ApplicationStatus.APPLIED, ApplicationStatus.REJECTED, ApplicationStatus.REJECTED]
    for n, status in enumerate(statuses):
        applicant = await Applicant.create(
            company_id=member.company_id,
            name=f"応募 {n}",
            email=f"a{n}@example.jp",
            email_normalized=f"a{n}@example.jp",
        )
        await Application.create(
            company_id=member.company_id,
            applicant=applicant,
            opening=opening,
            status=status,
            applied_at=now,
        )
    page = await member.get(f"/app/openings/{opening.id}")
    assert page.status_code == 200
    assert re.search(r'id="applications-total"><a[^>]*>3<', page.text)
    assert re.search(
        r'data-status="REJECTED"><a href="[^"]*status=REJECTED"><span>不採用</span> <strong>2<',
        page.text,
    )
    assert f"/app/applications?opening={opening.id}" in page.text
    assert re.search(r'id="matches-count">0<', page.text)
    listing = await member.get("/app/openings")
    assert re.search(rf'href="/app/applications\?opening={opening.id}">3<', listing.text)


async def test_another_companys_opening_ids_answer_404_and_change_nothing(console_member):
    a = await console_member(MemberRole.OWNER)
    b = await console_member(MemberRole.OWNER)
    theirs = await _opening(b.company_id, "他社の求人", ["Python"])
    for path in ("", "/edit"):
        answer = await a.get(f"/app/openings/{theirs.id}{path}")
        assert answer.status_code == 404, path
    for path, data in (
        ("/close", {}),
        ("/reopen", {}),
        ("/edit", {"title": "乗っ取り", "step": "save"}),
        ("/edit", {"title": "乗っ取り", "step": "preview"}),
    ):
        answer = await a.post(f"/app/openings/{theirs.id}{path}", data, form_page="/app/openings")
        assert answer.status_code == 404, path
    await theirs.refresh_from_db()
    assert theirs.title == "他社の求人" and theirs.status == OpeningStatus.OPEN
    assert "他社の求人" not in (await a.get("/app/openings")).text


async def test_a_viewer_changes_nothing(console_member):
    owner = await console_member(MemberRole.OWNER)
    viewer = await console_member(MemberRole.VIEWER, company_id=owner.company_id)
    opening = await _opening(owner.company_id, "データエンジニア", ["Python"])
    page = await viewer.get(f"/app/openings/{opening.id}")
    assert page.status_code == 200 and "/close" not in page.text and "/edit" not in page.text
    assert (await viewer.get(FORM)).status_code == 403
    assert (await viewer.get(f"/app/openings/{opening.id}/edit")).status_code == 403
    for path, data in (
        (FORM, {"title": "閲覧者の求人", "step": "save"}),
        (f"/app/openings/{opening.id}/edit", {"title": "変更", "step": "save"}),
        (f"/app/openings/{opening.id}/close", {}),
    ):
        answer = await viewer.post(path, data, form_page="/app/openings")
        assert answer.status_code == 403, path
    await opening.refresh_from_db()
    assert opening.title == "データエンジニア" and opening.status == OpeningStatus.OPEN
    assert await Opening.filter(company_id=owner.company_id).count() == 1


async def test_a_form_sent_again_with_other_details_asks_before_a_second_opening(console_member):
    recruiter = await console_member(MemberRole.RECRUITER)
    page = await recruiter.get(FORM)
    form = {"title": "経理", "idempotency_key": _key(page.text), "step": "save"}
    assert (await recruiter.post(FORM, form, form_page=FORM)).status_code == 303
    # back in the browser, another title, the same form
    again = await recruiter.post(FORM, {**form, "title": "財務"}, form_page=FORM)
    assert again.status_code == 409
    assert "既に求人を作成しています" in again.text
    assert await Opening.filter(company_id=recruiter.company_id).count() == 1
    # sent once more, knowingly: a second opening
    fresh = {**form, "title": "財務", "idempotency_key": _key(again.text)}
    assert (await recruiter.post(FORM, fresh, form_page=FORM)).status_code == 303
    assert await Opening.filter(company_id=recruiter.company_id).count() == 2
