"""Tags a person types into the profile form: list separators (中黒, ／, full-width ones),
resolution across categories where it is unambiguous (フルリモート in the locations field),
and the data fix that folds the tags once misfiled that way."""

from __future__ import annotations

import pytest
import pytest_asyncio

from server.applications import openings
from server.candidates import consent
from server.candidates import profiles as candidates
from server.models import Candidate, ConsentScope, Tag, TagCategory
from server.network import matching, scoring, tags, taxonomy
from server.operator import tag_upkeep
from server.principal import Principal
from server.text import split_compound, split_list
from tests.fixtures.graphql import OPERATOR


@pytest_asyncio.fixture
async def seeded():
    await taxonomy.seed()


@pytest.mark.parametrize(
    ("typed", "items"),
    [
        ("Python、SQL", ["Python", "SQL"]),
        ("Python，SQL；Go", ["Python", "SQL", "Go"]),
        ("Python｜SQL|Go", ["Python", "SQL", "Go"]),
        ("Ｐｙｔｈｏｎ､ＳＱＬ", ["Python", "SQL"]),
        ("Python・SQL／AWS", ["Python・SQL/AWS"]),  # kept whole until resolved
    ],
)
def test_list_separators(typed, items):
    assert split_list(typed) == items


@pytest.mark.parametrize(
    ("item", "parts"),
    [
        ("Python・SQL", ["Python", "SQL"]),
        ("Python･SQL", ["Python", "SQL"]),
        ("AWS／GCP", ["AWS", "GCP"]),
        ("AWS / GCP", ["AWS", "GCP"]),
        ("C++", ["C++"]),
    ],
)
def test_compound_parts(item, parts):
    assert split_compound(item) == parts


async def _slugs(field: str, typed: str) -> list[str]:
    profile = candidates.validate(
        candidates.ProfileInput(
            display_name="山田 太郎", headline="見出し", experience_years="3", **{field: typed}
        )
    )
    ids = await candidates.resolve_tags(profile)
    found = {t.id: t.slug for t in await Tag.filter(id__in=ids)}
    return [found[i] for i in ids]


async def test_a_nakaguro_or_slash_list_is_split_into_its_tags(seeded):
    assert await _slugs("skills", "Python・SQL／AWS、Go") == ["python", "sql", "aws", "go"]
    assert await Tag.filter(reviewed=False).count() == 0


async def test_a_name_with_a_nakaguro_or_slash_stays_one_tag(seeded):
    assert await _slugs("skills", "CI/CD・Python") == ["ci-cd", "python"]
    assert await _slugs("conditions", "パート・アルバイト") == ["part-time"]
    assert await _slugs("skills", "CI/CD") == ["ci-cd"]


async def test_remote_typed_as_a_location_is_the_remote_tag(seeded):
    assert await _slugs("locations", "東京、フルリモート") == ["tokyo", "full-remote"]
    assert await _slugs("locations", "リモート可") == ["remote-ok"]
    assert await Tag.filter(reviewed=False).count() == 0


async def test_an_unknown_location_is_still_a_new_location_tag(seeded):
    [created] = await tags.resolve_typed(["火星"], TagCategory.LOCATION)

    assert (created.category, created.reviewed) == (TagCategory.LOCATION, False)


async def test_a_text_naming_tags_of_two_categories_stays_in_its_own(seeded):
    # given a reviewed skill and a reviewed location answering to one word
    await Tag.create(
        category=TagCategory.SKILL, slug="x-word", label_ja="ワード", label_en="Word", reviewed=True
    )
    await Tag.create(
        category=TagCategory.CONDITION,
        slug="y-word",
        label_ja="ワード",
        label_en="Word",
        reviewed=True,
    )

    [created] = await tags.resolve_typed(["ワード"], TagCategory.LOCATION)

    assert (created.category, created.reviewed) == (TagCategory.LOCATION, False)


async def test_a_remote_candidate_typed_in_locations_matches_a_remote_opening(seeded):
    # given a candidate who typed フルリモート where the form suggests it
    from server.companies import accounts as companies

    created = await companies.create(OPERATOR, "株式会社エー")
    owner = Principal(created.api_key.id, created.company.id)
    profile = candidates.validate(
        candidates.ProfileInput(
            display_name="山田 太郎",
            headline="見出し",
            experience_years="3",
            skills="Python",
            locations="大阪、フルリモート",
        )
    )
    candidate = await Candidate.create(
        email="r@example.jp",
        email_normalized="r@example.jp",
        headline="h",
        experience_years=3,
        tag_ids=await candidates.resolve_tags(profile),
    )
    await consent.record(candidate, ConsentScope.NETWORK_SHARING, True, source="test")
    opening = await openings.create(owner, "バックエンド", "", ["python", "tokyo"], remote_ok=True)

    # when
    await scoring.refresh_weights()
    await matching.rebuild_opening(opening.id)

    # then the remote waiver applies
    found = await matching.matches(owner, opening.id, 10)
    assert [m.candidate.id for m in found] == [candidate.id]


async def test_misfiled_tags_are_folded_into_the_tag_they_name(seeded):
    # given junk LOCATION tags the old form created, used by a candidate
    junk = await tags.resolve(["フルリモート", "在宅勤務"], TagCategory.LOCATION)
    mars = (await tags.resolve(["火星"], TagCategory.LOCATION))[0]
    tokyo = await Tag.get(slug="tokyo")
    candidate = await Candidate.create(
        email="j@example.jp",
        email_normalized="j@example.jp",
        tag_ids=[tokyo.id, junk[0].id, junk[1].id, mars.id],
    )
    assert all(t.category == TagCategory.LOCATION and not t.reviewed for t in junk)

    # when
    folded = await tag_upkeep.fold_misfiled()
    again = await tag_upkeep.fold_misfiled()

    # then
    full, remote = await Tag.get(slug="full-remote"), await Tag.get(slug="remote-ok")
    assert folded == {junk[0].id: full.id, junk[1].id: remote.id}
    assert again == {}
    await candidate.refresh_from_db()
    assert candidate.tag_ids == [tokyo.id, full.id, remote.id, mars.id]
    assert [t.slug for t in await tags.resolve(["フルリモート"], TagCategory.LOCATION)] == [
        "full-remote"
    ]


async def test_relay_migrate_runs_the_fold_after_the_seed(seeded):
    from relay import cli

    [junk] = await tags.resolve(["フルリモート"], TagCategory.LOCATION)

    await cli._seed_and_fold()

    await junk.refresh_from_db()
    assert junk.merged_into_id == (await Tag.get(slug="full-remote")).id
