"""Operator upkeep of the tag taxonomy: create or edit a tag, merge duplicates.

A merge re-points every use (the ``tag_ids`` arrays of openings, applicants and candidates),
de-duplicating each array and keeping its order, and marks the sources ``merged_into`` the
target, all in one transaction. Changed openings differ from their cached match runs
afterwards, so the matching sweeper rebuilds their matches.
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.transactions import in_transaction

from server import audit
from server.errors import DomainError, ErrorCode, FieldError, NotFound
from server.models import Tag, TagCategory
from server.network import tags
from server.network.tags import MAX_TAG_LENGTH, display_text, normalize_tag_text
from server.principal import Principal
from server.text import slugify

MAX_SYNONYMS = 50
MAX_MERGE_SOURCES = 100
TAGGED_TABLES = ("opening", "applicant", "candidate")

# $1 source ids, $2 target id: sources become the target, each id kept once, order kept.
_REPOINT_SQL = """
UPDATE {table} SET tag_ids = ARRAY(
  SELECT x FROM (
    SELECT CASE WHEN u = ANY($1::int[]) THEN $2::int ELSE u END AS x, min(o) AS o
    FROM unnest(tag_ids) WITH ORDINALITY AS t(u, o) GROUP BY 1
  ) AS s ORDER BY o
)
WHERE tag_ids && $1::int[]
"""


@dataclass
class TagChanges:
    category: TagCategory
    slug: str
    label_ja: str
    label_en: str
    synonyms: list[str]
    reviewed: bool = True


@dataclass(frozen=True)
class MergeResult:
    target: Tag
    merged: list[int]
    repointed: dict[str, int]


def _clean(changes: TagChanges) -> TagChanges:
    """Normalised values; raises DomainError with every problem at once."""
    slug = changes.slug.strip()
    labels = {"labelJa": display_text(changes.label_ja), "labelEn": display_text(changes.label_en)}
    synonyms = list(dict.fromkeys(s for s in map(normalize_tag_text, changes.synonyms) if s))
    errors = []
    if not slug or slugify(slug) != slug or len(slug) > MAX_TAG_LENGTH:
        errors.append(
            FieldError(ErrorCode.INVALID, "slug is lowercase letters, digits and -", ["slug"])
        )
    for name, value in labels.items():
        if not value:
            errors.append(FieldError(ErrorCode.REQUIRED, f"{name} is required", [name]))
        elif len(value) > MAX_TAG_LENGTH:
            errors.append(
                FieldError(ErrorCode.TOO_LONG, f"at most {MAX_TAG_LENGTH} characters", [name])
            )
    if len(synonyms) > MAX_SYNONYMS:
        errors.append(
            FieldError(ErrorCode.TOO_LONG, f"at most {MAX_SYNONYMS} synonyms", ["synonyms"])
        )
    elif any(len(s) > MAX_TAG_LENGTH for s in synonyms):
        errors.append(
            FieldError(ErrorCode.TOO_LONG, f"at most {MAX_TAG_LENGTH} characters", ["synonyms"])
        )
    if errors:
        raise DomainError.many(errors)
    return TagChanges(
        changes.category, slug, labels["labelJa"], labels["labelEn"], synonyms, changes.reviewed
    )


async def upsert(principal: Principal, changes: TagChanges, tag_id: int | None = None) -> Tag:
    """Operator: creates a tag, or edits ``tag_id`` (its synonyms are replaced).

    Raises:
        DomainError: FORBIDDEN, INVALID / REQUIRED / TOO_LONG fields, NOT_FOUND tag,
            ALREADY_EXISTS slug in the category, WRONG_STATE for a merged tag.
    """
    principal.require_operator()
    clean = _clean(changes)
    async with in_transaction("default"):
        tag = None
        if tag_id is not None:
            tag = await Tag.select_for_update().get_or_none(id=tag_id)
            if tag is None:
                raise NotFound("tag", ["id"])
            if tag.merged_into_id is not None:
                raise DomainError(ErrorCode.WRONG_STATE, "this tag was merged", ["id"])
        clash = Tag.filter(category=clean.category, slug=clean.slug)
        if tag is not None:
            clash = clash.exclude(id=tag.id)
        if await clash.exists():
            raise DomainError(ErrorCode.ALREADY_EXISTS, "slug is taken in the category", ["slug"])
        tag = tag or Tag()
        for name in ("category", "slug", "label_ja", "label_en", "synonyms", "reviewed"):
            setattr(tag, name, getattr(clean, name))
        created = tag.id is None
        await tag.save()
        await audit.record(
            principal,
            "tag.create" if created else "tag.update",
            "Tag",
            tag.id,
            slug=tag.slug,
            category=tag.category.value,
            synonyms=tag.synonyms,
        )
    tags.forget()
    return tag


async def merge(principal: Principal, source_ids: list[int], target_id: int) -> MergeResult:
    """Operator: merges ``source_ids`` into ``target_id``, re-pointing every use.

    Raises:
        DomainError: FORBIDDEN; REQUIRED / TOO_LONG / INVALID source ids (empty, over 100, the
            target among them, another category); NOT_FOUND tags; WRONG_STATE for a merged
            target.
    """
    principal.require_operator()
    sources = sorted(set(source_ids))
    if not sources:
        raise DomainError(ErrorCode.REQUIRED, "name at least one tag to merge", ["sourceIds"])
    if len(sources) > MAX_MERGE_SOURCES:
        raise DomainError(
            ErrorCode.TOO_LONG, f"at most {MAX_MERGE_SOURCES} tags at once", ["sourceIds"]
        )
    if target_id in sources:
        raise DomainError(ErrorCode.INVALID, "a tag cannot merge into itself", ["sourceIds"])
    async with in_transaction("default") as conn:
        # Locked in primary-key order, so concurrent merges cannot deadlock.
        locked = await Tag.filter(id__in=[*sources, target_id]).select_for_update().order_by("id")
        by_id = {t.id: t for t in locked}
        target = by_id.get(target_id)
        if target is None:
            raise NotFound("target tag", ["targetId"])
        if target.merged_into_id is not None:
            raise DomainError(ErrorCode.WRONG_STATE, "the target was merged itself", ["targetId"])
        if missing := [i for i in sources if i not in by_id]:
            raise NotFound(f"tags {missing}", ["sourceIds"])
        if any(by_id[i].category != target.category for i in sources):
            raise DomainError(
                ErrorCode.INVALID, "tags of another category cannot be merged", ["sourceIds"]
            )
        repointed = {}
        for table in TAGGED_TABLES:
            count, _ = await conn.execute_query(
                _REPOINT_SQL.format(table=table), [sources, target_id]
            )
            repointed[table] = count
        synonyms = [*target.synonyms]
        for source in (by_id[i] for i in sources):
            synonyms += [normalize_tag_text(source.label_ja), *source.synonyms]
        target.synonyms = list(dict.fromkeys(s for s in synonyms if s))
        await target.save(update_fields=["synonyms"])
        await Tag.filter(id__in=sources).update(merged_into_id=target_id)
        # Tags merged into a source earlier now point at the final target directly.
        await Tag.filter(merged_into_id__in=sources).update(merged_into_id=target_id)
        await audit.record(
            principal, "tag.merge", "Tag", target_id, source_ids=sources, repointed=repointed
        )
    tags.forget()
    return MergeResult(target=target, merged=sources, repointed=repointed)


async def fold_misfiled() -> dict[int, int]:
    """Folds the unreviewed tags that name exactly one reviewed tag of another category into
    it (uses re-pointed, ``merged_into`` set); returns {folded id: target id}.

    Such tags were created when a form resolved only its own category (「フルリモート」 typed
    as a location became a LOCATION tag, so the remote waiver never applied). Run by
    ``relay migrate`` after the seed; safe to run again (it finds nothing the second time).
    """
    junk = await Tag.filter(reviewed=False, merged_into_id=None)
    keys = {t.id: normalize_tag_text(t.label_ja) for t in junk}
    named = await tags.unambiguous([k for k in keys.values() if k])
    folds = {
        t.id: named[keys[t.id]].id
        for t in junk
        if keys[t.id] in named and named[keys[t.id]].category != t.category
    }
    if not folds:
        return {}
    async with in_transaction("default") as conn:
        for source, target in folds.items():
            for table in TAGGED_TABLES:
                await conn.execute_query(_REPOINT_SQL.format(table=table), [[source], target])
            await Tag.filter(id=source).update(merged_into_id=target)
            await Tag.filter(merged_into_id=source).update(merged_into_id=target)
    tags.forget()
    return folds
