"""The talent pool in the console: filters, notes, re-approach within the caps, tenancy and
roles."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from server.models import (
    Application,
    ApplicationEvent,
    ApplicationStatus,
    AuditEvent,
    Company,
    MailKind,
    MailMessage,
    MemberRole,
    Opening,
    OpeningStatus,
    PoolNote,
)
from server.pool import followups
from server.timezones import JAPAN
from tests.fixtures.pool import make_member, make_opening

NOW = datetime.now(UTC)


async def seed(company_id: int) -> dict:
    """A pool of two: 山田 太郎 (python/sql, evaluation 4, silver medalist, rejected 40 days
    ago) and 佐藤 花子 (java, evaluation 2, rejected 200 days ago); two open openings."""
    company = await Company.get(id=company_id)
    past = await make_opening(company, "バックエンドエンジニア", "python")
    await Opening.filter(id=past.id).update(status=OpeningStatus.CLOSED)
    data = await make_opening(company, "データエンジニア", "python", "sql")
    java = await make_opening(company, "Java 開発者", "java", "spring")
    taro = await make_member(
        company,
        "taro@example.jp",
        "python",
        "sql",
        name="山田 太郎",
        evaluation=4,
        silver_medalist=True,
        opening=past,
        rejected_at=NOW - timedelta(days=40),
    )
    hanako = await make_member(
        company,
        "hanako@example.jp",
        "java",
        name="佐藤 花子",
        evaluation=2,
        rejected_at=NOW - timedelta(days=200),
    )
    for application in await Application.filter(company_id=company_id):
        await ApplicationEvent.create(
            company_id=company_id,
            application=application,
            status=ApplicationStatus.APPLIED,
            at=application.applied_at,
        )
        await ApplicationEvent.create(
            company_id=company_id,
            application=application,
            status=ApplicationStatus.REJECTED,
            at=application.decided_at,
        )
    return {"taro": taro, "hanako": hanako, "data": data, "java": java, "past": past}


def names(html: str) -> list[str]:
    return re.findall(r'<a href="/app/pool/\d+">([^<]+)</a>', html)


async def test_the_pool_is_filtered_as_the_api_filters_it(console_member):
    owner = await console_member(MemberRole.RECRUITER)
    seeded = await seed(owner.company_id)

    page = await owner.get("/app/pool")
    assert page.status_code == 200
    assert sorted(names(page.text)) == ["佐藤 花子", "山田 太郎"]
    assert "該当2名" in page.text
    row = page.text.split(f'data-person="{seeded["taro"].id}"')[1].split("</tr>")[0]
    assert "データエンジニア" in row and "一致度100%" in row and "シルバーメダリスト" in row

    async def shown(query: str) -> list[str]:
        answer = await owner.get(f"/app/pool?{query}")
        assert answer.status_code == 200, query
        return names(answer.text)

    assert await shown("tag=Python") == ["山田 太郎"]
    assert await shown("tag=unknown-skill") == []
    assert await shown("evaluation=3") == ["山田 太郎"]
    assert await shown("silver=0") == ["佐藤 花子"]
    assert await shown(f"opening={seeded['past'].id}") == ["山田 太郎"]
    since = (NOW - timedelta(days=60)).astimezone(JAPAN).date().isoformat()
    assert await shown(f"rejected_from={since}") == ["山田 太郎"]
    assert await shown(f"rejected_to={since}") == ["佐藤 花子"]
    wrong = await owner.get("/app/pool?rejected_from=2025-13-40")
    assert "YYYY-MM-DD" in wrong.text and 'aria-invalid="true"' in wrong.text


async def test_notes_are_written_read_by_the_company_and_deleted_by_their_writer(
    console_member,
):
    owner = await console_member(MemberRole.OWNER)
    recruiter = await console_member(
        MemberRole.RECRUITER, company_id=owner.company_id, name="採用 次郎"
    )
    taro = (await seed(owner.company_id))["taro"]
    path = f"/app/pool/{taro.id}"

    empty = await owner.post(f"{path}/notes", {"note": "  "}, form_page=path)
    assert empty.status_code == 422 and 'id="note-error"' in empty.text
    added = await owner.post(
        f"{path}/notes",
        {"note": "次回は<b>データ</b>職で再打診\n面接官の評価が高い"},
        form_page=path,
    )
    assert added.status_code == 303
    page = await owner.get(added.headers["location"])
    assert "メモを保存しました。" in page.text
    assert "次回は&lt;b&gt;データ&lt;/b&gt;職で再打診" in page.text  # escaped, as written
    note = await PoolNote.get(candidate_id=taro.id)
    event = await AuditEvent.get(action="pool.note_add", target_id=str(note.id))
    assert event.member_id == owner.member_id

    # a colleague reads it with its writer's name, and cannot delete it
    seen = await recruiter.get(path)
    assert "次回は" in seen.text and "人事 花子" in seen.text
    assert f"/notes/{note.id}/delete" not in seen.text
    refused = await recruiter.post(f"{path}/notes/{note.id}/delete", form_page=path)
    assert refused.status_code == 403
    assert await PoolNote.exists(id=note.id)

    deleted = await owner.post(f"{path}/notes/{note.id}/delete", form_page=path)
    assert deleted.status_code == 303
    assert not await PoolNote.exists(id=note.id)
    assert await AuditEvent.exists(action="pool.note_delete", member_id=owner.member_id)


async def test_an_opening_goes_out_once_and_a_second_waits_for_the_cap(
    console_member, redis, fresh_mail_ids
):
    owner = await console_member(MemberRole.RECRUITER)
    seeded = await seed(owner.company_id)
    path = f"/app/pool/{seeded['taro'].id}"
    before = await owner.get(path)
    assert "今お送りすると、すぐに配信されます。" in before.text
    assert "バックエンドエンジニア: 不採用" in before.text  # the timeline's status changes

    sent = await owner.post(f"{path}/send", {"opening_id": str(seeded["data"].id)}, form_page=path)
    assert sent.status_code == 303
    page = await owner.get(sent.headers["location"])
    assert "求人のご案内メールを送信しました。" in page.text
    [first] = await MailMessage.filter(candidate_id=seeded["taro"].id)
    assert first.kind == MailKind.OPENING_ALERT and "データエンジニア" in first.subject
    assert first.send_after <= datetime.now(UTC)
    assert "/a/" in first.body_text  # the re-apply link
    until = (first.send_after + followups.ALERT_INTERVAL).astimezone(JAPAN)
    assert f"{until:%Y-%m-%d %H:%M}まで配信が保留されます" in page.text

    again = await owner.post(f"{path}/send", {"opening_id": str(seeded["data"].id)}, form_page=path)
    assert again.status_code == 422 and "既にご案内済みです" in again.text
    assert re.search(rf'value="{seeded["data"].id}" disabled>データエンジニア', again.text)

    held = await owner.post(f"{path}/send", {"opening_id": str(seeded["java"].id)}, form_page=path)
    assert held.status_code == 303
    page = await owner.get(held.headers["location"])
    assert "送信上限のため、下記の日時まで送信を保留します" in page.text
    assert f"{until:%Y-%m-%d %H:%M}まで送信を保留しています" in page.text
    second = await MailMessage.get(candidate_id=seeded["taro"].id, subject__contains="Java")
    assert second.send_after == first.send_after + followups.ALERT_INTERVAL

    closed = await make_opening(await Company.get(id=owner.company_id), "終了した求人", "python")
    await Opening.filter(id=closed.id).update(status=OpeningStatus.CLOSED)
    refused = await owner.post(f"{path}/send", {"opening_id": str(closed.id)}, form_page=path)
    assert refused.status_code == 422 and "募集を終了しています" in refused.text


async def test_another_companys_ids_get_404_everywhere_and_notes_stay_with_their_company(
    console_member,
):
    a = await console_member(MemberRole.OWNER)
    b = await console_member(MemberRole.OWNER)
    mine = await seed(a.company_id)
    theirs = await seed(b.company_id)  # the same two people, in B's pool too
    assert mine["taro"].id == theirs["taro"].id
    company_b = await Company.get(id=b.company_id)
    only_b = await make_member(company_b, "jiro@example.jp", "go", name="鈴木 次郎")
    b_path = f"/app/pool/{only_b.id}"
    await b.post(f"{b_path}/notes", {"note": "B社だけのメモ"}, form_page=b_path)
    b_note = await PoolNote.get(company_id=b.company_id)
    a_path = f"/app/pool/{mine['taro'].id}"
    await a.post(f"{a_path}/notes", {"note": "A社の社内メモ"}, form_page=a_path)
    a_note = await PoolNote.get(company_id=a.company_id)

    assert (await a.get(b_path)).status_code == 404
    for path, data in (
        (f"{b_path}/notes", {"note": "x"}),
        (f"{b_path}/notes/{b_note.id}/delete", {}),
        (f"{a_path}/notes/{b_note.id}/delete", {}),
        (f"{b_path}/send", {"opening_id": str(mine["data"].id)}),
        (f"{a_path}/send", {"opening_id": str(theirs["data"].id)}),
    ):
        answer = await a.post(path, data, form_page="/app/pool")
        assert answer.status_code == 404, path
    assert await PoolNote.filter(company_id=b.company_id).count() == 1
    assert await PoolNote.filter(company_id=a.company_id).count() == 1
    assert not await MailMessage.filter(kind=MailKind.OPENING_ALERT).exists()

    # the person both companies rejected: each sees its own notes only
    b_page = await b.get(a_path)
    assert b_page.status_code == 200 and "A社の社内メモ" not in b_page.text
    assert "A社の社内メモ" in (await a.get(a_path)).text
    assert "B社だけのメモ" not in (await a.get("/app/pool")).text
    refused = await b.post(f"{a_path}/notes/{a_note.id}/delete", form_page=a_path)
    assert refused.status_code == 404


async def test_a_viewer_reads_the_pool_and_changes_nothing(console_member):
    owner = await console_member(MemberRole.OWNER)
    viewer = await console_member(MemberRole.VIEWER, company_id=owner.company_id)
    seeded = await seed(owner.company_id)
    path = f"/app/pool/{seeded['taro'].id}"
    await owner.post(f"{path}/notes", {"note": "オーナーのメモ"}, form_page=path)
    note = await PoolNote.get()

    page = await viewer.get(path)
    assert page.status_code == 200 and "オーナーのメモ" in page.text
    assert f"{path}/send" not in page.text and f"{path}/notes" not in page.text
    english = await viewer.get(f"{path}?lang=en")
    assert "Timeline" in english.text and "Sent now, it goes out at once." in english.text
    listing = await viewer.get("/app/pool?lang=en")
    assert "2 people" in listing.text and "100% fit" in listing.text
    for target, data in (
        (f"{path}/notes", {"note": "閲覧者のメモ"}),
        (f"{path}/notes/{note.id}/delete", {}),
        (f"{path}/send", {"opening_id": str(seeded["data"].id)}),
    ):
        answer = await viewer.post(target, data, form_page=path)
        assert answer.status_code == 403, target
    assert await PoolNote.all().count() == 1
    assert not await MailMessage.filter(kind=MailKind.OPENING_ALERT).exists()
