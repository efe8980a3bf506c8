"""`relay demo`: seeds a small demo network, idempotently (a second run reuses it)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from tortoise.transactions import in_transaction

from relay import demo_network
from server.companies import accounts as companies
from server.companies import api_keys, members
from server.models import Company, Locale, Member
from server.principal import Principal

OPERATOR = Principal(api_key_id=None, company_id=None)
DEMO_COMPANIES = [
    ("株式会社あおぞらテック", "aozora-tech", Locale.JA, "hr@aozora.example.jp"),
    ("Sakura Logistics K.K.", "sakura-logistics", Locale.EN, "talent@sakura.example.jp"),
]
DEMO_HR = ("jinji@aozora.example.jp", "人事 花子")  # the first company's console owner


@dataclass
class DemoKeys:
    operator: str
    companies: dict[str, str]
    network: demo_network.Network | None = field(default=None, compare=False)  # not saved
    console_link: str = field(default="", compare=False)  # a fresh one at every run


async def seed(stored: DemoKeys | None) -> DemoKeys:
    """Creates the operator key and demo companies unless ``stored`` keys still work.

    The raw keys live in a development file under ./var (the database holds only hashes);
    the caller reads and writes it.
    """
    if stored and await Company.filter(slug__in=list(stored.companies)).count() == len(
        stored.companies
    ):
        stored.network = await demo_network.seed()
        stored.console_link = await _console_link()
        return stored
    operator_key = await api_keys.create_operator_key("demo operator")
    company_keys = {}
    for name, slug, locale, email in DEMO_COMPANIES:
        existing = await Company.get_or_none(slug=slug)
        if existing is None:
            created = await companies.create(
                OPERATOR, name, slug=slug, locale=locale, contact_email=email
            )
            company_keys[slug] = created.raw_key
        else:
            company_keys[slug] = (await api_keys.create(OPERATOR, "demo", existing.id))[1]
    network = await demo_network.seed()
    return DemoKeys(operator_key, company_keys, network, await _console_link())


async def _console_link() -> str:
    """A sign-in link of the first demo company's HR owner (created once)."""
    company = await Company.get(slug=DEMO_COMPANIES[0][1])
    member = await Member.get_or_none(company_id=company.id, email=DEMO_HR[0])
    if member is None:
        async with in_transaction("default"):
            member = await members.add_owner(OPERATOR, company, *DEMO_HR)
    return await members.sign_in_url(member)


def load_keys(keys_file: Path) -> DemoKeys | None:
    if not keys_file.exists():
        return None
    stored = json.loads(keys_file.read_text())
    return DemoKeys(stored["operator"], stored["companies"])


def save_keys(keys_file: Path, keys: DemoKeys) -> None:
    keys_file.parent.mkdir(parents=True, exist_ok=True)
    keys_file.write_text(json.dumps({"operator": keys.operator, "companies": keys.companies}))
    keys_file.chmod(0o600)


def describe(keys: DemoKeys, public_url: str) -> str:
    """What to print after seeding: the keys and a first GraphQL call."""
    first = next(iter(keys.companies.values()))
    lines = [
        "Demo network ready.",
        f"  operator key:        {keys.operator}",
        *(f"  company {slug:<18} {key}" for slug, key in keys.companies.items()),
        "",
        f"Company console (sign in as {DEMO_HR[1]}, {DEMO_HR[0]}; the link works once):",
        f"  {keys.console_link}",
        "",
        f"GraphiQL: {public_url}/graphql",
        "First call:",
        f"  curl -s {public_url}/graphql -H 'Authorization: Bearer {first}' \\",
        "    -H 'Content-Type: application/json' -d '{\"query\": \"{ viewer { name } }\"}'",
    ]
    if keys.network is not None:
        lines += demo_network.describe(keys.network, keys.companies, public_url)
    return "\n".join(lines)
