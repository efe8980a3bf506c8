"""Static query cost, reported in ``extensions.cost`` and spent from the key's bucket.

The cost is known before anything runs: every selected object field costs 1, a field taking
``first`` multiplies the cost of what it selects by ``first`` (the default page size when
unset), scalar fields are free, and every top-level mutation field costs 10 more. Past the
bucket the request answers ``THROTTLED`` with the cost and what is left, and runs nothing.
"""

from __future__ import annotations

from asyncio import AbstractEventLoop, get_running_loop
from collections.abc import Iterator
from functools import lru_cache, partial
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableNode,
    get_operation_ast,
    value_from_ast_untyped,
)
from redis.asyncio import Redis
from strawberry.dataloader import DataLoader
from strawberry.extensions import SchemaExtension

from schema.errors import PublicError
from schema.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from server.companies import cost_limit
from server.config import get_settings

MUTATION_COST = 10


class Cost:
    """Computes the static cost of one operation of a parsed document."""

    def __init__(self, fragments: dict[str, FragmentDefinitionNode], variables: dict[str, Any]):
        self.fragments = fragments
        self.variables = variables

    def of(self, selection_set: SelectionSetNode | None, seen: frozenset[str] = frozenset()) -> int:
        total = 0
        for field, visited in self._fields(selection_set, seen):
            if field.selection_set is not None:
                total += 1 + self._multiplier(field) * self.of(field.selection_set, visited)
        return total

    def _fields(
        self, selection_set: SelectionSetNode | None, seen: frozenset[str]
    ) -> Iterator[tuple[FieldNode, frozenset[str]]]:
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                yield selection, seen
            elif isinstance(selection, InlineFragmentNode):
                yield from self._fields(selection.selection_set, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is not None and name not in seen:  # cycles are invalid anyway
                    yield from self._fields(fragment.selection_set, seen | {name})

    def _multiplier(self, field: FieldNode) -> int:
        for argument in field.arguments or ():
            if argument.name.value != "first":
                continue
            if isinstance(argument.value, VariableNode):
                value = self.variables.get(argument.value.name.value)
            else:
                value = value_from_ast_untyped(argument.value)
            if isinstance(value, int) and 0 < value <= MAX_PAGE_SIZE:
                return value
            return DEFAULT_PAGE_SIZE if value is None else 1  # out of range: refused anyway
        return 1


def _variables(operation: OperationDefinitionNode, given: dict[str, Any] | None) -> dict:
    """The variables as the executor sees them: declared defaults, then the given values."""
    values = {
        d.variable.name.value: value_from_ast_untyped(d.default_value)
        for d in operation.variable_definitions or ()
        if d.default_value is not None
    }
    values.update(given or {})
    return values


def operation_cost(execution_context: Any) -> int:
    document = execution_context.graphql_document
    operation = get_operation_ast(document, execution_context.operation_name)
    if not isinstance(operation, OperationDefinitionNode):
        return 0
    return cost_of(document, operation, execution_context.variables)


def cost_of(
    document: DocumentNode, operation: OperationDefinitionNode, variables: dict | None
) -> int:
    """The static cost of ``operation`` (of ``document``) with these variables."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    cost = Cost(fragments, _variables(operation, variables)).of(operation.selection_set)
    if operation.operation == OperationType.MUTATION:
        cost += MUTATION_COST * len(operation.selection_set.selections)
    return cost


@lru_cache(maxsize=8)
def _spends(redis: Redis, loop: AbstractEventLoop) -> DataLoader[tuple[str, int], cost_limit.Spend]:
    """The spends of the requests this process runs at the same moment, sent to Redis in one
    run of the bucket script (each bucket still read and written with nothing in between):
    one round trip per request was 13-20 % of `{ viewer { name } }`'s CPU (bench/README.md)."""
    return DataLoader(
        partial(cost_limit.spend_many, redis), cache=False, loop=loop, max_batch_size=100
    )


async def charge(context: Any, cost: int) -> tuple[dict[str, int], PublicError | None]:
    """Spends ``cost`` from the caller's bucket: the ``extensions.cost`` report, and the
    THROTTLED error when the bucket holds less (nothing is spent then). A free query (only
    scalars, e.g. `{ __typename }`) spends nothing and is never refused, so it asks nothing of
    Redis and reports no ``remaining``: the round trip was a fifth of its CPU."""
    principal = getattr(context, "principal", None)
    settings = get_settings()
    report = {"requested": cost, "bucketSize": settings.cost_bucket_size}
    if principal is None or principal.api_key_id is None or cost == 0:
        return report, None
    spent = await _spends(context.redis, get_running_loop()).load(
        (cost_limit.bucket_of(principal), cost)
    )
    report["remaining"] = spent.remaining
    if spent.allowed:
        return report, None
    message = (
        f"query cost {cost} exceeds the {spent.remaining} points left; "
        f"the bucket refills {settings.cost_refill_per_second} points a second"
    )
    error = PublicError(message, "THROTTLED")
    error.extensions["cost"] = dict(report)
    return report, error


class QueryCost(SchemaExtension):
    """Spends each request's cost from its company's bucket; THROTTLED when it is empty."""

    def __init__(self, *, execution_context: Any = None):
        super().__init__(execution_context=execution_context)
        self.report: dict[str, int] = {}

    async def on_execute(self):  # type: ignore[override]
        cost = operation_cost(self.execution_context)
        self.report, refused = await charge(self.execution_context.context, cost)
        if refused is not None:
            self.execution_context.result = ExecutionResult(data=None, errors=[refused])
        yield

    def get_results(self) -> dict[str, Any]:
        return {"cost": self.report} if self.report else {}
