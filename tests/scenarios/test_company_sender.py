"""A rejection mail is the company's own: its From display name (「株式会社〇〇 採用担当」 or
what it set) on the network's sending address, and Reply-To the company's contact address
(or the one it set), at a real SMTP server."""

from __future__ import annotations

from email.headerregistry import Address

from server.config import get_settings
from tests.scenarios.test_rejection_flow import applications_of, drain
from tests.schema.test_applications import IMPORT, REJECT, open_role, row

SETTINGS = """
mutation($input: UpdateCompanySettingsInput!) {
  updateCompanySettings(input: $input) {
    company { mailFromName replyToEmail contactEmail }
    userErrors { field code }
  }
}
"""


async def _reject_one(caller) -> None:
    opening_id = await open_role(caller)
    await caller(IMPORT, {"input": {"rows": [row(1, opening_id, name="山田 花子")]}})
    [application_id] = await applications_of(caller)
    data = await caller(
        REJECT, {"input": {"applicationId": application_id, "reason": "skills_mismatch"}}
    )
    assert data["rejectApplication"]["userErrors"] == []
    await drain()


def _from(received) -> Address:
    [address] = received.message["From"].addresses
    return address


async def test_the_rejection_mail_is_from_the_company_and_answers_to_it(
    company_a, redis, smtp_server, smtp_settings, fresh_mail_ids
):
    # given the company's contact address and nothing else set
    data = await company_a(SETTINGS, {"input": {"contactEmail": "jinji@a.example.jp"}})
    assert data["updateCompanySettings"]["userErrors"] == []

    # when an applicant is rejected
    await _reject_one(company_a)

    # then the mail shows the company's name on the network's address, and answers to it
    [received] = smtp_server.received
    network_address = get_settings().mail_from.split("<")[1].rstrip(">")
    assert _from(received).display_name == "株式会社エー 採用担当"
    assert _from(received).addr_spec == network_address
    assert received.mail_from == network_address
    assert received.message["Reply-To"] == "jinji@a.example.jp"


async def test_a_company_sets_its_sender_name_and_reply_to(
    company_a, redis, smtp_server, smtp_settings, fresh_mail_ids
):
    # when the company sets its own sender
    data = await company_a(
        SETTINGS,
        {"input": {"mailFromName": "株式会社エー 人事部", "replyToEmail": "saiyo@a.example.jp"}},
    )
    assert data["updateCompanySettings"] == {
        "company": {
            "mailFromName": "株式会社エー 人事部",
            "replyToEmail": "saiyo@a.example.jp",
            "contactEmail": data["updateCompanySettings"]["company"]["contactEmail"],
        },
        "userErrors": [],
    }
    await _reject_one(company_a)

    # then its mails carry it
    [received] = smtp_server.received
    assert _from(received).display_name == "株式会社エー 人事部"
    assert received.message["Reply-To"] == "saiyo@a.example.jp"


async def test_a_bad_reply_to_is_refused_on_its_field(company_a):
    data = await company_a(SETTINGS, {"input": {"replyToEmail": "not an address"}})

    assert data["updateCompanySettings"] == {
        "company": None,
        "userErrors": [{"field": ["input", "replyToEmail"], "code": "INVALID"}],
    }
