"""An opening as a candidate reads it: title, company, description and its conditions.

Introduction mails and pages, re-application pages and the portal's matching openings show
it, so nobody answers a request blind. Openings are not secret; the person stays anonymous.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from server.models import Company, Locale, Opening, OpeningMatch, OpeningStatus, TagCategory
from server.network import eligibility, tags

MAX_MATCHING = 20

LABELS = {
    Locale.JA: {
        "heading": "■ 求人の内容",
        "opening": "求人",
        "description": "仕事内容",
        "LOCATION": "勤務地",
        "JOB_TYPE": "職種",
        "SKILL": "求めるスキル",
        "CONDITION": "条件",
        "remote": "リモート勤務",
        "remote_ok": "可",
        "remote_no": "不可",
        "title": "{title}（{company}）",
        "colon": "：",
        "sep": "、",
    },
    Locale.EN: {
        "heading": "About the opening",
        "opening": "Opening",
        "description": "The work",
        "LOCATION": "Location",
        "JOB_TYPE": "Job type",
        "SKILL": "Skills",
        "CONDITION": "Conditions",
        "remote": "Remote work",
        "remote_ok": "possible",
        "remote_no": "not possible",
        "title": "{title} ({company})",
        "colon": ": ",
        "sep": ", ",
    },
}
ORDER = (TagCategory.LOCATION, TagCategory.JOB_TYPE, TagCategory.SKILL, TagCategory.CONDITION)


@dataclass(frozen=True)
class OpeningView:
    id: int
    title: str
    company: str
    description: str
    remote_ok: bool
    # category value -> labels in the reader's language, in ORDER
    tags: dict[str, list[str]] = field(default_factory=dict)


async def view(opening: Opening, company: Company, locale: Locale | str) -> OpeningView:
    rows = await tags.by_ids(opening.tag_ids or [])
    english = str(locale) == Locale.EN.value
    grouped: dict[str, list[str]] = {category.value: [] for category in ORDER}
    for tag_id in opening.tag_ids or []:
        row = rows.get(tag_id)
        if row is not None:
            label = (row.label_en if english else row.label_ja) or row.label_ja or row.label_en
            grouped[TagCategory(row.category).value].append(label)
    return OpeningView(
        opening.id,
        opening.title,
        company.name,
        opening.description.strip(),
        opening.remote_ok,
        {category: labels for category, labels in grouped.items() if labels},
    )


def mail_text(opening: OpeningView, locale: Locale | str) -> str:
    """The opening as lines of a plain-text mail."""
    labels = LABELS[Locale.EN if str(locale) == Locale.EN.value else Locale.JA]
    colon = labels["colon"]
    title = labels["title"].format(title=opening.title, company=opening.company)
    lines = [labels["heading"], f"{labels['opening']}{colon}{title}"]
    if opening.description:
        lines.append(f"{labels['description']}{colon}{opening.description}")
    for category, names in opening.tags.items():
        lines.append(f"{labels[category]}{colon}{labels['sep'].join(names)}")
    remote = labels["remote_ok"] if opening.remote_ok else labels["remote_no"]
    lines.append(f"{labels['remote']}{colon}{remote}")
    return "\n".join(lines)


async def matching(candidate_id: int, locale: Locale | str) -> list[OpeningView]:
    """Open openings the person is among the matches of now, best first.

    The same rule as the companies' match lists (eligibility): an opening of a company that
    may not see the person is not listed.
    """
    rows = await OpeningMatch.filter(
        candidate_id=candidate_id, opening__status=OpeningStatus.OPEN
    ).order_by("-score", "opening_id")
    openings = {o.id: o for o in await Opening.filter(id__in=[r.opening_id for r in rows[:200]])}
    company_ids = [opening.company_id for opening in openings.values()]
    companies = {c.id: c for c in await Company.filter(id__in=company_ids)}
    found: list[OpeningView] = []
    for row in rows:
        opening = openings.get(row.opening_id)
        if opening is None or not await eligibility.is_matchable(opening.company_id, candidate_id):
            continue
        found.append(await view(opening, companies[opening.company_id], locale))
        if len(found) == MAX_MATCHING:
            break
    return found
