"""Rejection mail templates."""

from __future__ import annotations

import pytest

from server.applications import templates
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


URL = "{{ registration_url }}"


@pytest.mark.parametrize(
    "body",
    [
        URL + "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}",
        URL + "{% for i in range(100000) %}{% endfor %}",
        URL + "{{ 7 ** 3000000 }}",
        URL + "{{ candidate_name * 400000 }}",
        URL + "{{ '%999999999s' % candidate_name }}",
        URL + "{{ candidate_name.ljust(999999999) }}",
        URL + "{{ candidate_name | center(999999999) }}",
        URL + "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}",
        URL + "{% include 'x.txt' %}",
        URL + "{% import 'x' as y %}",
        URL + "{% extends 'base' %}",
        URL + "{{ " + "(" * 2000 + "1" + ")" * 2000 + " }}",
        URL + "{{ 1 // 0 }}",
        URL + "{% for c in candidate_name %}{% for d in candidate_name %}{% endfor %}{% endfor %}",
        URL + "{% for i in range(100) %}{{ candidate_name * 200 }}{% endfor %}",
    ],
)
def test_templates_that_would_burn_the_process_are_refused_at_save(body):
    with pytest.raises(DomainError) as caught:
        templates.validate("件名", body)

    assert _codes(caught.value) == {("body", "TEMPLATE_INVALID")}


def test_a_subject_too_long_for_a_real_mail_is_refused_at_save():
    # 23 characters of source, 400+ rendered with a company name of the longest allowed.
    with pytest.raises(DomainError) as caught:
        templates.validate("{{ company_name * 2 }}", URL)

    assert _codes(caught.value) == {("subject", "TEMPLATE_INVALID")}


def test_a_bounded_template_with_loops_and_filters_still_renders():
    body = URL + "{% for i in range(3) %}{{ loop.index }}{{ candidate_name | upper }}{% endfor %}"
    templates.validate("{{ company_name }} より", body)

    rendered = templates.render({"subject": "s", "body": body}, templates.SAMPLE)

    assert rendered.text.endswith("1山田 太郎2山田 太郎3山田 太郎")


def test_a_stored_template_past_the_budget_fails_with_template_invalid_at_render():
    # As a template saved before the limits: refused at render, never a stall or a crash.
    source = {"subject": "{{ company_name * 2 }}", "body": "{{ 7 ** 3000000 }}"}

    with pytest.raises(DomainError) as caught:
        templates.render(source, templates.LONGEST)

    assert _codes(caught.value) == {("template", "TEMPLATE_INVALID")}
