"""Every Japanese mail text and page translation reads as natural business Japanese: the
person is 〇〇様 (never 「あなた」), a company calls itself 弊社 in its own mail, a filled-in
name touches its particle, keigo where it is due, the brand is キャリアリレー, and mail text
is not hard-wrapped (mail clients wrap it to the screen)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from server import i18n
from server.applications import templates
from server.pool import followup_mails

ROOT = Path(__file__).resolve().parents[2]

# The company's own mails (its rejection, follow-up and new-opening alert).
COMPANY_MAILS = {
    "rejection": templates.DEFAULTS["ja"],
    "rejection without invitation": templates.PLAIN["ja"],
    "follow-up": followup_mails.FOLLOW_UP["ja"],
    "new-opening alert": followup_mails.OPENING_ALERT["ja"],
    "re-approach": followup_mails.REAPPROACH["ja"],
}
# The network's mails.
NETWORK_MAILS = {
    "consent reconfirmation": followup_mails.RECONFIRM["ja"],
    # every mail of the catalogue: the candidates' and the companies' notices
    **{
        key: {part: i18n.catalog("ja")[f"{key}.{part}"] for part in ("subject", "body")}
        for key in sorted(
            k.removesuffix(".subject")
            for k in i18n.catalog("ja")
            if k.startswith("mail.") and k.endswith(".subject")
        )
    },
}


def _texts():
    for name, source in {**COMPANY_MAILS, **NETWORK_MAILS}.items():
        for part, text in source.items():
            yield f"{name} {part}", text
    for key, text in i18n.catalog("ja").items():
        if not key.startswith("mail."):
            yield f"ja/messages.po {key}", text
    for page in [*sorted((ROOT / "web").glob("**/*.html")), ROOT / "web" / "links.py"]:
        yield str(page.relative_to(ROOT)), page.read_text(encoding="utf-8")


TEXTS = list(_texts())
KANA_KANJI = "ぁ-ゖァ-ヺ一-龯"
# A placeholder ({company}, {{ company_name }}) with a space before its particle or 様, or
# Japanese text with a space before a placeholder.
LOOSE_NAME = re.compile(rf"\}}[ \u3000]+[ぁ-ゖ様]|[{KANA_KANJI}][ \u3000]+\{{")
# A line cut inside a sentence: it ends in Japanese text or 、, the next one goes on.
HARD_WRAP = re.compile(rf"[{KANA_KANJI}、]\n[{KANA_KANJI}]")


MAIL_TEXTS = [
    (f"{name} {part}", text)
    for name, source in {**COMPANY_MAILS, **NETWORK_MAILS}.items()
    for part, text in source.items()
]


def _breaking(texts, rule) -> dict[str, str]:
    """The texts that break ``rule`` (a function giving the offending words, or "")."""
    return {name: found for name, text in texts if (found := rule(text))}


def test_the_person_is_never_anata():
    assert _breaking(TEXTS, lambda t: "あなた" * ("あなた" in t)) == {}


def test_the_brand_is_written_in_katakana():
    assert _breaking(TEXTS, lambda t: "Career Relay" * ("Career Relay" in t)) == {}


def test_consent_is_acknowledged_in_keigo():
    assert _breaking(TEXTS, lambda t: "同意くださった" * ("同意くださった" in t)) == {}


def _first(pattern: re.Pattern):
    return lambda text: found.group(0) if (found := pattern.search(text)) else ""


def test_a_filled_in_name_touches_its_particle():
    assert _breaking(TEXTS, _first(LOOSE_NAME)) == {}


def test_mail_text_is_not_hard_wrapped():
    assert _breaking(MAIL_TEXTS, _first(HARD_WRAP)) == {}


@pytest.mark.parametrize("name", list(COMPANY_MAILS))
def test_a_company_calls_itself_heisha_in_its_own_mail(name):
    source = COMPANY_MAILS[name]
    assert "弊社" in source["body"]
    # Its name only in the subject's 【】 and the signature 「〇〇 採用担当」.
    assert source["body"].count("{{ company_name }}") == 1
    assert "{{ company_name }} 採用担当" in source["body"]


def test_the_headline_label_reads_like_a_form_label():
    texts = i18n.catalog("ja")
    assert texts["fields.headline"] == "ひとこと自己紹介"
    assert texts["site.name"] == "キャリアリレー"


def test_a_rendered_rejection_names_the_person_with_sama():
    rendered = templates.render(
        templates.DEFAULTS["ja"], {**templates.SAMPLE, "company_name": "株式会社エックス"}
    )
    assert rendered.text.startswith("山田 太郎様\n")
    assert "山田 太郎様専用のリンク" in rendered.text
    assert "株式会社エックス 採用担当" in rendered.text
