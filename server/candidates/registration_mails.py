"""The registration confirmation: sent when a person registers from a referral, with the
link to their portal (the thank-you page promises it). Queued in the registration's own
transaction (the outbox), so a registration that rolls back mails nothing."""

from __future__ import annotations

from server import tokens
from server.config import get_settings
from server.mail import outbox
from server.models import Candidate, Company, Locale, MailKind, MailMessage, TokenPurpose

MAIL = {
    Locale.JA: (
        "【キャリアリレー】ご登録ありがとうございます",
        """{name}様

キャリアリレーにご登録いただき、誠にありがとうございます。{company}からのご案内によるご登録を受け付けました。

マイページへのリンクをお送りします（{days}日間有効）:
{url}

マイページでは、プロフィールの編集、同意の確認と撤回、紹介リクエストへの回答、データのダウンロードと削除ができます。このリンクはご本人専用です。他の方と共有しないでください。有効期限が切れた後も、マイページの入口でメールアドレスを入力すれば、いつでもリンクを再発行できます: {me_url}

お心当たりのない場合は、このメールを破棄してください。

キャリアリレー
""",
    ),
    Locale.EN: (
        "[Career Relay] Thank you for registering",
        """Dear {name},

Thank you for registering with Career Relay through {company}.

Here is your link to My page (valid for {days} days):
{url}

There you can edit your profile, review or withdraw your consent, answer introduction requests, and download or erase your data. This link is personal: do not share it. When it has expired, enter your address at {me_url} for a new one.

If this was not you, ignore this mail.

Career Relay
""",
    ),
}


async def queue_confirmation(
    candidate: Candidate, company: Company, referral_id: int, locale: Locale
) -> MailMessage:
    """Queues the confirmation with a fresh portal link (inside the caller's transaction)."""
    raw = await tokens.issue(
        TokenPurpose.PORTAL, email=candidate.email_normalized, candidate_id=candidate.id
    )
    public_url = get_settings().public_url
    subject, body = MAIL[locale]
    message, _ = await outbox.queue_mail(
        kind=MailKind.PORTAL_LINK,
        recipient=candidate.email or candidate.email_normalized or "",
        subject=subject,
        body_text=body.format(
            name=candidate.display_name,
            company=company.name,
            days=tokens.DEFAULT_TTL[TokenPurpose.PORTAL].days,
            url=f"{public_url}/me/{raw}",
            me_url=f"{public_url}/me",
        ),
        locale=locale,
        dedupe_key=f"registered:{referral_id}",
        company_id=company.id,
        candidate_id=candidate.id,
    )
    return message
