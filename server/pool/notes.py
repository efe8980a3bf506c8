"""Notes on the people of a company's talent pool: written by its members, read by its
members only.

A person's notes are reachable while they are in the caller's pool (an id of someone else's
pool, or of someone who left it, is NOT_FOUND); a note is deleted by whoever wrote it (the
same member, or the same API key). Every change is audited naming the member.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime

from tortoise.transactions import in_transaction

from server import audit
from server.errors import DomainError, ErrorCode, NotFound
from server.models import Member, PoolNote
from server.pool import talent_pool
from server.principal import Permission, Principal

MAX_BODY = 2000
MAX_LISTED = 100


@dataclass(frozen=True)
class Note:
    id: int
    candidate_id: int
    body: str
    created_at: datetime
    author: str  # the member's name or address; "" for an API key
    own: bool  # written by the caller (so the caller may delete it)


async def in_pool(principal: Principal, candidate_id: int, now: datetime) -> dict:
    """The caller's pool row of the person.

    Raises:
        NotFound: the person is not in the caller's pool now.
    """
    row = await talent_pool.member(principal.require_company(), candidate_id, now)
    if row is None:
        raise NotFound("pool entry", ["poolEntryId"])
    return row


def _body(text: str) -> str:
    body = unicodedata.normalize("NFC", text).replace("\r\n", "\n").strip()
    if not body:
        raise DomainError(ErrorCode.REQUIRED, "write the note", ["body"])
    if len(body) > MAX_BODY:
        raise DomainError(ErrorCode.TOO_LONG, f"at most {MAX_BODY} characters", ["body"])
    return body


def _own(principal: Principal, note: PoolNote) -> bool:
    if principal.member_id is not None:
        return note.member_id == principal.member_id
    return principal.api_key_id is not None and note.api_key_id == principal.api_key_id


async def _notes(principal: Principal, rows: list[PoolNote]) -> list[Note]:
    ids = {r.member_id for r in rows if r.member_id is not None}
    people = {m.id: m for m in await Member.filter(id__in=list(ids))} if ids else {}
    return [
        Note(
            id=r.id,
            candidate_id=r.candidate_id,
            body=r.body,
            created_at=r.created_at,
            author=(people[r.member_id].name or people[r.member_id].email)
            if r.member_id in people
            else "",
            own=_own(principal, r),
        )
        for r in rows
    ]


async def add(principal: Principal, candidate_id: int, body: str, now: datetime) -> Note:
    """Adds a note on a person of the caller's pool.

    Raises:
        DomainError: FORBIDDEN (a viewer), NOT_FOUND (not in the caller's pool), REQUIRED or
            TOO_LONG (``body``).
    """
    principal.require(Permission.WRITE)
    text = _body(body)
    await in_pool(principal, candidate_id, now)
    async with in_transaction("default"):
        row = await PoolNote.create(
            company_id=principal.require_company(),
            candidate_id=candidate_id,
            member_id=principal.member_id,
            api_key_id=principal.api_key_id,
            body=text,
        )
        await audit.record(principal, "pool.note_add", "PoolNote", row.id, candidate=candidate_id)
    return (await _notes(principal, [row]))[0]


async def of_entries(principal: Principal, candidate_ids: list[int]) -> dict[int, list[Note]]:
    """The caller's notes on people it already read from its pool (``talent_pool.entries``),
    by person, newest first (at most 100 each); one query for a whole page."""
    rows = await PoolNote.filter(
        company_id=principal.require_company(), candidate_id__in=list(candidate_ids) or [0]
    ).order_by("-created_at", "-id")
    found: dict[int, list[Note]] = {}
    for note in await _notes(principal, rows):
        listed = found.setdefault(note.candidate_id, [])
        if len(listed) < MAX_LISTED:
            listed.append(note)
    return found


async def list_for(principal: Principal, candidate_id: int, now: datetime) -> list[Note]:
    """The notes on a person of the caller's pool, newest first.

    Raises:
        NotFound: the person is not in the caller's pool now.
    """
    await in_pool(principal, candidate_id, now)
    return (await of_entries(principal, [candidate_id])).get(candidate_id, [])


async def _row(principal: Principal, note_id: int, now: datetime) -> PoolNote:
    note = await PoolNote.get_or_none(id=note_id, company_id=principal.require_company())
    if note is None:
        raise NotFound("note", ["noteId"])
    await in_pool(principal, note.candidate_id, now)
    return note


async def get(principal: Principal, note_id: int, now: datetime) -> Note:
    """One note of the caller's company on a person still in its pool.

    Raises:
        NotFound: no such note for the caller.
    """
    return (await _notes(principal, [await _row(principal, note_id, now)]))[0]


async def delete(principal: Principal, note_id: int, now: datetime) -> int:
    """Deletes one of the caller's own notes; returns the person's id.

    Raises:
        DomainError: NOT_FOUND (no such note of the caller's company, or its person left the
            pool), FORBIDDEN (a viewer, or a note someone else wrote).
    """
    principal.require(Permission.WRITE)
    note = await _row(principal, note_id, now)
    if not _own(principal, note):
        raise DomainError(ErrorCode.FORBIDDEN, "only its writer deletes a note", ["noteId"])
    async with in_transaction("default"):
        await note.delete()
        await audit.record(
            principal, "pool.note_delete", "PoolNote", note_id, candidate=note.candidate_id
        )
    return note.candidate_id
