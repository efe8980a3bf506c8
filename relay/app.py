"""The Starlette application: GraphQL, candidate pages, health, assembled around the core."""

from __future__ import annotations

import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.types import ExecutionResult
from tortoise.contrib.starlette import RegisterTortoise

from relay.middleware import BodyLimit, DatabaseOutage
from schema.context import Context
from schema.schema import fast_queries, schema
from server import health, redact
from server.companies.auth import AuthError, authenticate
from server.config import Settings, get_settings
from server.db import DatabaseUnavailable, tortoise_config
from server.network import referral_fraud
from server.queue import make_pool

log = logging.getLogger(__name__)


class GraphQLApp(GraphQL):
    """Strawberry's ASGI app with the caller resolved before any GraphQL runs."""

    def __init__(self, settings: Settings):
        super().__init__(
            schema,
            graphql_ide="graphiql" if settings.is_development else None,
            allow_queries_via_get=False,
        )
        self.settings = settings

    async def render_graphql_ide(self, request: Request) -> Response:
        from web.graphiql import page  # the vendored GraphiQL, not Strawberry's CDN page

        return page()

    # orjson: encoding a page of matches with the standard library was ~8% of its CPU.
    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    def decode_json(self, data: str | bytes) -> object:
        return orjson.loads(data)  # its JSONDecodeError is json's: a 400, as before

    async def get_context(self, request: Request, response: Response) -> Context:
        context = Context(
            principal=request.scope["state"]["principal"],
            settings=self.settings,
            redis=request.app.state.redis,
        )
        request.scope["state"]["graphql_context"] = context
        return context

    async def process_result(self, request: Request, result: ExecutionResult) -> dict:
        request.scope["state"]["graphql_context"].end()
        if request.scope["state"]["graphql_context"].database_unavailable:
            raise DatabaseUnavailable  # a 503 with Retry-After (relay/middleware.py)
        return await super().process_result(request, result)


class GraphQLEndpoint:
    """Authenticates the caller (401/403 as JSON), then runs the query: a valid query posted
    as JSON directly (schema/fast.py), anything else through Strawberry."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.graphql = GraphQLApp(settings)

    async def __call__(self, scope, receive, send) -> None:
        request = Request(scope, receive)
        scope.setdefault("state", {})["principal"] = None
        wants_ide = request.method == "GET" and "text/html" in request.headers.get("accept", "")
        if not (wants_ide and self.settings.is_development):
            try:
                principal = await authenticate(request.headers.get("authorization"))
                scope["state"]["principal"] = principal
                client = request.client.host if request.client else None
                await referral_fraud.record_network(principal.company_id, client)
            except AuthError as error:
                response = JSONResponse(
                    {"errors": [{"message": error.message, "extensions": {"code": error.code}}]},
                    status_code=error.status,
                    headers={"WWW-Authenticate": "Bearer"} if error.status == 401 else None,
                )
                await response(scope, receive, send)
                return
            if request.method == "POST" and _plain_json(request):
                body = await request.body()
                answer = await self._fast(request, principal, body)
                if answer is not None:
                    await _send_json(send, answer)
                    return
                receive = _replay(body, receive)
        await self.graphql(scope, receive, send)

    async def _fast(self, request: Request, principal: object, body: bytes) -> bytes | None:
        """The answer to a valid query, or None to go through Strawberry."""
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError:
            return None
        if not isinstance(data, dict):
            return None
        query, variables = data.get("query"), data.get("variables")
        operation_name, extensions = data.get("operationName"), data.get("extensions")
        if not (
            isinstance(query, str)
            and isinstance(variables, dict | None)
            and isinstance(operation_name, str | None)
            and isinstance(extensions, dict | None)
        ):
            return None
        prepared = fast_queries.prepare(query, operation_name)
        if prepared is None:
            return None
        redis = request.app.state.redis
        context = Context(principal=principal, settings=self.settings, redis=redis)
        try:
            answer = await fast_queries.run(prepared, variables, context, extensions)
        finally:
            context.end()
        if context.database_unavailable:
            raise DatabaseUnavailable  # a 503 with Retry-After (relay/middleware.py)
        return None if answer is None else orjson.dumps(answer)


def _plain_json(request: Request) -> bool:
    """A JSON body answered with JSON (not a stream: SSE or multipart)."""
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    accept = request.headers.get("accept", "")
    return (
        media_type == "application/json"
        and "multipart" not in accept
        and ("event-stream" not in accept)
    )


def _replay(body: bytes, receive):
    """``receive`` that gives the body already read once more, then the client's messages."""
    replayed = False

    async def replay() -> dict:
        nonlocal replayed
        if replayed:
            return await receive()
        replayed = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


async def _send_json(send, body: bytes) -> None:
    headers = [(b"content-length", str(len(body)).encode()), (b"content-type", b"application/json")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    parts = await health.check(request.app.state.redis)
    ready = all(state == "ok" for state in parts.values())
    return JSONResponse(
        {"status": "ready" if ready else "unavailable", "checks": parts},
        status_code=200 if ready else 503,
    )


def serving_app() -> Starlette:
    """The application as `relay serve` runs it in each server process. Its log records skip
    the caller's file, thread and process, which no line of it prints (the logging HOWTO's
    "Optimization"): with them `{ __typename }` took 12-15 % more CPU (bench/README.md)."""
    logging._srcfile = None
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    return create_app()


def create_app(settings: Settings | None = None) -> Starlette:
    """Builds the application; settings must name the database and Redis."""
    settings = settings or get_settings()
    settings.check()
    for warning in settings.warnings():
        log.warning("WARNING: %s", warning)
    redact.install()  # after uvicorn set up its loggers: no personal token in access logs
    if not settings.database_url or not settings.redis_url:
        raise RuntimeError("RELAY_DATABASE_URL and RELAY_REDIS_URL must be set (or use relay up)")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.settings = settings
        app.state.redis = make_pool(settings)
        async with RegisterTortoise(app, config=tortoise_config(settings.database_url)):
            # What startup made (the schema, the models) leaves the collector's sight: full
            # collections walked it all, 30 ms pauses in the p99 (bench/README.md).
            gc.collect()
            gc.freeze()
            yield
        await app.state.redis.aclose()

    graphql = GraphQLEndpoint(settings)
    routes = [
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/graphql", graphql, methods=["GET", "POST"]),
    ]
    routes += _web_routes(settings)
    middleware = [
        *_web_middleware(),
        Middleware(BodyLimit, max_bytes=settings.max_body_bytes),
        Middleware(DatabaseOutage),
    ]
    return App(
        graphql,
        routes=routes,
        lifespan=lifespan,
        middleware=middleware,
        exception_handlers=_web_exception_handlers(),
    )


class App(Starlette):
    """A POST to /graphql, the API's every request, goes through the application's middleware
    straight to its endpoint, without Starlette's error and exception layers and router (each
    one more coroutine per request and per message sent; together about a tenth of a
    `{ __typename }`, bench/README.md). Their work is not needed there: the endpoint answers
    every outcome itself, and uvicorn answers an unhandled error with a 500 as they did."""

    def __init__(self, graphql: ASGIApp, **kwargs: Any):
        super().__init__(**kwargs)
        self.graphql = graphql

    def build_middleware_stack(self) -> ASGIApp:
        stack = super().build_middleware_stack()
        graphql = self.graphql
        for cls, args, kwargs in reversed(self.user_middleware):
            graphql = cls(graphql, *args, **kwargs)

        async def front(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "http" and scope["method"] == "POST":
                if scope["path"] == scope.get("root_path", "") + "/graphql":
                    await graphql(scope, receive, send)
                    return
            await stack(scope, receive, send)

        return front


def _web_exception_handlers() -> dict:
    from web.pages import EXCEPTION_HANDLERS  # a page that answers instead of the route

    return dict(EXCEPTION_HANDLERS)


def _web_routes(settings: Settings) -> list:
    from web.routes import routes  # web/ is an adapter; only the app assembles it

    return routes(settings)


def _web_middleware() -> list:
    from web.security import middleware  # security headers on every response

    return middleware()
