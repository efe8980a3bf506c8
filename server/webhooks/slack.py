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
# Fields of ``data`` shown in the message, at any depth (ids are noise in a chat).
_SHOWN = ("title", "status", "balanceAfter", "name", "email", "kind", "recipient", "action")


def _fields(value: object) -> list[tuple[str, object]]:
    if not isinstance(value, dict):
        return []
    found: list[tuple[str, object]] = []
    for key, item in value.items():
        if isinstance(item, dict):
            found.extend(_fields(item))
        elif key in _SHOWN and item not in ("", None):
            found.append((key, item))
    return found


def message(payload: str, locale: Locale) -> str:
    """The Slack JSON body of a Standard Webhooks payload."""
    event = json.loads(payload)
    ja, en = _TITLES.get(event["type"], (event["type"], event["type"]))
    title = ja if locale == Locale.JA else en
    shown = [f"*{k}*: {v}" for k, v in _fields(event["data"])]
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
