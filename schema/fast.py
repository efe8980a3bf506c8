"""The common query's way through GraphQL, without Strawberry's per-request machinery.

Strawberry runs every request through its HTTP view and seven schema extensions, each a
context manager per hook and phase: at `{ __typename }` that was over half a request's CPU
(bench/README.md). A query whose document parses and validates (the same token, depth and
alias limits, held once per process with its operation) runs here instead, with the same
steps in the same order: the input limits, the cost spent from the bucket, graphql-core's
executor with the schema's execution context, the schema's error processing, masking, the
`extensions.cost` report. Anything else (a document with errors, a mutation, an input over
the limits) goes the normal way, which answers with the errors as before; nothing has run
or been spent by then.
"""

from __future__ import annotations

from dataclasses import dataclass
from inspect import isawaitable
from typing import Any

from graphql import (
    DocumentNode,
    GraphQLError,
    OperationDefinitionNode,
    OperationType,
    execute,
    get_operation_ast,
    parse,
    specified_rules,
    validate,
)
from strawberry.execution import optimized_is_awaitable
from strawberry.extensions import MaskErrors
from strawberry.types import ExecutionContext as StrawberryExecutionContext
from strawberry.types.graphql import OperationType as StrawberryOperationType

from schema.context import Context
from schema.cost import charge, cost_of
from schema.errors import should_mask_error
from schema.execution import ExecutionContext
from schema.limits import input_error

_CACHED = 512  # documents per process; clients send the same few


@dataclass(frozen=True)
class Prepared:
    query: str
    operation_name: str | None  # as the request named it
    document: DocumentNode
    operation: OperationDefinitionNode


class FastQueries:
    """Runs valid queries of ``schema``; ``rules`` and ``max_tokens`` as its extensions."""

    def __init__(self, schema: Any, rules: list, max_tokens: int):
        self.schema = schema
        self.rules = (*specified_rules, *rules)
        self.max_tokens = max_tokens
        self.mask = MaskErrors(should_mask_error=should_mask_error)
        self._prepared: dict[tuple[str, str | None], Prepared | None] = {}

    def prepare(self, query: str, operation_name: str | None) -> Prepared | None:
        """The parsed, valid query operation, or None when it must go the normal way."""
        key = (query, operation_name)
        if key in self._prepared:
            return self._prepared[key]
        prepared = self._prepare(query, operation_name)
        if len(self._prepared) >= _CACHED:
            self._prepared.clear()
        self._prepared[key] = prepared
        return prepared

    def _prepare(self, query: str, operation_name: str | None) -> Prepared | None:
        try:
            document = parse(query, max_tokens=self.max_tokens)
        except GraphQLError:
            return None
        operation = get_operation_ast(document, operation_name)
        if operation is None or operation.operation != OperationType.QUERY:
            return None
        if validate(self.schema._schema, document, self.rules):
            return None
        return Prepared(query, operation_name, document, operation)

    async def run(
        self, prepared: Prepared, variables: dict | None, context: Context, extensions: Any
    ) -> dict | None:
        """The response of the query, or None (before anything ran) to go the normal way."""
        if input_error(variables, prepared.query, prepared.document) is not None:
            return None
        cost = cost_of(prepared.document, prepared.operation, variables)
        report, refused = await charge(context, cost)
        if refused is not None:
            data, errors = None, [refused]
        else:
            result = execute(
                self.schema._schema,
                prepared.document,
                context_value=context,
                variable_values=variables,
                operation_name=prepared.operation_name,
                executor_class=ExecutionContext,
                is_awaitable=optimized_is_awaitable,
                operation_extensions=extensions,
            )
            if isawaitable(result):
                result = await result
            data, errors = result.data, result.errors
        response: dict[str, Any] = {"data": data}
        if errors:
            errors = self._errors(prepared, variables, errors, context)
            response["errors"] = [e.formatted for e in errors]
        response["extensions"] = {"cost": report}
        return response

    def _errors(
        self, prepared: Prepared, variables: dict | None, errors: list, context: Context
    ) -> list[GraphQLError]:
        """As Strawberry: the schema processes (logs, codes) the errors, then they are masked."""
        execution = StrawberryExecutionContext(
            query=prepared.query,
            schema=self.schema,
            allowed_operations=(StrawberryOperationType.QUERY,),
            context=context,
            variables=variables,
            provided_operation_name=prepared.operation_name,
        )
        execution.graphql_document = prepared.document
        self.schema._process_errors(errors, execution)
        return self.mask._process_errors(errors)
