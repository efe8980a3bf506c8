"""The executor's shortcut for plain values gives exactly graphql-core's responses: the same
data, and the same errors with the same paths and null propagation when a value is wrong."""

from __future__ import annotations

from typing import Any

import pytest
import strawberry
from strawberry import relay
from strawberry.permission import BasePermission

from schema.execution import ExecutionContext
from schema.preload import preloaded


@strawberry.type
class Label:
    text: str
    weight: float | None = None


class Nobody(BasePermission):
    message = "no"

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        return False


@strawberry.type
class Item(relay.Node):
    id: relay.NodeID[int]
    name: str
    size: int | None
    labels: list[Label]
    note: str = strawberry.field(default="", name="remark")

    loaded_best: strawberry.Private[Label | None] = None

    @strawberry.field
    def shout(self) -> str:
        return self.name.upper()

    @strawberry.field
    @preloaded("loaded_best")
    async def best(self) -> Label:
        RESOLVED.append(self.id)
        return self.loaded_best or Label(text="計算")

    @strawberry.field(permission_classes=[Nobody])
    @preloaded("loaded_best")
    async def secret(self) -> Label:
        return self.loaded_best or Label(text="計算")


ROWS: list[Any] = []
RESOLVED: list[int] = []


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item]:
        return ROWS

    @strawberry.field
    async def first(self) -> Item | None:
        return ROWS[0] if ROWS else None

    @strawberry.field
    def loose(self) -> list[Item | None]:
        return ROWS


fast = strawberry.Schema(query=Query, execution_context_class=ExecutionContext)
plain = strawberry.Schema(query=Query)


def item(pk: int, name: Any = "箱", size: Any = 3, labels: Any = None) -> Item:
    labels = [Label(text="赤", weight=1.5), Label(text="青")] if labels is None else labels
    return Item(id=pk, name=name, size=size, labels=labels, note=f"メモ{pk}")


async def both(document: str, variables: dict | None = None) -> dict:
    """Runs the document on both executors; returns the response, asserting they agree."""
    results = [await s.execute(document, variable_values=variables) for s in (fast, plain)]
    fast_result, plain_result = (
        {
            "data": r.data,
            "errors": [(e.message, e.path) for e in r.errors or []],
        }
        for r in results
    )
    assert fast_result == plain_result
    return fast_result


@pytest.fixture(autouse=True)
def rows():
    ROWS[:] = [item(1), item(2, size=None, labels=[])]
    yield
    ROWS.clear()


async def test_plain_selections_match_graphql_core():
    result = await both(
        """
        query($on: Boolean!) {
          items {
            __typename id name size remark
            alias: name
            labels { text weight t: text }
            ... on Item { labels @include(if: $on) { weight } }
            ...more
          }
          first { id name labels { text } }
        }
        fragment more on Item { size labels @skip(if: $on) { text } }
        """,
        {"on": True},
    )

    first = result["data"]["items"][0]
    assert first["id"] == relay.to_base64("Item", 1)
    assert first["labels"] == [
        {"text": "赤", "weight": 1.5, "t": "赤"},
        {"text": "青", "weight": None, "t": "青"},
    ]
    assert result["data"]["items"][1]["size"] is None
    assert result["data"]["first"]["name"] == "箱"


async def test_fields_with_resolvers_still_run():
    result = await both("{ items { name shout labels { text } } }")

    assert [i["shout"] for i in result["data"]["items"]] == ["箱", "箱"]


async def test_a_null_in_a_non_null_field_is_the_same_error_at_the_same_path():
    ROWS.append(item(3, name=None))

    result = await both("{ items { id name labels { text } } }")

    assert result["data"] is None  # items is [Item!]!: the null reaches the root
    assert result["errors"] == [
        ("Cannot return null for non-nullable field Item.name.", ["items", 2, "name"])
    ]


async def test_a_null_in_a_nullable_list_stays_local():
    ROWS.append(None)
    ROWS.append(item(4, labels=[Label(text=None)]))  # type: ignore[arg-type]

    result = await both("{ loose { name labels { text } } }")

    assert result["data"]["loose"][2] is None
    assert result["data"]["loose"][3] is None
    assert [e[1] for e in result["errors"]] == [["loose", 3, "labels", 0, "text"]]


async def test_a_value_that_does_not_serialise_is_the_same_error():
    ROWS.append(item(5, size="大きい"))

    result = await both("{ items { name size } }")

    assert result["data"]["items"][2] == {"name": "箱", "size": None}
    assert len(result["errors"]) == 1
    assert result["errors"][0][1] == ["items", 2, "size"]


async def test_a_preloaded_field_is_read_without_its_resolver_and_answers_the_same():
    for row in ROWS:
        row.loaded_best = Label(text=f"札{row.id}", weight=2.0)

    result = await both("{ items { id best { text weight } } }")
    RESOLVED.clear()
    assert (await fast.execute("{ items { id best { text weight } } }")).data == result["data"]

    assert [i["best"] for i in result["data"]["items"]] == [
        {"text": "札1", "weight": 2.0},
        {"text": "札2", "weight": 2.0},
    ]
    assert RESOLVED == []  # the fast executor read the stored values


async def test_a_row_without_a_preloaded_value_goes_through_the_resolver():
    ROWS[0].loaded_best = Label(text="札")

    result = await both("{ items { best { text } } }")

    assert result["data"]["items"] == [{"best": {"text": "札"}}, {"best": {"text": "計算"}}]


async def test_a_preloaded_field_keeps_its_permission():
    ROWS[0].loaded_best = ROWS[1].loaded_best = Label(text="札")

    result = await both("{ items { name secret { text } } }")

    assert result["data"] is None
    assert result["errors"][0] == ("no", ["items", 0, "secret"])
