"""userErrors for expected failures; masking for everything unexpected."""

from __future__ import annotations

from enum import Enum
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions.field_extension import AsyncExtensionResolver, FieldExtension

from server.errors import DomainError, ErrorCode

UserErrorCode = strawberry.enum(ErrorCode, name="UserErrorCode")


@strawberry.type(description="An expected failure of a mutation, tied to an input field.")
class UserError:
    field: list[str] | None = strawberry.field(
        description='Path of the input field at fault, e.g. ["input", "rows", "3", "email"].'
    )
    message: str = strawberry.field(description="Human-readable explanation.")
    code: UserErrorCode = strawberry.field(description="Machine-readable code.")  # type: ignore[valid-type]


def user_errors(error: DomainError, prefix: tuple[str, ...] = ("input",)) -> list[UserError]:
    """Translates a domain error into userErrors with input paths."""
    return [
        UserError(field=[*prefix, *e.field] if e.field else None, message=e.message, code=e.code)
        for e in error.errors
    ]


class UserErrors(FieldExtension):
    """The one place where a mutation's DomainError becomes its payload's userErrors.

    The payload type's other fields default to their empty value (null, 0, []), so the
    payload of a failure is ``Payload(user_errors=[...])``.
    """

    def apply(self, field) -> None:
        self.payload = field.type

    async def resolve_async(
        self, next_: AsyncExtensionResolver, source: Any, info: Any, **kwargs: Any
    ) -> Any:
        try:
            return await next_(source, info, **kwargs)
        except DomainError as error:
            return self.payload(user_errors=user_errors(error))


def mutation(**options: Any) -> Any:
    """``strawberry.mutation`` whose DomainErrors become the payload's userErrors."""
    return strawberry.mutation(extensions=[UserErrors()], **options)


class PublicError(GraphQLError):
    """A GraphQL error whose message is meant for the client (never masked)."""

    def __init__(self, message: str, code: str | Enum):
        super().__init__(message, extensions={"code": getattr(code, "value", code)})


def should_mask_error(error: GraphQLError) -> bool:
    """Masks unexpected exceptions; lets validation, permission and public errors through."""
    original = error.original_error
    if original is None:
        return False  # syntax and validation errors raised by graphql-core itself
    if isinstance(original, PublicError):
        return False
    return not (error.extensions and "code" in error.extensions)
