"""Rejection mail templates: defaults per locale, company overrides in a sandboxed Jinja2."""

from __future__ import annotations

import html
import re
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateError, meta, nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

from server.config import get_settings
from server.errors import DomainError, ErrorCode, FieldError
from server.models import Locale

VARIABLES = frozenset(
    {"candidate_name", "company_name", "opening_title", "registration_url", "unsubscribe_url"}
)
MAX_SUBJECT = 200
MAX_BODY = 20_000
# What a render may produce and spend: a rendered subject must fit the mail's column (500),
# a body stays a mail, and a render never holds the process for long.
MAX_SUBJECT_OUTPUT = 300
MAX_BODY_OUTPUT = 50_000
MAX_RANGE = 100
MAX_RENDER_SECONDS = 0.2
MAX_POWER_BITS = 256

# The template language is a small subset of Jinja: variables, filters from this list,
# if / for (not nested) / set, and plain expressions. No macros (recursion), no include,
# import or extends (there is nothing to load), no method calls.
FILTERS = frozenset(
    {"upper", "lower", "title", "capitalize", "trim", "default", "d", "length", "count",
     "first", "last", "truncate", "string", "int", "escape", "e", "join", "striptags"}
)  # fmt: skip
_NODES = (
    nodes.Template, nodes.Output, nodes.TemplateData, nodes.Name, nodes.Const, nodes.If,
    nodes.For, nodes.Assign, nodes.AssignBlock, nodes.With, nodes.Filter, nodes.FilterBlock,
    nodes.Test, nodes.Compare, nodes.Operand, nodes.Concat, nodes.CondExpr, nodes.BinExpr,
    nodes.UnaryExpr, nodes.Getitem, nodes.Slice, nodes.Tuple, nodes.List, nodes.Dict,
    nodes.Pair, nodes.Keyword, nodes.Call,
)  # fmt: skip


class _Budget:
    """Output and time spent by one render; loops and ranges draw from it."""

    def __init__(self, max_output: int):
        self.max_output = max_output
        self.deadline = time.monotonic() + MAX_RENDER_SECONDS

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise SecurityError(f"the template takes longer than {MAX_RENDER_SECONDS} s")


class _Sandbox(SandboxedEnvironment):
    """Jinja's sandbox with bounded ranges, powers and repetitions."""

    intercepted_binops = frozenset({"**", "*", "%"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**":
            if not isinstance(left, int | float) or not isinstance(right, int | float):
                raise SecurityError("** takes numbers")
            if abs(right) > MAX_POWER_BITS or (
                isinstance(left, int) and abs(left).bit_length() * abs(right) > MAX_POWER_BITS
            ):
                raise SecurityError("the power is too large")
        elif operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, str | list | tuple) and isinstance(times, int):
                    if len(seq) * times > MAX_BODY_OUTPUT:
                        raise SecurityError("the repetition is too long")
        elif operator == "%" and isinstance(left, str):
            raise SecurityError("% formatting is not available")
        return super().call_binop(context, operator, left, right)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        if __obj is not _range:
            raise SecurityError("only range() may be called")
        return __self.sandboxed_call(__context, __obj, args, kwargs)

    def sandboxed_call(self, context: Any, obj: Any, args: tuple, kwargs: dict) -> Any:
        return super().call(context, obj, *args, **kwargs)


def _range(*args: int) -> range:
    result = range(*args)
    if len(result) > MAX_RANGE:
        raise SecurityError(f"range() is limited to {MAX_RANGE} items")
    return result


_env = _Sandbox(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)
_env.globals = {"range": _range}


def _check_nodes(tree: nodes.Node, in_loop: bool = False) -> None:
    """Refuses what the template language leaves out (see FILTERS and _NODES)."""
    if isinstance(tree, nodes.Getattr):
        if not (isinstance(tree.node, nodes.Name) and tree.node.name == "loop"):
            raise SecurityError("attributes are not available in templates, except loop.*")
    elif not isinstance(tree, _NODES):
        raise SecurityError(f"{type(tree).__name__.lower()} is not available in templates")
    if isinstance(tree, nodes.Filter) and tree.name not in FILTERS:
        raise SecurityError(f"the filter {tree.name!r} is not available; use {sorted(FILTERS)}")
    if isinstance(tree, nodes.Call) and not (
        isinstance(tree.node, nodes.Name) and tree.node.name == "range"
    ):
        raise SecurityError("only range() may be called")
    if isinstance(tree, nodes.For) and in_loop:
        raise SecurityError("loops may not be nested")
    if isinstance(tree, nodes.For) and not _bounded(tree.iter):
        raise SecurityError("a loop goes over range(), a list or one of the variables")
    for child in tree.iter_child_nodes():
        _check_nodes(child, in_loop or isinstance(tree, nodes.For))


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
# The longest values a real mail can have (the columns' limits): a template within the output
# limits with these is within them for every applicant.
LONGEST = {
    "candidate_name": "長" * 200,
    "company_name": "長" * 200,
    "opening_title": "長" * 200,
    "registration_url": "https://relay.example.jp/r/" + "T" * 100,
    "unsubscribe_url": "https://relay.example.jp/u/" + "T" * 200,
}


def sample_values() -> dict[str, str]:
    """SAMPLE with the network's own links, as a real mail carries them."""
    url = get_settings().public_url
    return SAMPLE | {"registration_url": f"{url}/r/SAMPLE", "unsubscribe_url": f"{url}/u/SAMPLE"}


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    text: str
    html: str


def _bounded(iterable: nodes.Node) -> bool:
    """Loops go over what is small by construction (so a render's work stays bounded)."""
    if isinstance(iterable, nodes.Name):
        return iterable.name in VARIABLES
    if isinstance(iterable, nodes.Call):
        return isinstance(iterable.node, nodes.Name) and iterable.node.name == "range"
    return isinstance(iterable, nodes.List | nodes.Tuple | nodes.Const)


@lru_cache(maxsize=256)
def _compiled(source: str) -> Template:
    tree = _env.parse(source)
    _check_nodes(tree)
    return _env.from_string(tree)


def _render(source: str, values: dict[str, str], max_output: int) -> str:
    """Renders within the budget: output up to ``max_output`` characters, bounded time.

    Raises:
        TemplateError: a SecurityError past the budget, or the template's own error.
    """
    budget = _Budget(max_output)
    parts, size = [], 0
    try:
        for part in _compiled(source).generate(**values):
            size += len(part)
            if size > max_output:
                raise SecurityError(f"the output is longer than {max_output} characters")
            budget.check_time()
            parts.append(part)
    except TemplateError:
        raise
    except (ArithmeticError, ValueError, TypeError, LookupError, RecursionError) as exc:
        raise SecurityError(f"{type(exc).__name__}: {exc}") from exc
    return "".join(parts)


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
    """Refuses a template that does not render within its limits (with sample and with the
    longest values) or lacks ``registration_url``.

    Raises:
        DomainError: TEMPLATE_INVALID (or TOO_LONG) on ``subject`` / ``body``.
    """
    errors = []
    for field, source, limit, output in (
        ("subject", subject, MAX_SUBJECT, MAX_SUBJECT_OUTPUT),
        ("body", body, MAX_BODY, MAX_BODY_OUTPUT),
    ):
        if len(source) > limit:
            errors.append(
                FieldError(ErrorCode.TOO_LONG, f"{field} is at most {limit} characters", [field])
            )
            continue
        try:
            used = meta.find_undeclared_variables(_env.parse(source))
            unknown = used - VARIABLES - set(_env.globals)
            if not unknown:
                for values in (SAMPLE, LONGEST):
                    _render(source, values, output)
        except (TemplateError, RecursionError) as exc:
            errors.append(
                FieldError(ErrorCode.TEMPLATE_INVALID, f"{field} does not render: {exc}", [field])
            )
            continue
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
    """The mail of a template, within the output and time limits.

    Raises:
        DomainError: TEMPLATE_INVALID on ``template`` (only a template saved before the limits
            were checked at save can fail here).
    """
    try:
        subject = " ".join(_render(source["subject"], values, MAX_SUBJECT_OUTPUT).split())
        text = _render(source["body"], values, MAX_BODY_OUTPUT)
    except (TemplateError, RecursionError) as exc:
        raise DomainError(
            ErrorCode.TEMPLATE_INVALID,
            f"the rejection template does not render: {exc}",
            ["template"],
        ) from exc
    return RenderedMail(subject=subject, text=text, html=to_html(text))
