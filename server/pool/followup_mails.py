"""Texts of the talent-pool mails (follow-up, new-opening alert, consent reconfirmation), ja
and en, rendered like the rejection mails (``server.applications.templates``: sandboxed Jinja2, text plus
an HTML alternative). Dates are shown in the company's time zone."""

from __future__ import annotations

from datetime import datetime

from server import timezones
from server.applications import templates
from server.applications.templates import RenderedMail
from server.models import Locale

FOLLOW_UP = {
    "ja": {
        "subject": "【{{ company_name }}】その後いかがお過ごしですか",
        "body": """{{ candidate_name }}様

{% if applied_on %}{{ applied_on }}に{% else %}以前、{% endif %}弊社の選考にご応募いただき、誠にありがとうございました。その後いかがお過ごしでしょうか。

{{ openings_block }}
このメールは、{{ candidate_name }}様が弊社からのご連絡にご同意いただいたため、お送りしています。同意の取り消しやメールの一時停止は、マイページからいつでもできます: {{ portal_url }}

{{ company_name }} 採用担当

配信停止: {{ unsubscribe_url }}
""",
        "openings": "弊社でいま募集中の次の求人が、{{ candidate_name }}様のご経験やご希望に"
        "合いそうです。ご興味があれば、リンクから再応募いただけます（確認画面でボタンを押すまで"
        "応募にはなりません）。\n\n",
        "none": "いまご経験に合う求人はございませんが、新しい求人を始めた際にはお知らせします。\n\n",
    },
    "en": {
        "subject": "{{ company_name }}: how are you doing?",
        "body": """Dear {{ candidate_name }},

Thank you again for applying to {{ company_name }}{% if applied_on %} on {{ applied_on }}{% endif %}. We hope you are doing well.

{{ openings_block }}
You receive this mail because you agreed to hear from {{ company_name }}. You can withdraw that consent or pause mails at any time from your page: {{ portal_url }}

{{ company_name }} Recruiting

Unsubscribe: {{ unsubscribe_url }}
""",
        "openings": "These openings of ours may fit your experience. If you are interested, "
        "apply again through the link (nothing is sent before you confirm on the page).\n\n",
        "none": "No opening fits your experience right now; we will let you know when one "
        "does.\n\n",
    },
}

OPENING_ALERT = {
    "ja": {
        "subject": "【{{ company_name }}】新しい求人「{{ opening_title }}」のお知らせ",
        "body": """{{ candidate_name }}様

弊社で、新しい求人「{{ opening_title }}」の募集を始めました。{{ candidate_name }}様の{{ matched }}に合いそうなため、お知らせします。

ご興味があれば、こちらから再応募いただけます（確認画面でボタンを押すまで応募にはなりません）:
{{ reapply_url }}

このメールは、{{ candidate_name }}様が弊社からのご連絡にご同意いただいたため、お送りしています。同意の取り消しやメールの一時停止は、マイページからいつでもできます: {{ portal_url }}

{{ company_name }} 採用担当

配信停止: {{ unsubscribe_url }}
""",
    },
    "en": {
        "subject": "{{ company_name }} has a new opening: {{ opening_title }}",
        "body": """Dear {{ candidate_name }},

{{ company_name }} has just opened "{{ opening_title }}", which may fit your {{ matched }}.

If you are interested, apply again here (nothing is sent before you confirm on the page):
{{ reapply_url }}

You receive this mail because you agreed to hear from {{ company_name }}. You can withdraw that consent or pause mails at any time from your page: {{ portal_url }}

{{ company_name }} Recruiting

Unsubscribe: {{ unsubscribe_url }}
""",
    },
}

# A member sends one chosen open opening to a person of the pool (a re-approach).
REAPPROACH = {
    "ja": {
        "subject": "【{{ company_name }}】求人「{{ opening_title }}」のご案内",
        "body": """{{ candidate_name }}様

以前、弊社の選考にご応募いただき、誠にありがとうございました。
現在募集中の求人「{{ opening_title }}」が{% if matched %}、{{ candidate_name }}様の{{ matched }}に{% else %}{{ candidate_name }}様に{% endif %}合いそうなため、ご案内いたします。

ご興味があれば、こちらから再応募いただけます（確認画面でボタンを押すまで応募にはなりません）:
{{ reapply_url }}

このメールは、{{ candidate_name }}様が弊社からのご連絡にご同意いただいたため、お送りしています。同意の取り消しやメールの一時停止は、マイページからいつでもできます: {{ portal_url }}

{{ company_name }} 採用担当

配信停止: {{ unsubscribe_url }}
""",
    },
    "en": {
        "subject": "{{ company_name }}: an opening for you, {{ opening_title }}",
        "body": """Dear {{ candidate_name }},

Thank you again for applying to {{ company_name }} before. Our open position "{{ opening_title }}" may fit {% if matched %}your {{ matched }}{% else %}you{% endif %}, so we would like to let you know about it.

If you are interested, apply again here (nothing is sent before you confirm on the page):
{{ reapply_url }}

You receive this mail because you agreed to hear from {{ company_name }}. You can withdraw that consent or pause mails at any time from your page: {{ portal_url }}

{{ company_name }} Recruiting

Unsubscribe: {{ unsubscribe_url }}
""",
    },
}

# How the alert names what fits, by the matched tags' category (in this order).
MATCHED_WORDS = {
    "ja": {
        "SKILL": "スキル",
        "JOB_TYPE": "ご希望の職種",
        "LOCATION": "ご希望の勤務地",
        "CONDITION": "ご希望の働き方",
    },
    "en": {
        "SKILL": "skills",
        "JOB_TYPE": "preferred roles",
        "LOCATION": "preferred locations",
        "CONDITION": "preferred working conditions",
    },
}

RECONFIRM = {
    "ja": {
        "subject": "【キャリアリレー】ご同意の確認のお願い",
        "body": """{{ candidate_name }}様

キャリアリレーでいただいた次のご同意から1年以上が経ちました。

{{ consents }}
引き続き有効にする場合: {{ keep_url }}
取り消す場合: {{ withdraw_url }}

{{ deadline }}までにご回答がない場合は、これらのご同意を取り消したものとして扱い、マッチングとご連絡を停止します（マイページからいつでも同意し直せます）。

キャリアリレー

配信停止: {{ unsubscribe_url }}
""",
        "sharing": "・匿名プロフィールをパートナー企業と共有し、求人とマッチングすること",
        "follow_up": "・{{ company }}から、今後の求人のご連絡を受け取ること",
    },
    "en": {
        "subject": "Career Relay: please confirm your consent",
        "body": """Dear {{ candidate_name }},

More than a year has passed since you gave Career Relay the following consent:

{{ consents }}
To keep it: {{ keep_url }}
To withdraw it: {{ withdraw_url }}

Without an answer by {{ deadline }}, we will treat it as withdrawn and stop matching and mailing you (you can agree again at any time from your page).

Career Relay

Unsubscribe: {{ unsubscribe_url }}
""",
        "sharing": "- sharing your anonymous profile with partner companies to match openings",
        "follow_up": "- hearing from {{ company }} about future openings",
    },
}


def _lang(locale: Locale | str) -> str:
    return "en" if str(locale) == "en" else "ja"


def local_date(value: datetime, zone: str | None, locale: Locale | str) -> str:
    """A date as shown in a mail: in the company's time zone, written the locale's way."""
    local = value.astimezone(timezones.zone(zone))
    if _lang(locale) == "en":
        return f"{local.day} {local.strftime('%B %Y')}"
    return f"{local.year}年{local.month}月{local.day}日"


def _line(source: str, **values: str) -> str:
    return templates.render({"subject": "", "body": source}, values).text


def follow_up(
    locale: Locale | str,
    *,
    candidate_name: str,
    company_name: str,
    applied_on: str,
    openings: list[tuple[str, str]],
    portal_url: str,
    unsubscribe_url: str,
) -> RenderedMail:
    """The follow-up mail; ``openings`` are (title, re-apply URL) pairs, best first;
    ``applied_on`` is the day the person applied ("" when unknown: the mail names no day)."""
    texts = FOLLOW_UP[_lang(locale)]
    if openings:
        bullet = "-" if _lang(locale) == "en" else "■"
        listed = "".join(f"{bullet} {title}\n{url}\n\n" for title, url in openings)
        block = _line(texts["openings"], candidate_name=candidate_name) + listed
    else:
        block = texts["none"]
    block = block.rstrip("\n") + "\n"
    return templates.render(
        texts,
        {
            "candidate_name": candidate_name,
            "company_name": company_name,
            "applied_on": applied_on,
            "openings_block": block,
            "portal_url": portal_url,
            "unsubscribe_url": unsubscribe_url,
        },
    )


def matched_words(locale: Locale | str, matched: list[tuple[str, str]]) -> str:
    """What fits, named by category: (category, label) pairs →
    「スキル（Python、SQL）、ご希望の勤務地（東京都）」."""
    lang = _lang(locale)
    by_category: dict[str, list[str]] = {}
    for category, label in matched:
        by_category.setdefault(str(category), []).append(label)
    words = MATCHED_WORDS[lang]
    if lang == "en":
        parts = [f"{words[c]} ({', '.join(by_category[c])})" for c in words if c in by_category]
        return ", ".join(parts)
    return "、".join(
        f"{words[c]}（{'、'.join(by_category[c])}）" for c in words if c in by_category
    )


def opening_alert(
    locale: Locale | str,
    *,
    candidate_name: str,
    company_name: str,
    opening_title: str,
    matched: list[tuple[str, str]],
    reapply_url: str,
    portal_url: str,
    unsubscribe_url: str,
    reapproach: bool = False,
) -> RenderedMail:
    """The new-opening alert; ``matched`` are the (category, label) of the tags that fit.
    ``reapproach``: the text of an opening a member chose to send (not a new one)."""
    return templates.render(
        (REAPPROACH if reapproach else OPENING_ALERT)[_lang(locale)],
        {
            "candidate_name": candidate_name,
            "company_name": company_name,
            "opening_title": opening_title,
            "matched": matched_words(locale, matched),
            "reapply_url": reapply_url,
            "portal_url": portal_url,
            "unsubscribe_url": unsubscribe_url,
        },
    )


def reconfirm(
    locale: Locale | str,
    *,
    candidate_name: str,
    sharing: bool,
    follow_up_companies: list[str],
    keep_url: str,
    withdraw_url: str,
    deadline: str,
    unsubscribe_url: str,
) -> RenderedMail:
    texts = RECONFIRM[_lang(locale)]
    lines = [texts["sharing"]] if sharing else []
    lines += [_line(texts["follow_up"], company=name) for name in follow_up_companies]
    return templates.render(
        texts,
        {
            "candidate_name": candidate_name,
            "consents": "".join(f"{line}\n" for line in lines),
            "keep_url": keep_url,
            "withdraw_url": withdraw_url,
            "deadline": deadline,
            "unsubscribe_url": unsubscribe_url,
        },
    )
