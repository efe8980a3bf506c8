"""The mail that asks a candidate to meet a company (Japanese and English), with its accept and
decline links.
"""

from __future__ import annotations

from datetime import UTC, datetime

from server import timezones, tokens
from server.applications import opening_view
from server.config import get_settings
from server.mail import outbox
from server.models import (
    Candidate,
    Company,
    Introduction,
    Locale,
    MailKind,
    Opening,
    TokenPurpose,
)

# --- requesting ---------------------------------------------------------------------------

MAIL = {
    Locale.JA: (
        "【キャリアリレー】{company}から「{opening}」のご紹介リクエストが届きました",
        "{name}様\n\n"
        "キャリアリレーに共有いただいたプロフィールをご覧になった{company}から、"
        "求人「{opening}」について、{name}様にお会いしたいとのリクエストが届きました。\n\n"
        "{opening_details}\n\n"
        "承諾すると、お名前とメールアドレスを{company}にだけお伝えします。"
        "お断りした場合、企業に{name}様の情報が伝わることはありません。\n\n"
        "承諾する: {accept_url}\n"
        "お断りする: {decline_url}\n\n"
        "リンクを開くと確認画面が表示され、ボタンを押したときに回答が確定します。\n"
        "回答期限: {expires}（期限を過ぎると、リクエストは自動的に終了します）\n\n"
        "紹介リクエストの一覧、プロフィールや同意の変更はマイページから: {portal_url}\n\n"
        "キャリアリレー\n",
    ),
    Locale.EN: (
        "[Career Relay] {company} would like to meet you about “{opening}”",
        "Dear {name},\n\n"
        "{company} saw the profile you share on Career Relay and would like to meet you about "
        "their opening “{opening}”.\n\n"
        "{opening_details}\n\n"
        "If you accept, we give your name and email address to {company} only. If you "
        "decline, the company learns nothing about you.\n\n"
        "Accept: {accept_url}\n"
        "Decline: {decline_url}\n\n"
        "Each link opens a page to confirm; your answer counts when you press its button.\n"
        "Answer by: {expires} (after that the request ends by itself)\n\n"
        "Your requests, profile and consent are on My page: {portal_url}\n\n"
        "Career Relay\n",
    ),
}


def answer_url(raw: str, answer: str, locale: Locale) -> str:
    """The mailed link to the confirm page of one answer (``accept`` or ``decline``), in the
    candidate's language."""
    return f"{get_settings().public_url}/me/introductions/{raw}/{answer}?lang={locale.value}"


async def queue_mail(
    introduction: Introduction, company: Company, opening: Opening, candidate: Candidate
) -> int:
    locale = Locale(candidate.locale)
    raw = await tokens.issue(
        TokenPurpose.INTRODUCTION,
        email=candidate.email_normalized or "",
        candidate_id=candidate.id,
        company_id=company.id,
        data={"introduction_id": introduction.id},
        ttl=introduction.expires_at - datetime.now(UTC),
    )
    subject, body = MAIL[locale]
    values = {
        "name": candidate.display_name,
        "company": company.name,
        "opening": opening.title,
        "opening_details": opening_view.mail_text(
            await opening_view.view(opening, company, locale), locale
        ),
        "accept_url": answer_url(raw, "accept", locale),
        "decline_url": answer_url(raw, "decline", locale),
        "expires": _local_day(introduction.expires_at),
        "portal_url": f"{get_settings().public_url}/me",
    }
    message, _ = await outbox.queue_mail(
        kind=MailKind.INTRODUCTION,
        recipient=candidate.email or "",
        unsubscribe=await outbox.unsubscribe_url(candidate.email or ""),
        subject=subject.format(**values),
        body_text=body.format(**values),
        locale=locale,
        dedupe_key=f"introduction:{introduction.id}",
        company_id=company.id,
        candidate_id=candidate.id,
    )
    return message.id


def _local_day(value: datetime) -> str:
    return value.astimezone(timezones.JAPAN).strftime("%Y-%m-%d")
