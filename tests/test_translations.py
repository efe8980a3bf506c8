"""The one catalogue (server/locale/*/LC_MESSAGES/messages.po) has every key the code and
templates use, in both languages, and no key that nothing uses.

Keys are found with Babel's extractor (the same mapping as ``make messages``), plus the keys
web code passes around as plain strings (``"link.expired"``) and the keys templates and
``web/operator/admin.py`` build from a prefix and a value, declared below with their values.
"""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir

from server import i18n
from server.errors import ErrorCode
from server.models import CompanyStatus, IntroductionStatus, MailKind, MemberRole
from server.webhooks import notify
from web import pages
from web.console import reports as console_reports
from web.console import view as console_view
from web.operator import admin

ROOT = Path(__file__).resolve().parents[1]
# The same extraction as babel.cfg and `make messages`.
METHODS = [
    ("web/templates/**.html", "jinja2.ext:babel_extract"),
    ("web/**.py", "python"),
    ("server/**.py", "python"),
]
KEYWORDS = {"t": None, "_": None, "gettext": None, "translate": (2,)}
FIELDS = (
    "email",
    "display_name",
    "headline",
    "experience_years",
    "skills",
    "job_types",
    "locations",
    "conditions",
    "desired_conditions",
    "confirm",
)
PRIVACY = ("collect", "use", "share", "follow_up", "keep", "rights", "contact")
# Keys built at run time: prefix -> the values that complete them.
DYNAMIC = {
    "fields": FIELDS,
    "introduction_status": [s.value for s in IntroductionStatus if s.value != "CANCELLED"],
    "opening": ["LOCATION", "JOB_TYPE", "SKILL", "CONDITION"],
    "privacy": [f"{s}{suffix}" for s in PRIVACY for suffix in ("", "_title")],
    "admin.metric": list(admin.FUNNEL),
    "admin.rate": list(admin.RATES),
    "admin.chart": [key for key, _ in admin.CHARTS],
    "admin.mail_kind": [k.value for k in MailKind],
    "admin.company_status": [s.value for s in CompanyStatus],
    "console.nav": [key for key, _ in console_view.NAV],
    "console.role": [r.value for r in MemberRole],
    "console.reports.chart": [key for key, _ in console_reports.CHARTS],
    "console.reports.def": list(console_reports.reports.METRICS),
    "console.reports.rate_def": list(console_reports.KPIS),
    "console.reports.preset": ["this_month", "last_month", "last_90_days", "this_year"],
    "mail.member_sign_in": ("subject", "body"),
    "mail.member_invitation": ("subject", "body"),
    # server/webhooks/notify.py ``_EVENT_MAILS``.
    **{key: ("subject", "body") for key in notify._EVENT_MAILS.values()},
    # web/candidates/pool_links.py ``_done(request, key)``: a title and a lead.
    **{
        key: ("title", "lead")
        for key in (
            "reapply_done",
            "reapply_already",
            "reconfirm_already",
            "reconfirm_kept",
            "reconfirm_withdrawn",
        )
    },
}
# Built from an error code, field-specific when the catalogue has one (web.pages.message_for):
# any key under it is used, none is required beyond ``errors.INVALID``.
OPTIONAL_PREFIXES = ("errors.",)
# Keys web code names in a plain string and hands to ``t`` later: these must exist...
LITERAL = re.compile(
    r'"((?:link|csrf|throttled|form|join|join_sent|me_sent|erased|portal|errors)'
    r'\.[a-zA-Z_.]+)"'
)
FIELD_CALL = re.compile(r"""\bfield\(\s*["']([a-z_]+)["']""")
# ...and any dotted string in web code or a template that names a key uses it.
DOTTED = re.compile(r"""["']([a-z_]+(?:\.[a-zA-Z_]+)+)["']""")


def _extracted() -> set[str]:
    keys: set[str] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        ROOT, METHODS, {}, keywords=KEYWORDS
    ):
        if isinstance(message, str):
            keys.add(message)
    return keys


def used_keys() -> set[str]:
    used = _extracted()
    for path in (ROOT / "web").glob("**/*.py"):
        used |= set(LITERAL.findall(path.read_text("utf-8")))
    for prefix, values in DYNAMIC.items():
        used |= {f"{prefix}.{value}" for value in values}
    # The form macro labels a field with ``fields.<name>``: field("name", ...) in a template.
    for path in (ROOT / "web" / "templates").glob("**/*.html"):
        used |= {f"fields.{name}" for name in FIELD_CALL.findall(path.read_text("utf-8"))}
    used |= {f"errors.{code.value}" for code in ErrorCode} & set(i18n.catalog("ja"))
    used.add("errors.INVALID")
    return {key for key in used if not key.endswith((".", ".html", ".py"))}


def test_every_used_key_is_in_both_languages():
    used = used_keys()
    assert len(used) > 300
    for lang in i18n.LANGS:
        missing = sorted(key for key in used if not i18n.has(lang, key))
        assert not missing, (lang, missing)


def test_every_catalogue_key_is_used():
    used = used_keys()
    for path in [*(ROOT / "web").glob("**/*.py"), *(ROOT / "web" / "templates").glob("**/*.html")]:
        used |= set(DOTTED.findall(path.read_text("utf-8")))
    for lang in i18n.LANGS:
        unused = sorted(
            key
            for key in i18n.catalog(lang)
            if key not in used and not key.startswith(OPTIONAL_PREFIXES)
        )
        assert not unused, (lang, unused)


def test_both_languages_have_the_same_keys():
    assert set(i18n.catalog("ja")) == set(i18n.catalog("en"))


def test_field_specific_error_keys_name_a_field_or_a_code():
    # errors.<field>.<CODE> or errors.<CODE>: nothing else hides under the optional prefix.
    codes = {code.value for code in ErrorCode}
    fields = {*FIELDS, "tags"}
    for key in i18n.catalog("ja"):
        if key.startswith("errors."):
            *field, code = key.split(".")[1:]
            assert code in codes, key
            assert not field or (len(field) == 1 and field[0] in fields), key


def test_a_missing_key_falls_back_to_japanese_then_to_the_key():
    assert i18n.translate("en", "site.name") != i18n.translate("ja", "site.name")
    assert i18n.translate("fr", "site.name") == i18n.translate("ja", "site.name")
    assert i18n.translate("en", "no.such.key") == "no.such.key"
    assert i18n.translate("ja", "mail.join_confirm.subject", company_name="X")


def test_templates_may_use_gettext_in_the_request_language():
    template = pages.env.from_string(
        '{{ _("site.name") }}|{{ gettext("admin.companies_count", shown=e, total=2) }}'
    )
    english = template.render(gettext=i18n.translator("en"), e="<b>")
    assert english == "Career Relay|Showing &lt;b&gt; of 2 companies."
    assert template.render(e="1").startswith(i18n.translate("ja", "site.name") + "|")
