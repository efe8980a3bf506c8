"""createApiKey / revokeApiKey."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay

from schema import node
from schema.companies.api_keys.types import ApiKey
from schema.context import Info
from schema.errors import UserError, mutation
from schema.permissions import IsAuthenticated
from server.companies import api_keys


@strawberry.input(description="A new key for the caller's company (operators name the company).")
class CreateApiKeyInput:
    name: str = strawberry.field(default="", description="Label, up to 100 characters.")
    company_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Operator only: the company to create the key for."
    )


@strawberry.type
class CreateApiKeyPayload:
    api_key: ApiKey | None = strawberry.field(
        default=None, description="The new key; null when userErrors is not empty."
    )
    secret: str | None = strawberry.field(
        default=None, description="The full key rk_<prefix>_<secret>: shown once, store it now."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Expected failures, with the input field and a code."
    )


@strawberry.input
class RevokeApiKeyInput:
    api_key_id: relay.GlobalID = strawberry.field(description="The key to revoke.")


@strawberry.type
class RevokeApiKeyPayload:
    api_key: ApiKey | None = strawberry.field(
        default=None, description="The revoked key; null when userErrors is not empty."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Expected failures, with the input field and a code."
    )


@strawberry.type
class ApiKeyMutations:
    @mutation(
        permission_classes=[IsAuthenticated], description="Creates an API key (secret shown once)."
    )
    async def create_api_key(
        self,
        info: Info,
        input: Annotated[CreateApiKeyInput, strawberry.argument(description="The key to create.")],
    ) -> CreateApiKeyPayload:
        company_id = node.decode(str(input.company_id), "Company")[1] if input.company_id else None
        key, raw = await api_keys.create(info.context.caller, input.name, company_id)
        return CreateApiKeyPayload(api_key=ApiKey.from_model(key), secret=raw, user_errors=[])

    @mutation(permission_classes=[IsAuthenticated], description="Revokes an API key at once.")
    async def revoke_api_key(
        self,
        info: Info,
        input: Annotated[RevokeApiKeyInput, strawberry.argument(description="The key to revoke.")],
    ) -> RevokeApiKeyPayload:
        key_id = node.decode(str(input.api_key_id), "ApiKey")[1]
        key = await api_keys.revoke(info.context.caller, key_id)
        return RevokeApiKeyPayload(api_key=ApiKey.from_model(key), user_errors=[])
