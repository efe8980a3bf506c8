"""Pure ASGI middleware around the whole application: request body limit, database outages."""

from __future__ import annotations

import logging

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.db import RETRY_AFTER_SECONDS, is_unavailable

log = logging.getLogger(__name__)


async def send_error(
    send: Send, status: int, code: str, message: str, headers: list | None = None
) -> None:
    """A JSON error in the GraphQL shape, for the API and pages alike."""
    body = orjson.dumps({"errors": [{"message": message, "extensions": {"code": code}}]})
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class DatabaseOutage:
    """A request that failed because the database is unreachable answers a JSON 503 with
    Retry-After (as /readyz does), not a plain-text 500 and a closed connection."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_tracking(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, send_tracking)
        except Exception as error:
            if started or not is_unavailable(error):
                raise
            log.warning("database unavailable: %s %s: %r", scope["method"], scope["path"], error)
            await send_error(
                send,
                503,
                "DATABASE_UNAVAILABLE",
                "The database is unavailable; retry shortly.",
                [(b"retry-after", str(RETRY_AFTER_SECONDS).encode())],
            )


class BodyLimit:
    """Refuses a request body over ``max_bytes`` with a JSON 413 before the application
    parses any of it. The body is counted as it streams in (a Content-Length can be absent
    or wrong), and replayed to the application when within the limit."""

    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            more = message.get("more_body", False)
            if size > self.max_bytes:
                await self._refuse(send)
                return
        body, replayed = b"".join(chunks), False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _refuse(self, send: Send) -> None:
        message = f"the request body is larger than {self.max_bytes} bytes"
        await send_error(send, 413, "REQUEST_TOO_LARGE", message, [(b"connection", b"close")])
