"""Rejection mail templates: defaults per locale, company overrides in a sandboxed Jinja2."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache

from jinja2 import StrictUndefined, Template, TemplateError, meta
from jinja2.sandbox import SandboxedEnvironment

from server.errors import DomainError, ErrorCode, FieldError
from server.models import Locale

VARIABLES = frozenset(
    {"candidate_name", "company_name", "opening_title", "registration_url", "unsubscribe_url"}
)
MAX_SUBJECT = 200
MAX_BODY = 20_000

_env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)

DEFAULTS: dict[str, dict[str, str]] = {
    "ja": {
        "subject": "【{{ company_name }}】選考結果のご連絡",
        "body": """{{ candidate_name }}様

このたびは弊社の「{{ opening_title }}」の求人にご応募いただき、誠にありがとうございました。
慎重に選考を進めました結果、誠に残念ながら、今回はご期待に沿いかねる結果となりました。

弊社は、ご応募くださった方のこれからのキャリアを応援するため、パートナー企業のネットワーク「キャリアリレー」に参加しています。ご登録（無料）いただくと、匿名のプロフィールでパートナー企業の求人とマッチングし、ご本人が承諾された場合にのみ企業へご紹介します。

ご登録はこちら（{{ candidate_name }}様専用のリンクです）:
{{ registration_url }}

末筆ながら、{{ candidate_name }}様の今後のご活躍を心よりお祈り申し上げます。

{{ company_name }} 採用担当

配信停止: {{ unsubscribe_url }}
""",
    },
    "en": {
        "subject": "Your application to {{ company_name }}",
        "body": """Dear {{ candidate_name }},

Thank you for applying for the position "{{ opening_title }}" at {{ company_name }}.
After careful consideration, we regret to inform you that we will not be moving forward with your application this time.

To support your next step, {{ company_name }} partners with Career Relay, a free network of hiring companies. Register with an anonymous profile to be matched with partner openings; you are introduced to a company only when you accept.

Register here (this link is personal to you):
{{ registration_url }}

We wish you every success.

{{ company_name }} Recruiting

Unsubscribe: {{ unsubscribe_url }}
""",
    },
}

# Sent when the rejection reason offers no network invitation (e.g. fraud): no link.
PLAIN: dict[str, dict[str, str]] = {
    "ja": {
        "subject": "【{{ company_name }}】選考結果のご連絡",
        "body": """{{ candidate_name }}様

このたびは弊社の「{{ opening_title }}」の求人にご応募いただき、誠にありがとうございました。
慎重に選考を進めました結果、誠に残念ながら、今回はご期待に沿いかねる結果となりました。

{{ company_name }} 採用担当
""",
    },
    "en": {
        "subject": "Your application to {{ company_name }}",
        "body": """Dear {{ candidate_name }},

Thank you for applying for the position "{{ opening_title }}" at {{ company_name }}.
We regret to inform you that we will not be moving forward with your application.

{{ company_name }} Recruiting
""",
    },
}

SAMPLE = {
    "candidate_name": "山田 太郎",
    "company_name": "サンプル株式会社",
    "opening_title": "バックエンドエンジニア",
    "registration_url": "https://relay.example.jp/r/SAMPLE-TOKEN",
    "unsubscribe_url": "https://relay.example.jp/u/SAMPLE-TOKEN",
}


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    text: str
    html: str


@lru_cache(maxsize=256)
def _compiled(source: str) -> Template:
    return _env.from_string(source)


def _render(source: str, values: dict[str, str]) -> str:
    return _compiled(source).render(**values)


def to_html(text: str) -> str:
    """Simple HTML alternative: escaped paragraphs with links made clickable."""
    escaped = html.escape(text)
    linked = re.sub(r"(https?://[^\s<]+)", r'<a href="\1">\1</a>', escaped)
    paragraphs = "".join(
        f"<p>{p.replace(chr(10), '<br>')}</p>" for p in linked.strip().split("\n\n")
    )
    return (
        f'<!doctype html><html><body style="font-family:sans-serif;line-height:1.6">'
        f"{paragraphs}</body></html>"
    )


def validate(subject: str, body: str) -> None:
    """Refuses a template that does not render or lacks ``registration_url``.

    Raises:
        DomainError: TEMPLATE_INVALID (or TOO_LONG) on ``subject`` / ``body``.
    """
    errors = []
    for field, source, limit in (("subject", subject, MAX_SUBJECT), ("body", body, MAX_BODY)):
        if len(source) > limit:
            errors.append(
                FieldError(ErrorCode.TOO_LONG, f"{field} is at most {limit} characters", [field])
            )
            continue
        try:
            used = meta.find_undeclared_variables(_env.parse(source))
            _render(source, SAMPLE)
        except TemplateError as exc:
            errors.append(
                FieldError(ErrorCode.TEMPLATE_INVALID, f"{field} does not render: {exc}", [field])
            )
            continue
        unknown = used - VARIABLES
        if unknown:
            errors.append(
                FieldError(
                    ErrorCode.TEMPLATE_INVALID,
                    f"unknown variables {sorted(unknown)}; allowed: {sorted(VARIABLES)}",
                    [field],
                )
            )
    if not errors and "registration_url" not in meta.find_undeclared_variables(_env.parse(body)):
        errors.append(
            FieldError(
                ErrorCode.TEMPLATE_INVALID, "body must contain {{ registration_url }}", ["body"]
            )
        )
    if errors:
        raise DomainError.many(errors)


def source_for(overrides: dict, locale: Locale, *, invitation: bool) -> dict[str, str]:
    """The subject/body sources to use: the company's override or the default."""
    if not invitation:
        return PLAIN[locale.value]
    return overrides.get(locale.value) or DEFAULTS[locale.value]


def render(source: dict[str, str], values: dict[str, str]) -> RenderedMail:
    subject = " ".join(_render(source["subject"], values).split())
    text = _render(source["body"], values)
    return RenderedMail(subject=subject, text=text, html=to_html(text))
