"""Tags: normalisation, the seeded taxonomy, batch resolution of free text, search."""

from __future__ import annotations

import asyncio
from collections import defaultdict

import pytest
import pytest_asyncio

from server.errors import DomainError, ErrorCode
from server.models import Tag, TagCategory
from server.network import tags, taxonomy
from server.operator import tag_upkeep
from server.principal import Principal
from server.text import fold, normalize


@pytest_asyncio.fixture
async def seeded() -> int:
    return await taxonomy.seed()


async def _slugs(texts: list[str], category: TagCategory | None = None) -> list[str]:
    return [t.slug for t in await tags.resolve(texts, category)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ＪａｖａＳｃｒｉｐｔ", "javascript"),
        ("  javascript  ", "javascript"),
        ("JS", "js"),
        ("ｼﾞｬﾊﾞｽｸﾘﾌﾟﾄ", "ジャバスクリプト"),
        ("「Ｐｙｔｈｏｎ」、", "python"),
        ("・Go言語", "go言語"),
        ("#Kotlin!", "kotlin"),
        ("Ruby   on\tRails", "ruby on rails"),
        ("C++", "c++"),
        ("Ｃ＃", "c#"),
        (".NET", ".net"),
        ("Node.js.", "node.js"),
        (" 、。 ", ""),
    ],
)
def test_normalize_tag_text(text, expected):
    assert tags.normalize_tag_text(text) == expected


def test_taxonomy_covers_skills_job_types_prefectures_and_conditions():
    counts = defaultdict(int)
    for entry in taxonomy.taxonomy():
        counts[entry.category] += 1
    prefectures = [e for e in taxonomy.taxonomy() if e.label_ja[-1] in "都道府県"]

    assert 80 <= counts[TagCategory.SKILL] <= 130
    assert 25 <= counts[TagCategory.JOB_TYPE] <= 45
    assert len(prefectures) == 47
    assert counts[TagCategory.LOCATION] > 47
    assert counts[TagCategory.CONDITION] >= 12


def test_taxonomy_is_clean_and_unambiguous():
    owners: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for entry in taxonomy.taxonomy():
        assert entry.slug == tags.new_slug(entry.slug), entry.slug
        assert normalize(entry.label_ja) == entry.label_ja and entry.label_en
        for key in (entry.slug, fold(entry.label_ja), fold(entry.label_en), *entry.synonyms):
            assert key == tags.normalize_tag_text(key), key
            owners[key].add((entry.category, entry.slug))

    ambiguous = {key: owner for key, owner in owners.items() if len(owner) > 1}
    assert ambiguous == {}


async def test_seed_is_idempotent():
    first = await taxonomy.seed()
    count = await Tag.all().count()

    second = await taxonomy.seed()

    assert first == count == len(taxonomy.taxonomy())
    assert second == 0
    assert await Tag.all().count() == count
    assert await Tag.filter(reviewed=False).count() == 0


async def test_seed_adopts_a_free_text_tag_and_keeps_added_synonyms(seeded):
    # given a free-text tag made before the taxonomy knew it, and a synonym added by an operator
    await Tag.filter(slug="flutter").delete()
    [free] = await tags.resolve(["ＦＬＵＴＴＥＲ"])
    await Tag.filter(slug="python").update(synonyms=["パイソン", "python3", "py", "cpython"])

    # when
    changed = await taxonomy.seed()

    # then
    adopted = await Tag.get(id=free.id)
    assert changed == 1
    assert (adopted.slug, adopted.reviewed, adopted.label_ja) == ("flutter", True, "Flutter")
    assert adopted.synonyms == ["flutter", "フラッター"]
    assert "cpython" in (await Tag.get(slug="python")).synonyms


async def test_spellings_of_javascript_resolve_to_one_tag(seeded):
    texts = ["ＪａｖａＳｃｒｉｐｔ", " javascript ", "JS", "ジャバスクリプト", "ｼﾞｬﾊﾞｽｸﾘﾌﾟﾄ", "ES6"]

    resolved = await tags.resolve(texts)

    assert [(t.slug, t.reviewed) for t in resolved] == [("javascript", True)]


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("golang", "go"),
        ("Ｇｏ", "go"),
        ("k8s", "kubernetes"),
        ("パイソン", "python"),
        ("C＃", "csharp"),
        ("c++", "cpp"),
        ("C言語", "c"),
        ("Ruby on Rails", "ruby-on-rails"),
        ("東京", "tokyo"),
        ("東京都", "tokyo"),
        ("Tokyo", "tokyo"),
        ("大阪", "osaka"),
        ("大阪市", "osaka-shi"),
        ("札幌", "sapporo"),
        ("在宅勤務", "remote-ok"),
        ("副業ＯＫ", "side-job-ok"),
        ("バックエンドエンジニア", "backend-engineer"),
        ("日商簿記２級", "bookkeeping"),
    ],
)
async def test_synonyms_labels_and_katakana_resolve(seeded, text, slug):
    assert await _slugs([text]) == [slug]


async def test_resolve_keeps_first_appearance_and_ignores_blanks(seeded):
    slugs = await _slugs(["Python", "", "  ", "Java", "python", "JS", "ＪＡＶＡ"])

    assert slugs == ["python", "java", "javascript"]


async def test_resolve_within_a_category(seeded):
    assert await _slugs(["東京", "remote"], TagCategory.LOCATION) != ["tokyo", "remote-ok"]
    assert (await tags.resolve(["東京"], TagCategory.LOCATION))[0].category == TagCategory.LOCATION
    [created] = await tags.resolve(["Python"], TagCategory.LOCATION)

    assert (created.category, created.reviewed) == (TagCategory.LOCATION, False)


async def test_unknown_texts_become_unreviewed_tags_once(seeded):
    texts = ["Svelte Kit", "ｓｖｅｌｔｅ　ｋｉｔ", "量子コンピューティング", "C++/CLI", "Python"]

    first = await tags.resolve(texts)
    second = await tags.resolve(list(reversed(texts)))

    created = [t for t in first if not t.reviewed]
    assert [t.slug for t in first][-1] == "python"
    assert [(t.label_ja, t.label_en) for t in created] == [
        ("Svelte Kit", "Svelte Kit"),
        ("量子コンピューティング", "量子コンピューティング"),
        ("C++/CLI", "C++/CLI"),
    ]
    assert created[0].slug == "svelte-kit"
    assert created[0].synonyms == ["svelte kit"]
    assert created[1].slug.startswith("u-") and created[1].slug.isascii()
    assert created[2].slug.startswith("u-")
    assert all(t.category == TagCategory.SKILL for t in created)
    assert {t.id for t in second} == {t.id for t in first}
    assert await Tag.filter(reviewed=False).count() == 3


async def test_concurrent_resolves_create_each_unknown_tag_once(seeded):
    texts = ["Zig", "Elm", "ローコード開発"]

    results = await asyncio.gather(*(tags.resolve(texts) for _ in range(8)))

    assert len({tuple(t.id for t in tags_) for tags_ in results}) == 1
    assert await Tag.filter(reviewed=False).count() == 3


async def test_creation_that_loses_a_race_reuses_the_stored_row(seeded, monkeypatch):
    # given lookups that miss, as when another request inserts between lookup and insert
    [zig] = await tags.resolve(["Zig"])

    async def miss(keys, category):
        return {}

    monkeypatch.setattr(tags, "_lookup", miss)

    # when
    resolved = await tags.resolve(["zig", "Python"])

    # then the insert conflicts and the stored rows come back
    assert [(t.slug, t.reviewed) for t in resolved] == [("zig", False), ("python", True)]
    assert resolved[0].id == zig.id
    assert await Tag.filter(reviewed=False).count() == 1


async def test_resolve_without_create_leaves_unknown_texts_out(seeded):
    assert await _slugs(["Python", "Brainf*ck"]) == ["python", tags.new_slug("brainf*ck")]
    await Tag.filter(reviewed=False).delete()

    resolved = await tags.resolve(["Python", "Brainf*ck"], create=False)

    assert [t.slug for t in resolved] == ["python"]
    assert await Tag.filter(reviewed=False).count() == 0


async def test_merged_tags_resolve_to_their_target(seeded):
    # given "ReactJS 18" merged into react, and a chain "Reakt" -> "ReactJS 18"
    react = await Tag.get(slug="react")
    variant, typo = await tags.resolve(["ReactJS 18", "Reakt"])
    await Tag.filter(id=variant.id).update(merged_into_id=react.id)
    await Tag.filter(id=typo.id).update(merged_into_id=variant.id)

    # when
    resolved = await tags.resolve(["reakt", "ReactJS 18", "React"])

    # then
    assert [t.id for t in resolved] == [react.id]


async def test_a_text_over_100_characters_is_refused(seeded):
    with pytest.raises(DomainError) as raised:
        await tags.resolve(["Python", "x" * 101])

    assert [(e.code, e.field) for e in raised.value.errors] == [(ErrorCode.TOO_LONG, ["tags", "1"])]
    assert await tags.resolve(["y" * 100]) != []


async def test_search_matches_folded_slugs_labels_and_synonyms(seeded):
    slugs = [t.slug for t in await tags.search(None, "ｊａｖａ")]

    assert slugs[0] == "java"  # exact match before prefix matches
    assert "javascript" in slugs
    assert [t.slug for t in await tags.search(TagCategory.SKILL, "k8s")] == ["kubernetes"]
    assert [t.slug for t in await tags.search(TagCategory.LOCATION, "大阪")][:2] == [
        "osaka",
        "osaka-shi",
    ]


async def test_search_puts_reviewed_tags_first_and_leaves_merged_ones_out(seeded):
    java = await Tag.get(slug="java")
    unreviewed, merged = await tags.resolve(["Java EE", "Java SE 8"])
    await Tag.filter(id=merged.id).update(merged_into_id=java.id)

    slugs = [t.slug for t in await tags.search(None, "java")]

    assert slugs.index(unreviewed.slug) > slugs.index("javascript")
    assert merged.slug not in slugs


async def test_search_by_category_is_capped_and_treats_wildcards_as_text(seeded):
    locations = await tags.search(TagCategory.LOCATION, None)

    assert len(locations) == tags.MAX_SEARCH_RESULTS
    assert {t.category for t in locations} == {TagCategory.LOCATION}
    assert locations[0].slug == "hokkaido"
    assert await tags.search(None, "a%z") == []
    assert len(await tags.search(None, None, limit=1000)) == tags.MAX_SEARCH_RESULTS


async def test_by_ids(seeded):
    python, go = await tags.resolve(["python", "go"])

    found = await tags.by_ids([go.id, python.id, go.id, 999_999])

    assert {i: t.slug for i, t in found.items()} == {python.id: "python", go.id: "go"}
    assert await tags.by_ids([]) == {}


async def test_tags_read_for_display_are_fresh_within_the_cache_time(seeded, settings, monkeypatch):
    """A page's tags come from this process's memory for half to all of tag_cache_seconds;
    another process's edit shows after that, an edit through tag_upkeep at once."""
    monkeypatch.setattr(settings, "tag_cache_seconds", 1.0)
    (python,) = await tags.resolve(["python"])
    assert (await tags.by_ids([python.id], now=100.0))[python.id].label_ja == "Python"

    # Another server process relabels it (straight in the database).
    await Tag.filter(id=python.id).update(label_ja="パイソン")
    assert (await tags.by_ids([python.id], now=100.49))[python.id].label_ja == "Python"
    assert (await tags.by_ids([python.id], now=101.0))[python.id].label_ja == "パイソン"

    changes = tag_upkeep.TagChanges(
        category=TagCategory.SKILL,
        slug="python",
        label_ja="Python言語",
        label_en="Python",
        synonyms=[],
    )
    await tag_upkeep.upsert(Principal(api_key_id=None, company_id=None), changes, python.id)
    assert (await tags.by_ids([python.id], now=101.1))[python.id].label_ja == "Python言語"


async def test_no_tag_cache_when_its_time_is_zero(seeded, settings, monkeypatch):
    monkeypatch.setattr(settings, "tag_cache_seconds", 0)
    (go,) = await tags.resolve(["go"])
    assert (await tags.by_ids([go.id], now=5.0))[go.id].slug == "go"
    await Tag.filter(id=go.id).update(label_en="Golang")
    assert (await tags.by_ids([go.id], now=5.0))[go.id].label_en == "Golang"
