"""Slack incoming-webhook messages (Block Kit) of an event, in the company's language.

Built from the signed payload, so a Slack message never says more than the JSON event.
"""

from __future__ import annotations

import json

from server.models import Locale

_TITLES = {
    "referral.mailed": ("紹介メールを送信しました", "Referral mail sent"),
    "referral.registered": ("紹介された方が登録しました", "A referred person registered"),
    "referral.qualified": ("紹介が有効になりました", "A referral qualified"),
    "credit.settled": ("クレジットが付与されました", "A credit was earned"),
    "introduction.accepted": ("紹介依頼が承諾されました", "An introduction was accepted"),
    "introduction.declined": ("紹介依頼が辞退されました", "An introduction was declined"),
    "introduction.expired": ("紹介依頼が期限切れになりました", "An introduction expired"),
    "application.reapplied": ("再応募がありました", "A candidate re-applied"),
    "mail.bounced": ("メールが届きませんでした", "A mail bounced"),
    "candidate.erased": (
        "候補者の削除依頼: 貴社の控えも削除してください",
        "A candidate was erased: please erase your copy",
    ),
}
# Fields of ``data`` shown in the message (ids are noise in a chat).
_SHOWN = ("opening_title", "status", "balance", "credits", "name", "email", "reason")


def message(payload: str, locale: Locale) -> str:
    """The Slack JSON body of a Standard Webhooks payload."""
    event = json.loads(payload)
    ja, en = _TITLES.get(event["type"], (event["type"], event["type"]))
    title = ja if locale == Locale.JA else en
    shown = [f"*{k}*: {v}" for k, v in event["data"].items() if k in _SHOWN and v not in ("", None)]
    blocks: list[dict] = [{"type": "header", "text": {"type": "plain_text", "text": title}}]
    if shown:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(shown)}})
    blocks.append(
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": f"`{event['type']}` {event['timestamp']}"}],
        }
    )
    return json.dumps({"text": title, "blocks": blocks}, ensure_ascii=False)
