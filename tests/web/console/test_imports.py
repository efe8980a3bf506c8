"""Import from an ATS export and the CSV exports in the console: the steps, tenancy, roles."""

from __future__ import annotations

import codecs
import csv
import html
import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from server.applications import openings
from server.models import Applicant, Application, ImportUpload, MemberRole
from server.principal import Principal
from tests.fixtures.console import Member

FIXTURE = Path(__file__).parents[2] / "fixtures" / "ats_export_sjis.csv"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
OPENING = "バックエンドエンジニア"


async def upload(member: Member, data: bytes, name: str = "ats.csv"):
    page = await member.get("/app/imports")
    token = html.unescape(_CSRF.search(page.text).group(1))
    return await member.http.post(
        "/app/imports/upload",
        data={"csrf_token": token},
        files={"file": (name, data, "text/csv")},
    )


async def open_role(company_id: int) -> None:
    await openings.create(Principal(api_key_id=None, company_id=company_id), OPENING)


def mapping_form(page: str, **chosen: str) -> dict[str, str]:
    """The mapping form's current choices, with ``column-N=field`` overrides."""
    selected = re.findall(r'<select id="(column-\d+)"[^>]*>(.*?)</select>', page, flags=re.DOTALL)
    form = {}
    for name, options in selected:
        value = re.search(r'<option value="([^"]*)" selected', options)
        form[name] = value.group(1) if value else ""
    return form | {k.replace("_", "-"): v for k, v in chosen.items()}


async def test_upload_map_check_and_import_a_shift_jis_export(console_member, redis):
    owner = await console_member(MemberRole.RECRUITER)
    await open_role(owner.company_id)

    uploaded = await upload(owner, FIXTURE.read_bytes())
    assert uploaded.status_code == 303
    mapping_path = uploaded.headers["location"]
    page = await owner.get(mapping_path)
    assert page.status_code == 200
    assert "Shift_JIS" in page.text and "5行" in page.text
    assert "山田 太郎" in page.text  # the first values, decoded

    # without the applicant id column the form says which field is missing
    refused = await owner.post(
        f"{mapping_path}/mapping", mapping_form(page.text), form_page=mapping_path
    )
    assert refused.status_code == 422
    assert "「応募者ID」にあたる列を選んでください" in refused.text

    chosen = await owner.post(
        f"{mapping_path}/mapping",
        mapping_form(page.text, column_0="externalId"),
        form_page=mapping_path,
    )
    assert chosen.status_code == 303
    check = await owner.get(chosen.headers["location"])
    assert re.search(r'id="will-create">4<', check.text)
    assert re.search(
        r'<tr data-line="6"><th scope="row">6行目</th><td>メールアドレス</td>', check.text
    )
    assert await Application.filter(company_id=owner.company_id).count() == 0  # nothing yet

    ran = await owner.post(f"{mapping_path}/run", form_page=chosen.headers["location"])
    assert ran.status_code == 303
    result = await owner.get(ran.headers["location"])
    assert "4 / 5 行" not in result.text and "5 / 5 行 処理済み" in result.text
    assert re.search(r'id="created">4<', result.text)
    assert "取り込みが完了しました" in result.text
    names = set(await Applicant.filter(company_id=owner.company_id).values_list("name", flat=True))
    assert names == {"山田 太郎", "佐藤 花子", "鈴木 一郎", "髙橋 美咲"}
    kept = await ImportUpload.get(company_id=owner.company_id)
    assert bytes(kept.content) == b""  # the file is not kept after the import

    # the same file again: remembered mapping, nothing new, no duplicates
    again = await upload(owner, FIXTURE.read_bytes())
    page = await owner.get(again.headers["location"])
    assert "前回の設定" in page.text
    check = await owner.get(again.headers["location"] + "/check")
    assert re.search(r'id="will-create">0<', check.text)
    await owner.post(again.headers["location"] + "/run", form_page="/app/imports")
    assert await Application.filter(company_id=owner.company_id).count() == 4

    # and a second run of a finished import changes nothing
    twice = await owner.post(f"{mapping_path}/run", form_page="/app/imports")
    assert twice.status_code == 303
    assert await Application.filter(company_id=owner.company_id).count() == 4


async def test_a_file_that_cannot_be_read_is_a_message_next_to_the_field(console_member):
    owner = await console_member(MemberRole.OWNER)
    answer = await upload(owner, b"\x89PNG\r\n\x1a\n\xff\xfe\x00\x81", "photo.png")
    assert answer.status_code == 422
    assert 'id="file-error"' in answer.text and "読み込めません" in answer.text
    empty = await upload(owner, b"", "")
    assert empty.status_code == 422 and "ファイルを選択してください" in empty.text
    assert await ImportUpload.filter(company_id=owner.company_id).count() == 0


async def test_another_companys_upload_is_not_found_on_every_route(console_member):
    a = await console_member(MemberRole.OWNER)
    b = await console_member(MemberRole.OWNER)
    await open_role(b.company_id)
    theirs = (await upload(b, FIXTURE.read_bytes())).headers["location"]
    for path in (theirs, f"{theirs}/check"):
        assert (await a.get(path)).status_code == 404, path
    for path in (f"{theirs}/mapping", f"{theirs}/run"):
        answer = await a.post(path, {"column-0": "externalId"}, form_page="/app/imports")
        assert answer.status_code == 404, path
    found = await ImportUpload.get(company_id=b.company_id)
    assert found.mapping[0] == "" and found.started_at is None
    assert (await a.get("/app/imports/no-such-upload")).status_code == 404


async def test_a_viewer_sees_and_exports_but_imports_nothing(console_member):
    owner = await console_member(MemberRole.OWNER)
    viewer = await console_member(MemberRole.VIEWER, company_id=owner.company_id)
    await open_role(owner.company_id)
    path = (await upload(owner, FIXTURE.read_bytes())).headers["location"]

    page = await viewer.get("/app/imports")
    assert page.status_code == 200 and "/app/imports/upload" not in page.text
    assert (await upload(viewer, FIXTURE.read_bytes())).status_code == 403
    for action in ("mapping", "run"):
        answer = await viewer.post(
            f"{path}/{action}", {"column-0": "externalId"}, form_page="/app/imports"
        )
        assert answer.status_code == 403, action
    assert await ImportUpload.filter(company_id=owner.company_id).count() == 1
    assert await Application.filter(company_id=owner.company_id).count() == 0
    assert (await viewer.get("/app/applications/export.csv")).status_code == 200


async def test_exports_are_excel_csv_of_the_company_only(console_member, redis):
    owner = await console_member(MemberRole.OWNER)
    other = await console_member(MemberRole.OWNER)
    for member in (owner, other):
        await open_role(member.company_id)
        path = (await upload(member, FIXTURE.read_bytes())).headers["location"]
        page = await member.get(path)
        await member.post(
            f"{path}/mapping", mapping_form(page.text, column_0="externalId"), form_page=path
        )
        await member.post(f"{path}/run", form_page=path)
    await Applicant.filter(company_id=other.company_id).update(name="=HYPERLINK(1)")

    answer = await owner.get("/app/applications/export.csv")
    assert answer.headers["content-type"].startswith("text/csv")
    assert "attachment" in answer.headers["content-disposition"]
    assert answer.content.startswith(codecs.BOM_UTF8)
    assert b"\r\n" in answer.content and b"\n" not in answer.content.replace(b"\r\n", b"")
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"), newline="")))
    assert rows[0][:5] == ["応募者ID", "氏名", "メールアドレス", "応募職種", "ステータス"]
    assert len(rows) == 5 and {r[1] for r in rows[1:]} == {
        "山田 太郎",
        "佐藤 花子",
        "鈴木 一郎",
        "髙橋 美咲",
    }
    assert {r[4] for r in rows[1:]} == {"選考中", "内定", "応募"}

    # the other company's names never appear, and a formula is written as text
    theirs = await other.get("/app/applications/export.csv")
    assert "'=HYPERLINK(1)" in theirs.content.decode("utf-8-sig")
    referrals = await owner.get("/app/referrals/export.csv")
    assert referrals.status_code == 200 and referrals.content.startswith(codecs.BOM_UTF8)

    # an export, imported again as it is, changes nothing
    again = (await upload(owner, answer.content, "export.csv")).headers["location"]
    check = await owner.get(f"{again}/check")
    assert re.search(r'id="will-create">0<', check.text), check.text
    assert re.search(r'id="rejected-rows">0<', check.text)


async def test_a_running_import_shows_its_rows_done_and_a_stalled_one_resumes(console_member):
    owner = await console_member(MemberRole.RECRUITER)
    await open_role(owner.company_id)
    path = (await upload(owner, FIXTURE.read_bytes())).headers["location"]
    page = await owner.get(path)
    await owner.post(
        f"{path}/mapping", mapping_form(page.text, column_0="externalId"), form_page=path
    )
    found = await ImportUpload.get(company_id=owner.company_id)

    # another request is importing: the page shows the rows done and refreshes itself
    await ImportUpload.filter(id=found.id).update(started_at=datetime.now(UTC), done_rows=2)
    running = await owner.get(path)
    assert "2 / 5 行 処理済み" in running.text and "自動で更新されます" in running.text
    assert running.headers["refresh"] == f"2; url={path}"
    refused = await owner.post(f"{path}/run", form_page=path)
    assert "処理中または完了済み" in (await owner.get(refused.headers["location"])).text

    # its heartbeat is stale: a resume button, which imports the rest
    await ImportUpload.filter(id=found.id).update(started_at=datetime.now(UTC) - timedelta(hours=1))
    stalled = await owner.get(path)
    assert "refresh" not in stalled.headers and "続きから再開" in stalled.text
    resumed = await owner.post(f"{path}/run", form_page=path)
    assert resumed.status_code == 303
    finished = await owner.get(path)
    assert "5 / 5 行 処理済み" in finished.text and "refresh" not in finished.headers
    assert await Application.filter(company_id=owner.company_id).count() == 2  # rows 3 and 4


async def test_the_dry_run_names_each_bad_row_by_its_line_and_column(console_member):
    owner = await console_member(MemberRole.RECRUITER)
    await open_role(owner.company_id)
    data = (
        "応募者ID,氏名,メールアドレス,応募職種,ステータス\r\n"
        "1,山田 太郎,yamada@example.jp,バックエンドエンジニア,選考中\r\n"
        "2,佐藤 花子,sato-at-example.jp,バックエンドエンジニア,選考中\r\n"
        "3,鈴木 一郎,suzuki@example.jp,営業マネージャー,選考中\r\n"
        "4,田中 健,tanaka@example.jp,バックエンドエンジニア,保留\r\n"
        "1,山田 太郎,yamada@example.jp,バックエンドエンジニア,内定\r\n"
    ).encode()
    path = (await upload(owner, codecs.BOM_UTF8 + data)).headers["location"]
    page = await owner.get(path)
    assert "UTF-8（BOM付き）" in page.text
    check = await owner.get(f"{path}/check")  # every header was known: straight to the check
    rows = re.findall(
        r'<tr data-line="(\d+)"><th scope="row">[^<]+</th><td>([^<]+)</td><td>([^<]+)</td>',
        check.text,
    )
    assert rows == [
        ("3", "メールアドレス", "メールアドレスの形式が正しくありません。"),
        ("4", "応募職種", "該当する求人が見つかりません。求人名をご確認ください。"),
        ("5", "ステータス", "値を読み取れません（日付・ステータス・評価の形式をご確認ください）。"),
        ("6", "応募者ID", "前の行と重複しています。"),
    ]
    assert re.search(r'id="will-create">1<', check.text)
