"""The rejection mail page: template per language, preview, test send, the API's rules."""

from __future__ import annotations

from server.companies import rejection_mail
from server.models import AuditEvent, Company, MailKind, MailMessage, MemberRole

DRAFT = {
    "subject": "【{{ company_name }}】選考結果について",
    "body": "{{ candidate_name }}様\n\nご応募ありがとうございました。\n"
    "登録: {{ registration_url }}\n",
}


async def templates_of(company_id: int) -> dict:
    return (await Company.get(id=company_id)).rejection_templates


async def test_the_page_shows_the_default_its_variables_rules_and_preview(console_member):
    owner = await console_member(MemberRole.OWNER)
    page = await owner.get("/app/mail")
    assert page.status_code == 200
    assert "既定の文面を使用中" in page.text
    assert "{{ registration_url }}" in page.text  # the variables are listed
    assert "range() は100件まで" in page.text  # and the rules
    # the preview: the company's sender name and the sample applicant
    assert "株式会社コンソール 採用担当" in page.text
    assert "山田 太郎様" in page.text
    english = await owner.get("/app/mail?template=en")
    assert "Dear 山田 太郎," in english.text


async def test_preview_shows_the_draft_and_saves_nothing_then_save_stores_it(console_member):
    owner = await console_member(MemberRole.RECRUITER)
    preview = await owner.post(
        "/app/mail/ja", {**DRAFT, "intent": "preview"}, form_page="/app/mail"
    )
    assert preview.status_code == 200
    assert "【株式会社コンソール】選考結果について" in preview.text
    assert "未保存の下書き" in preview.text
    assert await templates_of(owner.company_id) == {}

    saved = await owner.post("/app/mail/ja", {**DRAFT, "intent": "save"}, form_page="/app/mail")
    assert saved.status_code == 303
    page = await owner.get(saved.headers["location"])
    assert "テンプレートを保存しました" in page.text
    assert "貴社で保存したテンプレートを使用中" in page.text
    assert await templates_of(owner.company_id) == {"ja": DRAFT}
    event = await AuditEvent.get(action="company.rejection_template")
    assert (event.member_id, event.data) == (owner.member_id, {"locale": "ja"})


async def test_include_or_a_huge_range_is_refused_next_to_the_field_and_nothing_is_saved(
    console_member,
):
    owner = await console_member(MemberRole.OWNER)
    include = {**DRAFT, "body": "{% include 'secret.txt' %}{{ registration_url }}"}
    answer = await owner.post("/app/mail/ja", {**include, "intent": "save"}, form_page="/app/mail")
    assert answer.status_code == 422
    assert 'id="body-error"' in answer.text
    assert "include・import・extends は使えません" in answer.text
    assert 'aria-invalid="true"' in answer.text
    assert "{% include &#39;secret.txt&#39; %}" in answer.text  # the draft is kept

    huge = {**DRAFT, "subject": "{% for i in range(10**6) %}x{% endfor %}"}
    answer = await owner.post("/app/mail/ja", {**huge, "intent": "preview"}, form_page="/app/mail")
    assert answer.status_code == 422
    assert 'id="subject-error"' in answer.text
    assert "range() で繰り返せるのは100件まで" in answer.text
    assert "プレビューを表示できません" in answer.text

    unknown = {**DRAFT, "body": "{{ salary }} {{ registration_url }}"}
    answer = await owner.post("/app/mail/ja", {**unknown, "intent": "save"}, form_page="/app/mail")
    assert "使えない変数が含まれています: salary" in answer.text
    assert await templates_of(owner.company_id) == {}


async def test_a_test_send_queues_a_marked_mail_to_the_members_own_address(
    console_member, redis, fresh_mail_ids
):
    owner = await console_member(MemberRole.RECRUITER, email="tanto@example.jp")
    answer = await owner.post("/app/mail/en/test", DRAFT, form_page="/app/mail")
    assert answer.status_code == 200
    assert "tanto@example.jp" in answer.text
    assert "下書きは保存されていません" in answer.text
    mail = await MailMessage.filter(dedupe_key__startswith="template-test:").get()
    assert mail.recipient == "tanto@example.jp"
    assert mail.kind == MailKind.COMPANY_NOTICE
    assert mail.subject == "[TEST] 【株式会社コンソール】選考結果について"
    assert mail.body_text.startswith("[TEST] This is a test")
    assert "山田 太郎様" in mail.body_text
    assert await templates_of(owner.company_id) == {}  # a test saves nothing


async def test_a_viewer_sees_the_template_but_cannot_edit_preview_or_send(console_member, redis):
    owner = await console_member(MemberRole.OWNER)
    viewer = await console_member(MemberRole.VIEWER, company_id=owner.company_id)
    page = await viewer.get("/app/mail")
    assert page.status_code == 200
    assert "閲覧のみの権限" in page.text
    assert 'id="save-button"' not in page.text
    for path in ("/app/mail/ja", "/app/mail/ja/test"):
        refused = await viewer.post(path, {**DRAFT, "intent": "save"}, form_page="/app/mail")
        assert refused.status_code == 403
    assert await templates_of(owner.company_id) == {}
    assert not await MailMessage.filter(dedupe_key__startswith="template-test:").exists()


SEND_TEST = """
mutation($input: SendTestRejectionMailInput!) {
  sendTestRejectionMail(input: $input) { recipient subject userErrors { field code } }
}
"""


async def test_the_api_sends_a_test_to_the_contact_address_with_the_same_rules(
    make_company, redis, fresh_mail_ids
):
    caller = await make_company("株式会社エー", contact_email="hr@a.example.jp")
    sent = (await caller(SEND_TEST, {"input": {"locale": "JA"}}))["sendTestRejectionMail"]
    assert sent == {
        "recipient": "hr@a.example.jp",
        "subject": "【テスト】【株式会社エー】選考結果のご連絡",
        "userErrors": [],
    }
    bad = {"locale": "EN", "subject": "x", "body": "{% include 'a' %}{{ registration_url }}"}
    refused = (await caller(SEND_TEST, {"input": bad}))["sendTestRejectionMail"]
    assert refused["userErrors"] == [{"field": ["input", "body"], "code": "TEMPLATE_INVALID"}]
    assert await MailMessage.filter(dedupe_key__startswith="template-test:").count() == 1


async def test_test_sends_are_limited_per_member(console_member, redis, fresh_mail_ids):
    owner = await console_member(MemberRole.OWNER)
    for _ in range(rejection_mail.TEST_SENDS.limit):
        assert (
            await owner.post("/app/mail/ja/test", DRAFT, form_page="/app/mail")
        ).status_code == 200
    held = await owner.post("/app/mail/ja/test", DRAFT, form_page="/app/mail")
    assert held.status_code == 429
    assert "error-summary" in held.text
    assert 'id="preview-subject"' in held.text  # the draft is fine: its preview stays
    sent = await MailMessage.filter(dedupe_key__startswith="template-test:").count()
    assert sent == rejection_mail.TEST_SENDS.limit
