"""The demo network behind `relay demo`: two companies whose rejects registered, one earned
credit, and openings with matches, so an introduction can be tried end to end.

Everything goes through the services a real run uses (applications, rejection with its
outbox mail, registration from the mailed link, settlement, matching), and is keyed on
fixed external ids, so a second run finds the people and adds nothing.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from datetime import timedelta

from server.applications import openings, rejections
from server.applications import records as applications
from server.candidates import registration
from server.candidates.profiles import ProfileInput
from server.models import Applicant, Company, Locale, Opening, OpeningStatus
from server.network import matching, scoring, settlement
from server.principal import Principal

REGISTRATION_LINK = re.compile(r"/r/([A-Za-z0-9_\-]+)")


@dataclass(frozen=True)
class Person:
    name: str
    headline: str
    years: int
    skills: str
    job_types: str
    locations: str
    conditions: str = ""
    locale: Locale = Locale.JA


@dataclass(frozen=True)
class DemoOpening:
    title: str
    tags: list[str]
    rejected_from: str  # the opening the company's demo rejects applied to


@dataclass
class Network:
    """What the demo printout points at."""

    openings: dict[str, str]  # company slug -> global ID of its demo opening
    balances: dict[str, int]
    matches: dict[str, int]  # company slug -> matches of its demo opening


_FAMILY = ["佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤"]
_GIVEN = ["陽菜", "蓮", "結衣", "湊", "美咲", "大翔", "葵", "悠真", "さくら", "翔太"]

# Rejected by aozora-tech: infrastructure people (they match sakura-logistics' SRE opening).
AOZORA_PEOPLE = [
    Person(
        f"{_FAMILY[i]} {_GIVEN[i]}",
        headline,
        3 + i % 6,
        skills,
        "SRE、インフラエンジニア",
        "東京" if i % 3 else "大阪",
        "リモート可" if i % 2 else "",
    )
    for i, (headline, skills) in enumerate(
        [
            ("クラウド基盤の運用改善が得意です", "Go、Kubernetes、AWS"),
            ("オンプレから AWS への移行を担当", "AWS、Terraform、Python"),
            ("監視と SLO 設計を 5 年", "Go、Prometheus、Kubernetes"),
            ("CI/CD の整備が好きです", "Docker、GitHub Actions、Go"),
            ("大規模トラフィックの運用経験", "Kubernetes、GCP、Go"),
            ("セキュリティ運用とインフラ自動化", "AWS、Ansible、Python"),
            ("ネットワークからクラウドへ", "AWS、Linux、Terraform"),
            ("SRE として障害対応を改善", "Go、AWS、Kubernetes"),
            ("データ基盤のインフラ担当", "GCP、Terraform、Python"),
            ("小さなチームのインフラ全般", "Docker、AWS、Linux"),
        ]
    )
]
# Rejected by sakura-logistics: data people (they match aozora-tech's data opening).
SAKURA_PEOPLE = [
    Person("Emma Clarke", "Analytics engineer who loves clean models", 4, "Python, SQL, dbt",
           "Data engineer", "Tokyo", "Remote OK", Locale.EN),
    Person("山口 健太", "物流データの分析基盤を作ってきました", 6, "Python、SQL、BigQuery",
           "データエンジニア", "東京"),
    Person("Liam Tanaka", "Data pipelines at scale", 7, "Python, Spark, SQL",
           "Data engineer", "Kanagawa", "Hybrid work", Locale.EN),
    Person("松本 彩", "需要予測モデルの本番運用", 5, "Python、機械学習、SQL",
           "データサイエンティスト", "東京"),
    Person("井上 拓海", "ETL とデータ品質の改善", 3, "SQL、Python、Airflow",
           "データエンジニア", "埼玉", "リモート可"),
    Person("木村 優", "BI ダッシュボードと SQL が得意", 2, "SQL、Tableau",
           "データアナリスト", "東京"),
]  # fmt: skip

DEMO_OPENINGS = {
    "aozora-tech": DemoOpening(
        "データエンジニア", ["Python", "SQL", "データエンジニア", "東京"], "SRE"
    ),
    "sakura-logistics": DemoOpening(
        "Site Reliability Engineer", ["Go", "Kubernetes", "AWS", "SRE"], "データエンジニア"
    ),
}
PEOPLE = {"aozora-tech": AOZORA_PEOPLE, "sakura-logistics": SAKURA_PEOPLE}


def global_id(type_name: str, pk: int) -> str:
    """A Relay global ID, as the GraphQL API reads it (server/ does not import schema/)."""
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


async def seed() -> Network:
    """Seeds (or finds) the demo network; safe to run any number of times."""
    found_openings: dict[str, str] = {}
    for slug, people in PEOPLE.items():
        company = await Company.get(slug=slug)
        principal = Principal(api_key_id=None, company_id=company.id)
        opening = await _opening(principal, DEMO_OPENINGS[slug])
        found_openings[slug] = global_id("Opening", opening.id)
        rejected_from = await _opening(
            principal, DemoOpening(DEMO_OPENINGS[slug].rejected_from, [], ""), closed=True
        )
        for index, person in enumerate(people, start=1):
            await _reject_and_register(principal, slug, rejected_from.id, index, person)
        await openings.set_status(principal, rejected_from.id, OpeningStatus.CLOSED)
        # The demo's referrals are its own seed: no fraud holding period to wait out.
        await settlement.settle(company.id, holding=timedelta(0))
    await scoring.refresh_weights()
    counts = {}
    for slug in PEOPLE:
        company = await Company.get(slug=slug)
        opening_pk = int(base64.b64decode(found_openings[slug]).decode().split(":")[1])
        await matching.rebuild_opening(opening_pk)
        principal = Principal(api_key_id=None, company_id=company.id)
        counts[slug] = await matching.count(principal, opening_pk)
    balances = {c.slug: c.credit_balance for c in await Company.filter(slug__in=list(PEOPLE))}
    return Network(found_openings, balances, counts)


async def _opening(principal: Principal, spec: DemoOpening, *, closed: bool = False) -> Opening:
    """The demo opening (found again by its idempotency key); ``closed``: the filled one the
    demo rejects had applied to (closed once they are in)."""
    key = f"demo:{'past' if closed else 'open'}:{spec.title}"
    return await openings.create(principal, spec.title, "", spec.tags, idempotency_key=key)


async def _reject_and_register(
    principal: Principal, slug: str, opening_id: int, index: int, person: Person
) -> None:
    external_id = f"demo-{index:02d}"
    if await Applicant.exists(company_id=principal.company_id, external_id=external_id):
        return
    email = f"demo-{slug}-{index:02d}@example.jp"
    application = await applications.create(
        principal, opening_id, name=person.name, email=email, external_id=external_id
    )
    rejected = await rejections.reject(principal, application.id)
    assert rejected.mail is not None, "the demo rejection reason offers the invitation"
    # The person follows the link in the rejection mail (as /r/{token} would).
    raw = REGISTRATION_LINK.search(rejected.mail.body_text).group(1)
    await registration.register(
        raw,
        ProfileInput(
            display_name=person.name,
            headline=person.headline,
            experience_years=str(person.years),
            skills=person.skills,
            job_types=person.job_types,
            locations=person.locations,
            conditions=person.conditions,
        ),
        share=True,
        follow_up=True,
        locale=person.locale,
    )


def try_queries(opening: str) -> list[tuple[str, str]]:
    """The GraphQL calls the printout suggests, in order (step, query)."""
    return [
        ("Balance and progress", "{ viewer { creditBalance referralProgress "
         "{ qualified settled creditsEarned } } }"),
        ("Network candidates for its opening (anonymised cards)",
         f'{{ matches(openingId: "{opening}", first: 5) {{ edges {{ node {{ score '
         "candidate { id headline } matchedTags { slug } } } } }"),
        ("Spend the credit on one of them (a candidate id from the step before)",
         f'mutation {{ requestIntroduction(input: {{openingId: "{opening}", '
         'candidateId: "CANDIDATE_ID"}) { introduction { id status } userErrors { code } } }'),
        ("Once the candidate accepted (the mail is in the dev mailbox), the contact",
         "{ introductions { edges { node { status contact { name email } } } } }"),
    ]  # fmt: skip


def describe(network: Network, company_keys: dict[str, str], public_url: str) -> list[str]:
    """Lines telling what to try with the seeded network."""
    slug = "aozora-tech"
    key = company_keys.get(slug, "<aozora-tech key>")
    lines = [
        "",
        "The network: each company rejected applicants who registered and share their profile.",
        *(
            f"  {s:<18} credits {network.balances.get(s, 0)}, "
            f"matches for its demo opening {network.matches.get(s, 0)}"
            for s in PEOPLE
        ),
        "",
        "Try an introduction as aozora-tech (ten qualified referrals earned it one credit):",
    ]
    for number, (step, query) in enumerate(try_queries(network.openings[slug]), start=1):
        body = json.dumps({"query": query}, ensure_ascii=False)
        lines += [
            f"{number}. {step}:",
            f"  curl -s {public_url}/graphql -H 'Authorization: Bearer {key}' \\",
            f"    -H 'Content-Type: application/json' -d '{body}'",
        ]
    lines.append(f"Mails (rejections, the introduction request): {public_url}/dev/mailbox")
    return lines
