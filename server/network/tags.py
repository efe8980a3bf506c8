"""Tags: normalisation, batch resolution of free text, search, rows for display.

Tag text is compared in its folded form (:func:`normalize_tag_text`): NFKC, case folded,
trimmed, surrounding punctuation removed. A folded text resolves to the tag whose slug, folded
label or synonym equals it. Text that matches no tag becomes an unreviewed tag instead of being
dropped; an operator may later review it or merge it into another tag (``merged_into``).

The seeded taxonomy and its seed are in :mod:`server.network.taxonomy`.
"""

from __future__ import annotations

import hashlib
import random
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass

from tortoise import connections
from tortoise.expressions import Case, Q, RawSQL, When
from tortoise.functions import Lower

from server.config import get_settings
from server.errors import DomainError, ErrorCode
from server.models import Tag, TagCategory
from server.text import COMPOUND_SEPARATORS, fold, normalize, slugify, split_compound

MAX_TAG_LENGTH = 100
MAX_SEARCH_RESULTS = 50
MAX_MERGE_DEPTH = 5
DEFAULT_CATEGORY = TagCategory.SKILL

_CATEGORY_ORDER = list(TagCategory)
# "+" and "#" stay at the end (C++, C#), "." at the start (.NET).
_EDGES = "\"'`“”‘’«»()[]{}<>「」『』【】〔〕〈〉《》・•·●○◎◆◇■□★☆※*‐–—―_~、。,;:!?/|\\"
_LEADING = re.compile(f"^[\\s#{re.escape(_EDGES)}]+")
_TRAILING = re.compile(f"[\\s.{re.escape(_EDGES)}]+$")
# Free text that slugify renders faithfully; anything else (c++, 日本語) gets a hashed slug.
_PLAIN = re.compile(r"[a-z0-9][a-z0-9 ._/\-]*")
# chr(31) never survives normalisation (it is whitespace), so it can delimit the searched keys.
_SEPARATOR = "\x1f"
_HAYSTACK = (
    'chr(31) || "slug" || chr(31) || lower("label_ja") || chr(31) || lower("label_en")'
    ' || chr(31) || array_to_string("synonyms", chr(31)) || chr(31)'
)


def _strip_edges(text: str) -> str:
    return _TRAILING.sub("", _LEADING.sub("", text))


def normalize_tag_text(text: str) -> str:
    """Lookup form of a tag text: ``ＪａｖａＳｃｒｉｐｔ``, `` javascript `` → ``javascript``."""
    return _strip_edges(fold(text))


def display_text(text: str) -> str:
    """Text as a label: NFKC, trimmed, surrounding punctuation removed, case kept."""
    return _strip_edges(normalize(text))


def new_slug(key: str) -> str:
    """Slug of a tag created from the folded text ``key``; stable for the same text."""
    if _PLAIN.fullmatch(key):
        return slugify(key)
    return "u-" + hashlib.sha1(key.encode()).hexdigest()[:12]


def _wanted(texts: Iterable[str]) -> dict[str, str]:
    """Folded key → display text of every non-blank text, in order of first appearance.

    Raises:
        DomainError: TOO_LONG for a text over ``MAX_TAG_LENGTH`` characters.
    """
    wanted: dict[str, str] = {}
    for index, text in enumerate(texts):
        display = display_text(text)
        if len(display) > MAX_TAG_LENGTH:
            raise DomainError(
                ErrorCode.TOO_LONG,
                f"a tag is at most {MAX_TAG_LENGTH} characters",
                ["tags", str(index)],
            )
        if display:
            wanted.setdefault(display.casefold(), display)
    return wanted


def _matches(tag: Tag, keys: set[str]) -> Iterable[tuple[str, int]]:
    """The keys ``tag`` answers to, with the strength of each match (0 is strongest)."""
    if tag.slug in keys:
        yield tag.slug, 0
    for label in (tag.label_ja, tag.label_en):
        if (key := fold(label)) in keys:
            yield key, 1
    for synonym in tag.synonyms:
        if synonym in keys:
            yield synonym, 2


def _keyed(keys: list[str]):
    """Tags answering to any of the keys by slug, label or synonym."""
    return Tag.annotate(ja_key=Lower("label_ja"), en_key=Lower("label_en")).filter(
        Q(slug__in=keys) | Q(synonyms__overlap=keys) | Q(ja_key__in=keys) | Q(en_key__in=keys)
    )


async def unambiguous(keys: list[str]) -> dict[str, Tag]:
    """Of each key, the one reviewed tag of any category that answers to it, if only one
    does (after merges): 「フルリモート」 names one tag whatever field it was typed in."""
    keyset = set(keys)
    named: dict[str, list[Tag]] = {}
    for tag in await _keyed(keys).filter(reviewed=True):
        for key, _ in _matches(tag, keyset):
            named.setdefault(key, []).append(tag)
    found = {}
    for key, tags_ in named.items():
        finals = {t.id: t for t in await _follow_merges(tags_)}
        if len(finals) == 1:
            found[key] = next(iter(finals.values()))
    return found


async def _lookup(keys: list[str], category: TagCategory | None) -> dict[str, Tag]:
    """Best existing tag of each key, in one query for the whole batch."""
    query = _keyed(keys)
    if category is not None:
        query = query.filter(category=category)
    keyset = set(keys)
    best: dict[str, tuple[tuple[bool, int, int, int], Tag]] = {}
    for tag in await query:
        for key, strength in _matches(tag, keyset):
            rank = (not tag.reviewed, strength, _CATEGORY_ORDER.index(tag.category), tag.id)
            if key not in best or rank < best[key][0]:
                best[key] = (rank, tag)
    return {key: tag for key, (_, tag) in best.items()}


async def _create(missing: dict[str, str], category: TagCategory) -> dict[str, Tag]:
    """Creates unreviewed tags for unknown keys; a concurrent creator's row is reused."""
    slugs = {key: new_slug(key) for key in missing}
    rows: dict[str, Tag] = {}
    for key, display in missing.items():
        rows.setdefault(
            slugs[key],
            Tag(
                category=category,
                slug=slugs[key],
                label_ja=display,
                label_en=display,
                synonyms=[key],
                reviewed=False,
            ),
        )
    await Tag.bulk_create(list(rows.values()), ignore_conflicts=True)
    stored = {t.slug: t for t in await Tag.filter(category=category, slug__in=list(rows))}
    return {key: stored[slug] for key, slug in slugs.items() if slug in stored}


def _final(tag: Tag, tags: dict[int, Tag]) -> Tag:
    seen = {tag.id}
    while tag.merged_into_id in tags and tag.merged_into_id not in seen:
        tag = tags[tag.merged_into_id]
        seen.add(tag.id)
    return tag


async def _follow_merges(found: list[Tag]) -> list[Tag]:
    """Replaces merged tags by the tags they were merged into (one query per merge level)."""
    tags = {t.id: t for t in found}
    for _ in range(MAX_MERGE_DEPTH):
        targets = {t.merged_into_id for t in tags.values() if t.merged_into_id} - tags.keys()
        if not targets:
            break
        tags.update({t.id: t for t in await Tag.filter(id__in=list(targets))})
    return [_final(t, tags) for t in found]


async def resolve_each(
    texts: Iterable[str],
    category: TagCategory | None = None,
    *,
    create: bool = True,
    across: bool = False,
) -> dict[str, Tag]:
    """Like :func:`resolve`, keyed by each text's normalised form (``normalize_tag_text``)."""
    wanted = _wanted(texts)
    if not wanted:
        return {}
    found = await _lookup(list(wanted), category)
    missing = {key: display for key, display in wanted.items() if key not in found}
    if missing and across and category is not None:
        found.update(await unambiguous(list(missing)))
        missing = {key: display for key, display in missing.items() if key not in found}
    if missing and create:
        found.update(await _create(missing, category or DEFAULT_CATEGORY))
    keys = [key for key in wanted if key in found]
    return dict(zip(keys, await _follow_merges([found[key] for key in keys]), strict=True))


async def resolve(
    texts: Iterable[str],
    category: TagCategory | None = None,
    *,
    create: bool = True,
    across: bool = False,
) -> list[Tag]:
    """Tags of free texts, de-duplicated, in order of first appearance.

    Works on the whole batch at once (one lookup query, plus one insert and one select when
    something is new), so imports can resolve thousands of texts cheaply. Blank texts are
    ignored. With ``create``, unknown texts become unreviewed tags of ``category`` (SKILL when
    none is given); without it they are left out. With ``across``, a text that names no tag
    of ``category`` but exactly one reviewed tag of another category resolves to that one.

    Raises:
        DomainError: TOO_LONG for a text over ``MAX_TAG_LENGTH`` characters.
    """
    tags = (await resolve_each(texts, category, create=create, across=across)).values()
    return list({t.id: t for t in tags}.values())


async def typed_parts(texts: list[str], category: TagCategory | None) -> list[list[str]]:
    """The tag texts each typed item stands for.

    An item joined by 中黒 or slashes is one tag when it names one (「CI/CD」,
    「パート・アルバイト」), else its parts are (「Python・SQL」 → Python, SQL).
    """
    groups = [[text] for text in texts]
    for separators in COMPOUND_SEPARATORS:  # 中黒 first: 「CI/CD・Python」
        compounds = [p for g in groups for p in g if len(split_compound(p, separators)) > 1]
        known = await resolve_each(compounds, category, create=False, across=True)
        groups = [
            [
                part
                for text in group
                for part in (
                    [text]
                    if normalize_tag_text(text) in known
                    else split_compound(text, separators)
                )
            ]
            for group in groups
        ]
    return groups


async def resolve_typed(texts: list[str], category: TagCategory | None) -> list[Tag]:
    """Tags of the items a person typed into a form field of ``category`` (any, for None).

    Items are split as :func:`typed_parts` says and resolve across categories where
    unambiguous (:func:`resolve` with ``across``).
    """
    items = [part for group in await typed_parts(list(texts), category) for part in group]
    return await resolve(items, category, across=True)


async def search(
    category: TagCategory | None, search: str | None, limit: int = MAX_SEARCH_RESULTS
) -> list[Tag]:
    """Tags whose slug, label or synonym contains the folded ``search`` text.

    Merged tags are left out. Reviewed tags come first, then exact matches, then prefix
    matches, then the rest; at most ``MAX_SEARCH_RESULTS``.

    Raises:
        DomainError: TOO_LONG for a search text over ``MAX_TAG_LENGTH`` characters.
    """
    limit = max(1, min(limit, MAX_SEARCH_RESULTS))
    term = normalize_tag_text(search or "")
    if len(term) > MAX_TAG_LENGTH:
        raise DomainError(
            ErrorCode.TOO_LONG, f"search is at most {MAX_TAG_LENGTH} characters", ["search"]
        )
    query = Tag.filter(merged_into_id=None)
    if category is not None:
        query = query.filter(category=category)
    if not term:
        return await query.order_by("-reviewed", "id").limit(limit)
    query = (
        query.annotate(haystack=RawSQL(_HAYSTACK))
        .filter(haystack__contains=term)
        .annotate(
            rank=Case(
                When(haystack__contains=f"{_SEPARATOR}{term}{_SEPARATOR}", then=RawSQL("0")),
                When(haystack__contains=f"{_SEPARATOR}{term}", then=RawSQL("1")),
                default=RawSQL("2"),
            )
        )
    )
    return await query.order_by("-reviewed", "rank", "id").limit(limit)


@dataclass(frozen=True)
class TagRow:
    """A tag as read for display (every card, pool entry and opening shows some)."""

    id: int
    category: TagCategory
    slug: str
    label_ja: str
    label_en: str
    synonyms: list[str]
    reviewed: bool


# id -> (monotonic time it goes stale, row): this process's recently read tags.
_recent: dict[int, tuple[float, TagRow]] = {}


async def by_ids(ids: Iterable[int], *, now: float | None = None) -> dict[int, TagRow]:
    """Tags by id (merged ones included, as stored), for display and dataloaders.

    Every page of matches shows ~60 tags; reading them was a fifth of the request's CPU
    (bench/README.md). So a row read by this process is served from memory for between half
    and all of ``Settings.tag_cache_seconds`` (10 s): an operator's edit shows at once in
    the process that made it (:func:`forget`) and within those seconds everywhere else.
    Each row's time is drawn at random so that a page's tags do not all go stale together:
    the requests that would then all miss at once showed in the p99. The memory holds at
    most one row per tag. ``now`` (monotonic seconds) is for tests.
    """
    wanted = set(ids)
    if not wanted:
        return {}
    fresh_for = get_settings().tag_cache_seconds
    now = time.monotonic() if now is None else now
    found = {}
    for tag_id in wanted:
        hit = _recent.get(tag_id)
        if hit is not None and now < hit[0]:
            found[tag_id] = hit[1]
    if len(found) < len(wanted):
        read = await _read(sorted(wanted - found.keys()))
        if fresh_for > 0:
            _recent.update(
                (tag_id, (now + fresh_for * (0.5 + random.random() / 2), row))
                for tag_id, row in read.items()
            )
        found |= read
    return found


def forget() -> None:
    """Drops this process's remembered tags (after a change to tags)."""
    _recent.clear()


async def _read(ids: list[int]) -> dict[int, TagRow]:
    # One plain query: ORM objects for a page's tags cost more than the page's own query.
    rows = await connections.get("default").execute_query_dict(
        "SELECT id, category, slug, label_ja, label_en, synonyms, reviewed FROM tag "
        "WHERE id = ANY($1::bigint[])",
        [ids],
    )
    return {
        r["id"]: TagRow(
            **{**r, "category": TagCategory(r["category"]), "synonyms": list(r["synonyms"])}
        )
        for r in rows
    }
