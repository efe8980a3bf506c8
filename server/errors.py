"""Domain errors: expected failures that adapters show to users (userErrors, form messages)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class ErrorCode(StrEnum):
    INVALID = "INVALID"
    REQUIRED = "REQUIRED"
    TOO_LONG = "TOO_LONG"
    NOT_FOUND = "NOT_FOUND"
    ALREADY_EXISTS = "ALREADY_EXISTS"
    WRONG_STATE = "WRONG_STATE"
    FORBIDDEN = "FORBIDDEN"
    INSUFFICIENT_CREDITS = "INSUFFICIENT_CREDITS"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    NOT_MATCHABLE = "NOT_MATCHABLE"
    TEMPLATE_INVALID = "TEMPLATE_INVALID"
    EXPIRED = "EXPIRED"
    THROTTLED = "THROTTLED"
    TOO_MANY_ITEMS = "TOO_MANY_ITEMS"
    INVALID_CHARACTER = "INVALID_CHARACTER"
    LINK_NOT_ALLOWED = "LINK_NOT_ALLOWED"
    QUOTA_EXCEEDED = "QUOTA_EXCEEDED"
    LIMIT_REACHED = "LIMIT_REACHED"


@dataclass
class FieldError:
    """One problem with one input field; ``field`` is the input path."""

    code: ErrorCode
    message: str
    field: list[str] = field(default_factory=list)


class DomainError(Exception):
    """An expected failure of a domain operation, carrying one or more field errors."""

    def __init__(self, code: ErrorCode, message: str, field: list[str] | None = None):
        super().__init__(message)
        self.errors = [FieldError(code, message, field or [])]

    @classmethod
    def many(cls, errors: list[FieldError]) -> DomainError:
        error = cls(errors[0].code, errors[0].message, errors[0].field)
        error.errors = list(errors)
        return error


class NotFound(DomainError):
    def __init__(self, what: str, field: list[str] | None = None):
        super().__init__(ErrorCode.NOT_FOUND, f"{what} not found", field)
