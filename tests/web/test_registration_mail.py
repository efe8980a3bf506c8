"""The registration thank-you page promises a mail with the portal link: it comes (through
the outbox, at a real SMTP server), and its link opens the person's portal."""

from __future__ import annotations

import re

from arq.worker import Worker

from server.models import Candidate, MailKind, MailMessage
from tests.web.candidate_helpers import (  # noqa: F401  (reset_rate_limits is autouse)
    PROFILE,
    csrf_from,
    make_referral,
    post_form,
    reset_rate_limits,
)
from workers.settings import worker_settings


async def _drain() -> None:
    worker = Worker(**worker_settings(burst=True, poll_delay=0, cron_jobs=[]))
    await worker.main()
    await worker.close()


async def test_registering_mails_the_portal_link_the_page_promises(
    client, company_a, smtp_server, smtp_settings, fresh_mail_ids
):
    # given
    _, raw = await make_referral(company_a.company_id, email="taro@example.jp")

    # when the person registers and the worker runs
    page = await post_form(client, f"/register/{raw}", {**PROFILE, "share": "1"})
    await _drain()

    # then the page says the link was mailed, and it was
    assert "マイページへのリンクを、ご登録のメールアドレスにお送りしました。" in page.text
    [received] = smtp_server.received
    assert received.rcpt_tos == ["taro@example.jp"]
    assert received.message["Subject"] == "【キャリアリレー】ご登録ありがとうございます"
    text = received.message.get_body(("plain",)).get_content()
    assert text.startswith("山田 太郎様\n")
    assert "株式会社エーからのご案内によるご登録を受け付けました。" in text
    link = re.search(r"http://relay\.test(/me/[A-Za-z0-9_\-]+)", text).group(1)
    portal = await client.get(link)
    assert portal.status_code == 200
    assert "バックエンドエンジニア" in portal.text  # the profile just registered
    candidate = await Candidate.get(email_normalized="taro@example.jp")
    assert (
        await MailMessage.filter(candidate_id=candidate.id, kind=MailKind.PORTAL_LINK).count() == 1
    )


async def test_a_second_submit_mails_nothing_more(client, company_a, smtp_server, smtp_settings):
    _, raw = await make_referral(company_a.company_id, email="taro@example.jp")

    form = await client.get(f"/register/{raw}")
    for _ in range(2):
        data = {"csrf_token": csrf_from(form), **PROFILE, "share": "1"}
        assert (await client.post(f"/register/{raw}", data=data)).status_code == 200

    assert await MailMessage.filter(kind=MailKind.PORTAL_LINK).count() == 1
