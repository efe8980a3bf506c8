"""Limits checked on the raw request before graphql-core coerces any input."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import DocumentNode, ExecutionResult, StringValueNode, visit
from graphql.language import Visitor
from strawberry.extensions import SchemaExtension

from schema.errors import PublicError
from server.config import get_settings
from server.errors import ErrorCode

NUL = "\x00"


def _problems(value: Any, limit: int) -> Iterator[tuple[ErrorCode, tuple]]:
    """Lists of more than ``limit`` items and strings with a NUL in a JSON value, by path."""
    stack: list[tuple[Any, tuple]] = [(value, ())]
    while stack:
        value, path = stack.pop()
        if isinstance(value, str):
            if NUL in value:
                yield ErrorCode.INVALID_CHARACTER, path
        elif isinstance(value, list):
            if len(value) > limit:
                yield ErrorCode.TOO_MANY_ITEMS, path
                continue
            stack.extend((v, (*path, str(i))) for i, v in enumerate(value))
        elif isinstance(value, dict):
            for key, v in value.items():
                if NUL in key:
                    yield ErrorCode.INVALID_CHARACTER, path
                stack.append((v, (*path, key)))


class _NulInLiteral(Visitor):
    found = False

    def enter_string_value(self, node: StringValueNode, *_: Any) -> None:
        self.found = self.found or NUL in node.value


def _nul_in_document(query: str | None, document: DocumentNode | None) -> bool:
    query = query or ""
    if NUL not in query and "\\u" not in query:
        return False  # no NUL and no unicode escape: the common case, nothing to walk
    visitor = _NulInLiteral()
    visit(document, visitor)
    return visitor.found


_MESSAGES = {
    ErrorCode.TOO_MANY_ITEMS: "holds more than {limit} items",
    ErrorCode.INVALID_CHARACTER: "contains a NUL character, which text may not hold",
}


class InputLimits(SchemaExtension):
    """Refuses, before any input is coerced, variables holding a list of more than
    ``RELAY_MAX_LIST_ITEMS`` items (TOO_MANY_ITEMS: coercing 200,000 import rows took the
    process 70 s only to be told "at most 10000 rows"; literal lists are bounded by
    ``RELAY_MAX_TOKENS``) and text with a NUL character anywhere (INVALID_CHARACTER:
    PostgreSQL cannot store it)."""

    def on_execute(self):  # type: ignore[override]
        if self.execution_context.result is None:
            context = self.execution_context
            error = input_error(context.variables, context.query, context.graphql_document)
            if error is not None:
                self.execution_context.result = ExecutionResult(data=None, errors=[error])
        yield


def input_error(
    variables: dict | None, query: str | None, document: DocumentNode | None
) -> PublicError | None:
    """The first input over the limits, as the error to answer with, else None."""
    limit = get_settings().max_list_items
    found = next(_problems(variables or {}, limit), None)
    if found is not None:
        code, path = found
        message = _MESSAGES[code].format(limit=limit)
        error = PublicError(f"${'.'.join(path)} {message}", code)
        error.extensions["field"] = list(path)
        return error
    if _nul_in_document(query, document):
        return PublicError(
            f"a string {_MESSAGES[ErrorCode.INVALID_CHARACTER]}", ErrorCode.INVALID_CHARACTER
        )
    return None
