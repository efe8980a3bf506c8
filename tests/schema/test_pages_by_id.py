"""The openings and applications connections: the caller's own rows only, by id, with cursors
and filters (read in precompiled SQL when the filters are equalities, server/rows.py)."""

from __future__ import annotations

from server.models import Opening, OpeningStatus
from tests.schema.test_applications import IMPORT, open_role, row

PAGE = """
query($first: Int, $after: String, $status: OpeningStatus) {
  openings(first: $first, after: $after, status: $status) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { node { title status tags { slug } } }
  }
}
"""


async def test_pages_walk_the_callers_openings_by_id_and_filter_by_status(company_a, company_b):
    for i in range(5):
        status = OpeningStatus.CLOSED if i % 2 else OpeningStatus.OPEN
        await Opening.create(company_id=company_a.company_id, title=f"A{i}", status=status)
    await Opening.create(company_id=company_b.company_id, title="B0")

    titles, after, pages = [], None, 0
    while True:
        data = (await company_a(PAGE, {"first": 2, "after": after}))["openings"]
        assert data["totalCount"] == 5
        assert data["pageInfo"]["hasPreviousPage"] is (after is not None)
        titles += [e["node"]["title"] for e in data["edges"]]
        pages += 1
        if not data["pageInfo"]["hasNextPage"]:
            break
        after = data["pageInfo"]["endCursor"]
    assert titles == ["A0", "A1", "A2", "A3", "A4"] and pages == 3

    closed = (await company_a(PAGE, {"status": "CLOSED"}))["openings"]
    assert closed["totalCount"] == 2
    assert [e["node"] for e in closed["edges"]] == [
        {"title": "A1", "status": "CLOSED", "tags": []},
        {"title": "A3", "status": "CLOSED", "tags": []},
    ]
    other = (await company_b(PAGE, {}))["openings"]
    assert other["totalCount"] == 1 and other["edges"][0]["node"]["title"] == "B0"


APPLICATIONS = """
query($after: String, $status: ApplicationStatus, $openingId: ID, $text: String) {
  applications(first: 2, after: $after, status: $status, openingId: $openingId, text: $text) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { applicant { name } opening { title } } }
  }
}
"""


async def walk(caller, **variables) -> tuple[int, list[tuple[str, str]]]:
    """The total and every (applicant, opening) of the applications list, page by page."""
    seen, after = [], None
    while True:
        data = (await caller(APPLICATIONS, {**variables, "after": after}))["applications"]
        seen += [
            (e["node"]["applicant"]["name"], e["node"]["opening"]["title"]) for e in data["edges"]
        ]
        if not data["pageInfo"]["hasNextPage"]:
            return data["totalCount"], seen
        after = data["pageInfo"]["endCursor"]


async def test_application_pages_walk_by_id_with_equal_and_other_filters(company_a, company_b):
    first = await open_role(company_a, "一")
    second = await open_role(company_a, "二")
    rows = [row(i, first if i < 3 else second) for i in range(5)]
    await company_a(IMPORT, {"input": {"rows": rows}})
    await company_b(IMPORT, {"input": {"rows": [row(7, await open_role(company_b, "B"))]}})

    total, seen = await walk(company_a)
    assert total == 5
    assert seen == [(f"応募者 {i}", "一" if i < 3 else "二") for i in range(5)]
    assert await walk(company_a, openingId=second) == (2, [("応募者 3", "二"), ("応募者 4", "二")])
    assert await walk(company_a, status="REJECTED") == (0, [])
    assert await walk(company_a, text="応募者 1") == (1, [("応募者 1", "一")])
    assert await walk(company_b) == (1, [("応募者 7", "B")])
