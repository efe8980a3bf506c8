"""Applications in the console: search, detail with history, status, reject with the exact
mail previewed first (one or several), undo, the reasons catalogue; tenancy and roles."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from server.applications import openings, records
from server.companies import accounts
from server.models import (
    Application,
    ApplicationStatus,
    AuditEvent,
    MailKind,
    MailMessage,
    MailStatus,
    MemberRole,
    RejectionReason,
)
from server.principal import Principal


def _company(company_id: int) -> Principal:
    return Principal(api_key_id=None, company_id=company_id)


async def seed(company_id: int, people: list[tuple[str, str]], *, tags=None, title="営業職"):
    """An opening of the company and one application per (name, email)."""
    principal = _company(company_id)
    opening = await openings.create(principal, title)
    made = []
    for name, email in people:
        made.append(
            await records.create(principal, opening.id, name=name, email=email, tag_texts=tags)
        )
    return opening, made


PEOPLE = [
    ("山田 太郎", "taro@example.jp"),
    ("佐藤 花子", "hanako@example.jp"),
    ("鈴木 一郎", "ichiro@example.jp"),
]


async def test_search_by_name_email_status_opening_and_date(console_member):
    owner = await console_member(MemberRole.RECRUITER)
    await seed(owner.company_id, PEOPLE)
    other_opening, [other] = await seed(
        owner.company_id, [("田中 次郎", "jiro@example.jp")], tags=["Python"], title="開発職"
    )
    page = await owner.get("/app/applications")
    assert page.status_code == 200
    assert all(name in page.text for name, _ in PEOPLE)
    assert "4件中1〜4件を表示" in page.text

    by_name = await owner.get("/app/applications?q=花子")
    assert "佐藤 花子" in by_name.text and "山田 太郎" not in by_name.text
    by_email = await owner.get("/app/applications?q=ICHIRO@")
    assert "鈴木 一郎" in by_email.text and "佐藤 花子" not in by_email.text
    by_tag = await owner.get("/app/applications?tag=python")
    assert "田中 次郎" in by_tag.text and "山田 太郎" not in by_tag.text
    by_opening = await owner.get(f"/app/applications?opening={other_opening.id}")
    assert "田中 次郎" in by_opening.text and "鈴木 一郎" not in by_opening.text
    await records.set_status(_company(owner.company_id), other.id, ApplicationStatus.IN_REVIEW)
    by_status = await owner.get("/app/applications?status=IN_REVIEW")
    assert "田中 次郎" in by_status.text and "山田 太郎" not in by_status.text
    await Application.filter(id=other.id).update(applied_at=datetime(2025, 4, 1, 3, tzinfo=UTC))
    by_date = await owner.get("/app/applications?from=2025-04-01&to=2025-04-01")
    assert "田中 次郎" in by_date.text and "山田 太郎" not in by_date.text
    none = await owner.get("/app/applications?q=存在しない")
    assert "条件に合う応募はありません" in none.text


async def test_the_list_pages_by_fifty(console_member):
    owner = await console_member(MemberRole.RECRUITER)
    await seed(owner.company_id, [(f"応募者 {i:02}", f"p{i}@example.jp") for i in range(55)])
    first = await owner.get("/app/applications")
    assert len(re.findall(r"data-application=", first.text)) == 50
    assert "1 / 2ページ" in first.text
    second = await owner.get("/app/applications?page=2")
    assert len(re.findall(r"data-application=", second.text)) == 5
    assert "55件中51〜55件を表示" in second.text


async def test_detail_shows_history_and_status_changes(console_member):
    owner = await console_member(MemberRole.RECRUITER)
    _, [application, *_] = await seed(owner.company_id, PEOPLE)
    path = f"/app/applications/{application.id}"
    moved = await owner.post(f"{path}/status", {"status": "OFFERED"}, form_page=path)
    assert moved.status_code == 303
    page = await owner.get(moved.headers["location"])
    assert "ステータスを変更しました" in page.text
    history = page.text.split('id="history"')[1]
    assert history.index("応募受付") < history.index("内定")
    event = await AuditEvent.get(action="application.status", target_id=str(application.id))
    assert event.member_id == owner.member_id


async def test_reject_shows_the_exact_mail_then_rejects_and_undoes(console_member, redis):
    owner = await console_member(MemberRole.OWNER)
    await accounts.update_settings(_company(owner.company_id), undo_window_minutes=30)
    _, [application, *_] = await seed(owner.company_id, PEOPLE)
    path = f"/app/applications/{application.id}"

    preview = await owner.get(
        f"{path}/reject?reason=skills_mismatch&evaluation=4&silver_medalist=1&send_mail=1"
    )
    assert preview.status_code == 200
    assert "【株式会社コンソール】選考結果のご連絡" in preview.text
    assert "山田 太郎様" in preview.text and "「営業職」の求人" in preview.text
    decision = preview.text.split('id="decision"')[1].split("</dl>")[0]
    assert "スキル・経験が要件に合わない" in decision and "次点候補" in decision
    assert (await Application.get(id=application.id)).status == ApplicationStatus.APPLIED
    assert not await MailMessage.filter(
        company_id=owner.company_id, kind=MailKind.REJECTION
    ).exists()

    hidden = dict(re.findall(r'type="hidden" name="(\w+)" value="([^"]*)"', preview.text))
    rejected = await owner.post(f"{path}/reject", hidden, form_page=path)
    assert rejected.status_code == 303
    done = await owner.get(rejected.headers["location"])
    assert "不採用にしました" in done.text and "不採用を取り消す" in done.text
    rejected_row = await Application.get(id=application.id)
    assert rejected_row.status == ApplicationStatus.REJECTED
    assert (rejected_row.evaluation, rejected_row.silver_medalist) == (4, True)
    mail = await MailMessage.get(company_id=owner.company_id, kind=MailKind.REJECTION)
    # the mail the preview showed is the mail queued (but its personal links)
    shown = re.search(r'<pre class="mail-body">(.*?)</pre>', preview.text, re.S).group(1)
    assert shown.split("XXXXXXXXXXXX")[0] == mail.body_text.split("/r/")[0] + "/r/"

    undone = await owner.post(f"{path}/undo", form_page=path)
    assert undone.status_code == 303
    assert (await Application.get(id=application.id)).status == ApplicationStatus.APPLIED
    assert (await MailMessage.get(id=mail.id)).status == MailStatus.CANCELLED


async def test_bulk_reject_previews_each_mail_and_rejects_all(console_member, redis):
    owner = await console_member(MemberRole.RECRUITER)
    _, made = await seed(owner.company_id, PEOPLE)
    ids = [a.id for a in made]
    query = "&".join(f"ids={i}" for i in ids) + "&reason=position_filled&send_mail=1"
    preview = await owner.get(f"/app/applications/reject?{query}")
    assert preview.status_code == 200
    assert preview.text.count('class="mail-body"') == 3
    assert all(f"{name}様" in preview.text for name, _ in PEOPLE)
    assert "3件を不採用に確定する" in preview.text
    assert await Application.filter(id__in=ids, status=ApplicationStatus.REJECTED).count() == 0

    form = re.search(r'<form method="post" action="/app/applications/reject".*?</form>',
                     preview.text, re.S).group(0)  # fmt: skip
    fields = re.findall(r'name="(\w+)" value="([^"]*)"', form)
    data: dict[str, list[str] | str] = {}
    for name, value in fields:
        if name == "ids":
            data.setdefault("ids", []).append(value)  # type: ignore[union-attr]
        elif name != "csrf_token":
            data[name] = value
    answer = await owner.post("/app/applications/reject", data, form_page="/app/applications")
    assert answer.status_code == 303
    assert await Application.filter(id__in=ids, status=ApplicationStatus.REJECTED).count() == 3
    reason = await RejectionReason.get(company_id=owner.company_id, code="position_filled")
    assert await Application.filter(id__in=ids, rejection_reason_id=reason.id).count() == 3
    assert (
        await MailMessage.filter(company_id=owner.company_id, kind=MailKind.REJECTION).count() == 3
    )
    audited = AuditEvent.filter(action="application.reject", member_id=owner.member_id)
    assert sorted(int(i) for i in await audited.values_list("target_id", flat=True)) == ids


async def test_a_hired_application_is_left_out_of_a_bulk_rejection(console_member):
    owner = await console_member(MemberRole.RECRUITER)
    _, [hired, other, _third] = await seed(owner.company_id, PEOPLE)
    await records.set_status(_company(owner.company_id), hired.id, ApplicationStatus.HIRED)
    preview = await owner.get(
        f"/app/applications/reject?ids={hired.id}&ids={other.id}&reason=other&send_mail=1"
    )
    assert "入社決定のため不採用にできません" in preview.text
    assert "1件を不採用に確定する" in preview.text
    assert f'name="ids" value="{hired.id}"' not in preview.text


async def test_the_reasons_catalogue(console_member):
    owner = await console_member(MemberRole.ADMIN)
    page = await owner.get("/app/applications/reasons")
    assert "スキル・経験が要件に合わない" in page.text
    added = await owner.post(
        "/app/applications/reasons/add",
        {"name_ja": "勤務地の不一致", "name_en": "Location mismatch", "kind": "WE_REJECTED",
         "offers_invitation": "1"},
        form_page="/app/applications/reasons",
    )  # fmt: skip
    assert added.status_code == 303
    reason = await RejectionReason.get(company_id=owner.company_id, code="location_mismatch")
    event = await AuditEvent.get(action="rejection_reason.upsert", target_id=str(reason.id))
    assert event.member_id == owner.member_id
    again = await owner.post(
        "/app/applications/reasons/add",
        {"name_ja": "重複", "name_en": "Location mismatch"},
        form_page="/app/applications/reasons",
    )
    assert again.status_code == 422 and 'id="name_en-error"' in again.text
    renamed = await owner.post(
        f"/app/applications/reasons/{reason.id}",
        {
            "name_ja": "勤務地・通勤の不一致",
            "name_en": "Location mismatch",
            "offers_invitation": "1",
        },
        form_page="/app/applications/reasons",
    )
    assert renamed.status_code == 303
    assert (await RejectionReason.get(id=reason.id)).name_ja == "勤務地・通勤の不一致"
    off = await owner.post(
        f"/app/applications/reasons/{reason.id}/active", {"active": "0"},
        form_page="/app/applications/reasons",
    )  # fmt: skip
    assert off.status_code == 303
    assert not (await RejectionReason.get(id=reason.id)).active
    _, [application] = await seed(owner.company_id, PEOPLE[:1])
    detail = await owner.get(f"/app/applications/{application.id}")
    assert "勤務地・通勤の不一致" not in detail.text  # no longer offered


async def test_a_viewer_sees_but_cannot_reject_or_change(console_member):
    owner = await console_member(MemberRole.OWNER)
    viewer = await console_member(MemberRole.VIEWER, company_id=owner.company_id)
    recruiter = await console_member(MemberRole.RECRUITER, company_id=owner.company_id)
    _, [application, *_] = await seed(owner.company_id, PEOPLE)
    path = f"/app/applications/{application.id}"
    page = await viewer.get(path)
    assert page.status_code == 200 and "山田 太郎" in page.text
    assert "/reject" not in page.text and "/status" not in page.text
    listing = await viewer.get("/app/applications")
    assert 'name="ids"' not in listing.text
    assert (await viewer.get(f"{path}/reject?reason=other&send_mail=1")).status_code == 403
    for target, data in (
        (f"{path}/reject", {"reason": "other", "send_mail": "1"}),
        (f"{path}/status", {"status": "OFFERED"}),
        (f"{path}/undo", {}),
        ("/app/applications/reject", {"ids": str(application.id), "reason": "other"}),
    ):
        answer = await viewer.post(target, data, form_page=path)
        assert answer.status_code == 403, target
    assert (await Application.get(id=application.id)).status == ApplicationStatus.APPLIED
    # a recruiter rejects but does not manage the catalogue
    refused = await recruiter.post(
        "/app/applications/reasons/add", {"name_ja": "新", "name_en": "New"},
        form_page="/app/applications/reasons",
    )  # fmt: skip
    assert refused.status_code == 403
    assert not await RejectionReason.filter(company_id=owner.company_id, code="new").exists()


async def test_another_companys_ids_get_404_everywhere_and_nothing_changes(console_member):
    a = await console_member(MemberRole.OWNER)
    b = await console_member(MemberRole.OWNER)
    _, [theirs] = await seed(b.company_id, PEOPLE[:1])
    _, [mine] = await seed(a.company_id, PEOPLE[1:2])
    await a.get("/app/applications/reasons")  # a's catalogue exists
    await b.get("/app/applications/reasons")
    their_reason = await RejectionReason.filter(company_id=b.company_id).first()
    path = f"/app/applications/{theirs.id}"
    for url in (
        path,
        f"{path}/reject?reason=other&send_mail=1",
        f"/app/applications/reject?ids={theirs.id}&reason=other",
        f"/app/applications/reject?ids={mine.id}&ids={theirs.id}&reason=other",
    ):
        assert (await a.get(url)).status_code == 404, url
    for url, data in (
        (f"{path}/reject", {"reason": "other", "send_mail": "1"}),
        (f"{path}/status", {"status": "OFFERED"}),
        (f"{path}/undo", {}),
        ("/app/applications/reject", {"ids": [str(mine.id), str(theirs.id)], "reason": "other"}),
        (f"/app/applications/reasons/{their_reason.id}", {"name_ja": "x", "name_en": "x"}),
        (f"/app/applications/reasons/{their_reason.id}/active", {"active": "0"}),
    ):
        answer = await a.post(url, data, form_page="/app/applications")
        assert answer.status_code == 404, url
    assert (await Application.get(id=theirs.id)).status == ApplicationStatus.APPLIED
    assert (await Application.get(id=mine.id)).status == ApplicationStatus.APPLIED
    assert (await RejectionReason.get(id=their_reason.id)).active
    assert (await a.get("/app/applications")).text.count("山田 太郎") == 0


async def test_undo_also_stops_the_mail_of_a_reason_without_invitation(console_member, redis):
    owner = await console_member(MemberRole.RECRUITER)
    await accounts.update_settings(_company(owner.company_id), undo_window_minutes=30)
    _, [application] = await seed(owner.company_id, PEOPLE[:1])
    path = f"/app/applications/{application.id}"
    preview = await owner.get(f"{path}/reject?reason=misconduct&send_mail=1")
    assert "パートナー企業" not in preview.text  # the plain mail, no network invitation
    assert "XXXXXXXXXXXX" not in preview.text  # no personal link to explain
    await owner.post(f"{path}/reject", {"reason": "misconduct", "send_mail": "1"}, form_page=path)
    mail = await MailMessage.get(company_id=owner.company_id, kind=MailKind.REJECTION)
    assert mail.referral_id is None
    page = await owner.get(path)
    assert "送信待ち" in page.text and "不採用を取り消す" in page.text
    await owner.post(f"{path}/undo", form_page=path)
    assert (await MailMessage.get(id=mail.id)).status == MailStatus.CANCELLED
