"""Issue 11 item 7: mail bombing. The per-address cap on /join and /me counts a mailbox
(sub-addresses and Gmail dots folded) across every company, and /me does the same work for
known and unknown addresses."""

from __future__ import annotations

import secrets

from server.candidates import join, portal
from server.models import Candidate, CandidateToken, Company, MailKind, MailMessage
from server.text import mailbox_key


def test_mailbox_key_folds_sub_addresses_and_gmail_dots():
    assert mailbox_key("victim+1@example.jp") == "victim@example.jp"
    assert mailbox_key("vic.tim+news@gmail.com") == "victim@gmail.com"
    assert mailbox_key("victim@googlemail.com") == "victim@gmail.com"
    assert mailbox_key("vic.tim@example.jp") == "vic.tim@example.jp"


async def join_code(company_id: int) -> str:
    return (await Company.get(id=company_id)).join_code


async def test_the_cap_counts_one_mailbox_across_companies_and_forms(redis, company_a, company_b):
    victim = f"v{secrets.token_hex(4)}"
    code_a, code_b = await join_code(company_a.company_id), await join_code(company_b.company_id)
    await Candidate.create(email=f"{victim}@gmail.com", email_normalized=f"{victim}@gmail.com")

    # when one company's link is asked three times for sub-addresses of one mailbox
    for i in range(3):
        await join.request_confirmation(code_a, f"{victim}+{i}@gmail.com", redis=redis)
    # and another company's link, and /me, for more spellings of it
    await join.request_confirmation(code_b, f"{victim}+b@gmail.com", redis=redis)
    await join.request_confirmation(code_b, f"{victim[:2]}.{victim[2:]}@gmail.com", redis=redis)
    await portal.request_link(f"{victim}@googlemail.com", redis=redis)

    # then only the first three were mailed
    mails = await MailMessage.filter(kind__in=[MailKind.JOIN_CONFIRM, MailKind.PORTAL_LINK])
    assert len(mails) == 3
    assert {m.company_id for m in mails} == {company_a.company_id}


async def test_me_does_the_same_work_for_known_and_unknown_addresses(redis):
    known = f"k{secrets.token_hex(4)}@example.jp"
    await Candidate.create(email=known, email_normalized=known)

    await portal.request_link(known, redis=redis)
    await portal.request_link(f"u{secrets.token_hex(4)}@example.jp", redis=redis)
    await portal.request_link(known, redis=redis)

    # the unknown address ran the same inserts (its mail took an id), undone: nothing stays
    ids = (
        await MailMessage.filter(kind=MailKind.PORTAL_LINK)
        .order_by("id")
        .values_list("id", flat=True)
    )
    assert ids[1] - ids[0] == 2
    tokens = await CandidateToken.all().values_list("email_normalized", flat=True)
    assert tokens == [known, known]
