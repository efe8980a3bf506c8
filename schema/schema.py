"""The assembled GraphQL schema."""

from __future__ import annotations

import strawberry
from strawberry import relay
from strawberry.extensions import MaskErrors, MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter
from strawberry.tools import merge_types

from schema import node
from schema.api_keys.mutations import ApiKeyMutations
from schema.applications.mutations import ApplicationMutations
from schema.applications.queries import ApplicationQueries
from schema.companies.mutations import CompanyMutations
from schema.companies.queries import CompanyQueries, OperatorQuery
from schema.context import Info
from schema.credits.mutations import CreditMutations
from schema.credits.queries import CreditQueries
from schema.errors import should_mask_error
from schema.openings.mutations import OpeningMutations
from schema.openings.queries import OpeningQueries
from schema.permissions import IsAuthenticated
from schema.tags.queries import TagQueries
from server.config import get_settings


@strawberry.type
class RootQuery:
    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="Any object by global ID; null when it does not exist or is not yours.",
    )
    async def node(self, info: Info, id: strawberry.ID) -> relay.Node | None:
        return await node.resolve(info, str(id))

    @strawberry.field(description="Operator fields; null unless the key is an operator's.")
    def operator(self, info: Info) -> OperatorQuery | None:
        principal = info.context.principal
        return OperatorQuery() if principal is not None and principal.is_operator else None


Query = merge_types(
    "Query",
    (RootQuery, CompanyQueries, TagQueries, OpeningQueries, ApplicationQueries, CreditQueries),
)
Mutation = merge_types(
    "Mutation",
    (CompanyMutations, ApiKeyMutations, OpeningMutations, ApplicationMutations, CreditMutations),
)


def build_schema() -> strawberry.Schema:
    settings = get_settings()
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        extensions=[
            lambda: QueryDepthLimiter(max_depth=settings.max_query_depth),
            lambda: MaxAliasesLimiter(max_alias_count=settings.max_aliases),
            lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
            lambda: MaskErrors(should_mask_error=should_mask_error),
        ],
    )


schema = build_schema()
