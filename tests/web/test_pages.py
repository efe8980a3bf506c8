"""Cross-cutting rules of the candidate pages: headers, CSP-safe templates, language
negotiation (the catalogue's keys are checked by tests/test_translations.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.web.candidate_helpers import make_referral, reset_rate_limits  # noqa: F401
from web import i18n

TEMPLATES = Path(__file__).parents[2] / "web" / "templates"
EXPECTED_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}


@pytest.mark.parametrize("path", ["/privacy", "/me", "/me/sent", "/register/nope", "/join/x"])
async def test_security_headers_on_every_page(client, path):
    response = await client.get(path)
    for name, value in EXPECTED_HEADERS.items():
        assert response.headers[name] == value
    csp = response.headers["content-security-policy"]
    assert "default-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert "script-src" not in csp  # no scripts at all: default-src 'none' covers them
    assert response.headers["cache-control"] == "no-store"


async def test_security_headers_on_static_and_unknown_paths(client):
    css = await client.get("/static/style.css")
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")
    missing = await client.get("/nothing-here")
    for response in (css, missing):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "content-security-policy" in response.headers


def _templates() -> list[Path]:
    return sorted(TEMPLATES.glob("*.html"))


def test_templates_have_no_inline_script_or_style():
    for path in _templates():
        text = path.read_text(encoding="utf-8")
        assert "<script" not in text, path
        assert " style=" not in text and "<style" not in text, path
        assert not re.search(r"\son[a-z]+=", text), path
        assert "|safe" not in text.replace(" ", "") and "Markup" not in text, path


def test_language_negotiation():
    cases = {
        "": "ja",
        "en": "en",
        "en-US,en;q=0.9,ja;q=0.8": "en",
        "ja,en-US;q=0.7": "ja",
        "fr-FR,fr;q=0.9": "ja",
        "fr;q=1,en;q=0.5": "en",
        "ja;q=0.1,en;q=0.2": "en",
        "en;q=0": "ja",
        "garbage;;;q=x": "ja",
    }
    for header, expected in cases.items():
        assert (i18n._accept_language(header) or i18n.DEFAULT) == expected, header


async def test_language_cookie_ignores_unknown_values(client):
    client.cookies.set("lang", "<script>", domain="relay.test")
    page = await client.get("/privacy")
    assert '<html lang="ja">' in page.text
    page = await client.get("/privacy?lang=xx")
    assert '<html lang="ja">' in page.text


async def test_privacy_page_names_the_terms_version(client):
    from server.candidates.consent import TERMS_VERSION

    page = await client.get("/privacy?lang=en")
    assert TERMS_VERSION in page.text
    assert "Privacy notice" in page.text


async def test_oversized_form_is_refused_without_a_crash(client, company_a):
    _, raw = await make_referral(company_a.company_id)
    response = await client.post(
        f"/register/{raw}",
        content=b"a=" + b"x" * 600_000,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code in (400, 413)


async def test_nul_bytes_and_control_characters_are_dropped(client, company_a):
    from server.models import Candidate
    from tests.web.candidate_helpers import PROFILE, post_form

    referral, raw = await make_referral(company_a.company_id)
    data = {**PROFILE, "display_name": "山田\x00太郎\u200b", "headline": "a\x07b"}
    response = await post_form(client, f"/register/{raw}", data)
    assert response.status_code == 200
    await referral.refresh_from_db()
    candidate = await Candidate.get(id=referral.candidate_id)
    assert candidate.display_name == "山田太郎"
    assert candidate.headline == "ab"


async def test_file_uploads_and_broken_bodies_are_refused(client, company_a):
    referral, raw = await make_referral(company_a.company_id)
    upload = await client.post(f"/register/{raw}", files={"headline": ("a.txt", b"x")})
    broken = await client.post(
        f"/register/{raw}",
        content=b"--xx\r\nnot really multipart",
        headers={"content-type": "multipart/form-data; boundary=xx"},
    )
    assert upload.status_code == 400
    assert broken.status_code in (400, 403)
    await referral.refresh_from_db()
    assert referral.status == "MAILED"
