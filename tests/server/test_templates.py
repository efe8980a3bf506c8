"""Rejection mail templates."""

from __future__ import annotations

import pytest

from server import templates
from server.errors import DomainError
from server.models import Locale


def _codes(error: DomainError) -> set[tuple[str, str]]:
    return {(e.field[0], e.code.value) for e in error.errors}


def test_default_japanese_mail_has_the_usual_form():
    rendered = templates.render(templates.DEFAULTS["ja"], templates.SAMPLE)

    assert rendered.subject == "【サンプル株式会社】選考結果のご連絡"
    assert rendered.text.startswith("山田 太郎様")
    assert "ご応募いただき、誠にありがとうございました" in rendered.text
    assert templates.SAMPLE["registration_url"] in rendered.text
    assert "今後のご活躍を心よりお祈り申し上げます" in rendered.text
    assert f'<a href="{templates.SAMPLE["registration_url"]}">' in rendered.html


def test_template_without_registration_url_is_refused():
    with pytest.raises(DomainError) as caught:
        templates.validate("件名", "{{ candidate_name }} 様、ありがとうございました。")

    assert _codes(caught.value) == {("body", "TEMPLATE_INVALID")}


def test_template_that_does_not_render_is_refused():
    with pytest.raises(DomainError) as caught:
        templates.validate("{{ oops", "{{ registration_url }}")

    assert _codes(caught.value) == {("subject", "TEMPLATE_INVALID")}


def test_unknown_variables_and_sandbox_escapes_are_refused():
    for body in (
        "{{ registration_url }} {{ secret }}",
        "{{ registration_url }} {{ ''.__class__.__mro__ }}",
    ):
        with pytest.raises(DomainError):
            templates.validate("s", body)


def test_html_alternative_escapes_names():
    rendered = templates.render(
        templates.DEFAULTS["en"], templates.SAMPLE | {"candidate_name": "<script>x</script>"}
    )

    assert "<script>" not in rendered.html
    assert "&lt;script&gt;" in rendered.html


def test_plain_rejection_carries_no_link():
    source = templates.source_for({}, Locale.JA, invitation=False)

    rendered = templates.render(source, templates.SAMPLE)

    assert "http" not in rendered.text
