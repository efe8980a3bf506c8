"""The seeded tag taxonomy (``server/network/data/tags.json``) and its seed.

The taxonomy gives a name shared by a prefecture and its capital (大阪, 京都, 福岡, 広島, ...)
to the prefecture; the city answers to its full name (大阪市).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from tortoise.transactions import in_transaction

from server.models import Tag, TagCategory
from server.network.tags import normalize_tag_text
from server.text import normalize

TAXONOMY_FILE = Path(__file__).parent / "data" / "tags.json"


@dataclass(frozen=True)
class TaxonomyEntry:
    category: TagCategory
    slug: str
    label_ja: str
    label_en: str
    synonyms: tuple[str, ...]


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(i for i in items if i))


@cache
def taxonomy() -> tuple[TaxonomyEntry, ...]:
    """The seeded taxonomy, synonyms folded."""
    data = json.loads(TAXONOMY_FILE.read_text(encoding="utf-8"))
    return tuple(
        TaxonomyEntry(
            category=TagCategory(category),
            slug=row["slug"],
            label_ja=normalize(row["label_ja"]),
            label_en=normalize(row["label_en"]),
            synonyms=_unique(normalize_tag_text(s) for s in row["synonyms"]),
        )
        for category, rows in data.items()
        for row in rows
    )


def _refresh(tag: Tag, entry: TaxonomyEntry) -> bool:
    """Brings a stored tag in line with its taxonomy entry; True when something changed.

    Labels follow the file; synonyms are only added, never removed, so that synonyms an
    operator added survive a re-seed.
    """
    synonyms = list(_unique([*tag.synonyms, *entry.synonyms]))
    wanted = {
        "label_ja": entry.label_ja,
        "label_en": entry.label_en,
        "synonyms": synonyms,
        "reviewed": True,
    }
    changed = any(getattr(tag, name) != value for name, value in wanted.items())
    for name, value in wanted.items():
        setattr(tag, name, value)
    return changed


async def seed() -> int:
    """Upserts the taxonomy by (category, slug); returns how many tags it added or changed.

    Idempotent and cheap on re-run: one select, and writes only for what differs.
    """
    entries = taxonomy()
    async with in_transaction("default"):
        stored = await Tag.filter(slug__in=[e.slug for e in entries])
        existing = {(t.category, t.slug): t for t in stored}
        new = [
            Tag(
                category=e.category,
                slug=e.slug,
                label_ja=e.label_ja,
                label_en=e.label_en,
                synonyms=list(e.synonyms),
                reviewed=True,
            )
            for e in entries
            if (e.category, e.slug) not in existing
        ]
        changed = [
            tag
            for e in entries
            if (tag := existing.get((e.category, e.slug))) is not None and _refresh(tag, e)
        ]
        if new:
            await Tag.bulk_create(new, ignore_conflicts=True)
        if changed:
            await Tag.bulk_update(changed, fields=["label_ja", "label_en", "synonyms", "reviewed"])
    return len(new) + len(changed)
