"""The assembled GraphQL schema."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry import relay
from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.relay.types import GlobalIDValueError
from strawberry.tools import merge_types
from strawberry.utils.logging import StrawberryLogger

from schema import node
from schema.applications.mutations import ApplicationMutations
from schema.applications.openings.mutations import OpeningMutations
from schema.applications.openings.queries import OpeningQueries
from schema.applications.queries import ApplicationQueries
from schema.companies.api_keys.mutations import ApiKeyMutations
from schema.companies.members.mutations import MemberMutations, MemberQueries
from schema.companies.mutations import CompanyMutations
from schema.companies.queries import CompanyQueries
from schema.context import Info
from schema.cost import QueryCost
from schema.errors import should_mask_error
from schema.execution import ExecutionContext
from schema.fast import FastQueries
from schema.limits import InputLimits
from schema.network.credits.mutations import CreditMutations
from schema.network.credits.queries import CreditQueries
from schema.network.introductions.mutations import IntroductionMutations
from schema.network.introductions.queries import IntroductionQueries
from schema.network.matching.queries import MatchingQueries
from schema.network.referrals.mutations import ReferralReviewMutations
from schema.network.tags.queries import TagQueries
from schema.operator.mutations import OperatorMutations
from schema.operator.queries import OperatorQuery
from schema.permissions import IsAuthenticated, IsOperator
from schema.pool.mutations import TalentPoolMutations
from schema.pool.queries import TalentPoolQueries
from schema.reports.queries import ReportQueries
from schema.webhooks.mutations import WebhookMutations
from schema.webhooks.queries import WebhookQueries
from server.config import get_settings
from server.db import is_unavailable
from server.errors import DomainError, ErrorCode


@strawberry.type
class RootQuery:
    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="Any object by global ID; null when it does not exist or is not yours.",
    )
    async def node(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID,
            strawberry.argument(
                description="A global ID from any `id` field; INVALID_ID error if it is not one."
            ),
        ],
    ) -> relay.Node | None:
        return await node.resolve(info, str(id))

    @strawberry.field(
        permission_classes=[IsOperator],
        description="Operator fields; null with a FORBIDDEN error unless the key is an operator's.",
    )
    def operator(self) -> OperatorQuery | None:
        return OperatorQuery()


Query = merge_types(
    "Query",
    (
        RootQuery,
        CompanyQueries,
        MemberQueries,
        TagQueries,
        OpeningQueries,
        ApplicationQueries,
        CreditQueries,
        MatchingQueries,
        IntroductionQueries,
        ReportQueries,
        TalentPoolQueries,
        WebhookQueries,
    ),
)
Mutation = merge_types(
    "Mutation",
    (
        CompanyMutations,
        ApiKeyMutations,
        MemberMutations,
        OpeningMutations,
        ApplicationMutations,
        CreditMutations,
        IntroductionMutations,
        OperatorMutations,
        TalentPoolMutations,
        WebhookMutations,
        ReferralReviewMutations,
    ),
)


def _expected(original: BaseException | None) -> dict:
    """The code of an expected failure that reached GraphQL without one: a query refused by
    the core (mutations have userErrors), an ID literal that is no global ID."""
    if isinstance(original, DomainError):
        first = original.errors[0]
        return {"code": first.code.value, "field": first.field}
    if isinstance(original, GlobalIDValueError):
        return {"code": "INVALID_ID"}
    if isinstance(original, StrawberryInputCoercionError):
        return {"code": ErrorCode.INVALID.value}
    return {}


class Schema(strawberry.Schema):
    def process_errors(self, errors: list, execution_context: Any = None) -> None:
        """Logs unexpected errors with their traceback; expected ones (validation, public
        errors with a code, DomainErrors) are the client's business. A database outage marks
        the context: the transport answers 503 (relay/app.py)."""
        for error in errors:
            original = error.original_error
            if "code" not in (error.extensions or {}):
                error.extensions = (error.extensions or {}) | _expected(original)
            if is_unavailable(original):
                context = getattr(execution_context, "context", None)
                if context is not None:
                    context.database_unavailable = True
            elif should_mask_error(error):
                StrawberryLogger.error(error, execution_context)


def _limit_rules() -> list:
    settings = get_settings()
    return [
        *QueryDepthLimiter(max_depth=settings.max_query_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.max_aliases).validation_rules,
    ]


def build_schema(limits: list) -> strawberry.Schema:
    """The schema with its extensions; ``limits``: the validation rules of the limits."""
    settings = get_settings()
    return Schema(
        query=Query,
        mutation=Mutation,
        execution_context_class=ExecutionContext,
        extensions=[
            InputLimits,
            lambda: AddValidationRules(limits),
            lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
            QueryCost,
            lambda: MaskErrors(should_mask_error=should_mask_error),
            lambda: ParserCache(maxsize=512),
            lambda: ValidationCache(maxsize=512),
        ],
    )


# The limits' rule classes are made once, so ValidationCache (keyed by document and rules)
# hits: clients send the same few documents, parsed and validated once per process
# (a quarter of a `matches` request's CPU otherwise, see bench/README.md).
LIMIT_RULES = _limit_rules()
schema = build_schema(LIMIT_RULES)
# Valid queries, the common request, run without Strawberry's per-request machinery.
fast_queries = FastQueries(schema, LIMIT_RULES, get_settings().max_tokens)
