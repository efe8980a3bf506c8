"""Issue 11 item 8: phishing through the platform. A company's rejection mails link only to
the network and the domains the operator allowed it; a daily sending quota holds the rest;
the operator sees and sets every guard."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from server.mail import sending_guards
from server.models import AuditEvent, Company, MailKind, MailMessage
from tests.schema.test_applications import APPLICATIONS, IMPORT, REJECT, open_role, row

TEMPLATE = """
mutation($input: UpdateRejectionTemplateInput!) {
  updateRejectionTemplate(input: $input) { company { id } userErrors { field code message } }
}
"""
GUARDS = """
mutation($input: SetCompanyMailGuardsInput!) {
  setCompanyMailGuards(input: $input) {
    company { allowedLinkDomains dailyMailQuota mailsToday mailsHeld }
    userErrors { field code message }
  }
}
"""
SEEN = """
query($id: ID!) {
  node(id: $id) { ... on Company { allowedLinkDomains dailyMailQuota mailsToday mailsHeld } }
}
"""
COMPANY_ID = "{ viewer { id } }"


def body(extra: str) -> dict:
    return {
        "input": {
            "locale": "JA",
            "subject": "選考結果のご連絡",
            "body": f"{{{{ candidate_name }}}} 様\n{extra}\n登録: {{{{ registration_url }}}}\n",
        }
    }


def codes(payload: dict) -> list[str]:
    return [e["code"] for e in payload["userErrors"]]


async def company_gid(caller) -> str:
    return (await caller(COMPANY_ID))["viewer"]["id"]


async def test_template_links_only_to_the_network_and_allowed_domains(
    settings, company_a, operator
):
    phishing = await company_a(TEMPLATE, body("Verify now: https://evil.example/login"))
    sneaky = await company_a(TEMPLATE, body("詳細: https://relay.example.jp@evil.example/x"))
    bare = await company_a(TEMPLATE, body("こちら evil.example/login から"))
    own = await company_a(TEMPLATE, body(f"ネットワーク: {settings.public_url}/privacy"))
    before_allowed = await company_a(TEMPLATE, body("採用サイト: https://careers.acme.co.jp/"))
    company_id = await company_gid(company_a)
    allowed = await operator(
        GUARDS, {"input": {"companyId": company_id, "allowedLinkDomains": ["acme.co.jp"]}}
    )
    after_allowed = await company_a(TEMPLATE, body("採用サイト: https://careers.acme.co.jp/"))

    assert codes(phishing["updateRejectionTemplate"]) == ["LINK_NOT_ALLOWED"]
    assert phishing["updateRejectionTemplate"]["userErrors"][0]["field"] == ["input", "body"]
    assert "evil.example" in phishing["updateRejectionTemplate"]["userErrors"][0]["message"]
    assert codes(sneaky["updateRejectionTemplate"]) == ["LINK_NOT_ALLOWED"]
    assert codes(bare["updateRejectionTemplate"]) == ["LINK_NOT_ALLOWED"]
    assert codes(own["updateRejectionTemplate"]) == []
    assert codes(before_allowed["updateRejectionTemplate"]) == ["LINK_NOT_ALLOWED"]
    assert allowed["setCompanyMailGuards"]["company"]["allowedLinkDomains"] == ["acme.co.jp"]
    assert codes(after_allowed["updateRejectionTemplate"]) == []
    audit = await AuditEvent.get(action="company.set_mail_guards")
    assert audit.data["domains"] == ["acme.co.jp"]


async def test_a_link_in_company_supplied_text_stops_the_rejection_mail(company_a):
    opening_id = await open_role(company_a)
    phisher = row(1, opening_id, name="至急 https://evil.example/verify で本人確認")
    await company_a(IMPORT, {"input": {"rows": [phisher]}})
    application_id = (await company_a(APPLICATIONS))["applications"]["edges"][0]["node"]["id"]

    data = await company_a(REJECT, {"input": {"applicationId": application_id}})

    assert codes(data["rejectApplication"]) == ["LINK_NOT_ALLOWED"]
    assert await MailMessage.filter(kind=MailKind.REJECTION).count() == 0


async def test_mails_over_the_daily_quota_are_held_and_the_operator_sees_it(company_a, operator):
    company_id = await company_gid(company_a)
    await operator(GUARDS, {"input": {"companyId": company_id, "dailyMailQuota": 2}})
    opening_id = await open_role(company_a)
    await company_a(IMPORT, {"input": {"rows": [row(i, opening_id) for i in range(1, 5)]}})
    edges = (await company_a(APPLICATIONS))["applications"]["edges"]

    for edge in edges:
        data = await company_a(REJECT, {"input": {"applicationId": edge["node"]["id"]}})
        assert codes(data["rejectApplication"]) == []

    mails = await MailMessage.filter(kind=MailKind.REJECTION).order_by("send_after")
    today_end = datetime.now(UTC) + timedelta(hours=1)
    assert [m.send_after < today_end for m in mails] == [True, True, False, False]
    seen = (await operator(SEEN, {"id": company_id}))["node"]
    assert seen == {
        "allowedLinkDomains": [],
        "dailyMailQuota": 2,
        "mailsToday": 2,
        "mailsHeld": 2,
    }


async def test_a_quota_of_zero_refuses_rejections_with_a_mail(company_a, operator):
    company_id = await company_gid(company_a)
    await operator(GUARDS, {"input": {"companyId": company_id, "dailyMailQuota": 0}})
    opening_id = await open_role(company_a)
    await company_a(IMPORT, {"input": {"rows": [row(1, opening_id)]}})
    application_id = (await company_a(APPLICATIONS))["applications"]["edges"][0]["node"]["id"]

    refused = await company_a(REJECT, {"input": {"applicationId": application_id}})
    silent = await company_a(
        REJECT, {"input": {"applicationId": application_id, "sendMail": False}}
    )

    assert codes(refused["rejectApplication"]) == ["QUOTA_EXCEEDED"]
    assert codes(silent["rejectApplication"]) == []


async def test_new_companies_get_the_small_quota_older_ones_the_default(settings, company_a):
    company = await Company.get(id=company_a.company_id)
    later = datetime.now(UTC) + timedelta(days=settings.new_company_days + 1)

    assert sending_guards.quota(company) == settings.mail_quota_new_company
    assert sending_guards.quota(company, later) == settings.mail_quota_default
    assert settings.mail_quota_new_company < settings.mail_quota_default


async def test_operator_input_is_checked(company_a, operator, make_company):
    company_id = await company_gid(company_a)
    bad = await operator(
        GUARDS, {"input": {"companyId": company_id, "allowedLinkDomains": ["not a domain"]}}
    )
    not_operator = await company_a.post(
        GUARDS, {"input": {"companyId": company_id, "dailyMailQuota": 10**6}}
    )

    assert codes(bad["setCompanyMailGuards"]) == ["INVALID"]
    assert not_operator.json()["errors"]
