"""addPoolNote / deletePoolNote / PoolEntry.notes / sendPoolOpening: the console's pool
actions through GraphQL, company-scoped."""

from __future__ import annotations

from strawberry import relay

from server.candidates import profiles
from server.models import Company, MailKind, MailMessage, PoolNote
from tests.fixtures.pool import make_member, make_opening

ADD = """
mutation($input: AddPoolNoteInput!) {
  addPoolNote(input: $input) { note { id body authorName own } userErrors { field code } }
}
"""
DELETE = """
mutation($input: DeletePoolNoteInput!) {
  deletePoolNote(input: $input) { deletedNoteId userErrors { field code } }
}
"""
SEND = """
mutation($input: SendPoolOpeningInput!) {
  sendPoolOpening(input: $input) { sendAfter held userErrors { field code } }
}
"""
NOTES = "query($id: ID!) { node(id: $id) { ... on PoolEntry { name notes { body own } } } }"


def gid(type_name: str, pk: int) -> str:
    return str(relay.GlobalID(type_name, str(pk)))


async def test_notes_and_openings_through_graphql_stay_with_the_company(
    company_a, company_b, redis
):
    a = await Company.get(id=company_a.company_id)
    b = await Company.get(id=company_b.company_id)
    opening = await make_opening(a, "データエンジニア", "python")
    other = await make_opening(a, "SRE", "python", "go")
    person = await make_member(a, "taro@example.jp", "python", name="山田 太郎")
    await make_member(b, "taro@example.jp", "python", name="山田 太郎")  # in B's pool too
    entry = gid("PoolEntry", person.id)

    added = (await company_a(ADD, {"input": {"poolEntryId": entry, "body": " 再打診候補 "}}))[
        "addPoolNote"
    ]
    assert added["userErrors"] == []
    assert added["note"]["body"] == "再打診候補" and added["note"]["own"] is True
    assert added["note"]["authorName"] is None  # written with an API key
    empty = await company_a(ADD, {"input": {"poolEntryId": entry, "body": ""}})
    assert empty["addPoolNote"]["userErrors"] == [{"field": ["input", "body"], "code": "REQUIRED"}]

    assert (await company_a(NOTES, {"id": entry}))["node"]["notes"] == [
        {"body": "再打診候補", "own": True}
    ]
    assert (await company_b(NOTES, {"id": entry}))["node"]["notes"] == []
    refused = await company_b(DELETE, {"input": {"noteId": added["note"]["id"]}})
    assert refused["deletePoolNote"]["userErrors"][0]["code"] == "NOT_FOUND"

    sent = (
        await company_a(
            SEND, {"input": {"poolEntryId": entry, "openingId": gid("Opening", opening.id)}}
        )
    )["sendPoolOpening"]
    assert sent["userErrors"] == [] and sent["held"] is False
    held = (
        await company_a(
            SEND, {"input": {"poolEntryId": entry, "openingId": gid("Opening", other.id)}}
        )
    )["sendPoolOpening"]
    assert held["held"] is True and held["sendAfter"] > sent["sendAfter"]
    assert await MailMessage.filter(kind=MailKind.OPENING_ALERT).count() == 2
    theirs = await company_b(
        SEND, {"input": {"poolEntryId": entry, "openingId": gid("Opening", opening.id)}}
    )
    assert theirs["sendPoolOpening"]["userErrors"][0]["code"] == "NOT_FOUND"

    deleted = await company_a(DELETE, {"input": {"noteId": added["note"]["id"]}})
    assert deleted["deletePoolNote"] == {"deletedNoteId": added["note"]["id"], "userErrors": []}
    assert (await company_a(NOTES, {"id": entry}))["node"]["notes"] == []


async def test_erasing_the_profile_erases_the_companies_notes(company_a):
    a = await Company.get(id=company_a.company_id)
    person = await make_member(a, "hanako@example.jp", "java", name="佐藤 花子")
    entry = gid("PoolEntry", person.id)
    await company_a(ADD, {"input": {"poolEntryId": entry, "body": "面談の記録"}})
    assert await PoolNote.filter(candidate_id=person.id).count() == 1

    await profiles.erase(person.id)

    assert not await PoolNote.filter(candidate_id=person.id).exists()
