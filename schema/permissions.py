"""Permission classes declared on fields (async has_permission: GHSA-pfvf-fwfp-25mp)."""

from __future__ import annotations

from typing import Any, ClassVar

from strawberry.permission import BasePermission

from schema.context import Info


class IsAuthenticated(BasePermission):
    message = "an API key is required"
    error_extensions: ClassVar[dict[str, str]] = {"code": "UNAUTHENTICATED"}

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return info.context.principal is not None


class IsCompany(BasePermission):
    message = "this field needs a company API key"
    error_extensions: ClassVar[dict[str, str]] = {"code": "FORBIDDEN"}

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        principal = info.context.principal
        return principal is not None and not principal.is_operator


class IsOperator(BasePermission):
    message = "this field needs an operator API key"
    error_extensions: ClassVar[dict[str, str]] = {"code": "FORBIDDEN"}

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        principal = info.context.principal
        return principal is not None and principal.is_operator
