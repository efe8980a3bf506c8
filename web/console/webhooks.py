"""Webhook endpoints in the settings: create (the signing secret shown once), edit the events,
enable / disable, rotate the secret, delete; each endpoint's delivery log with its attempts.
Everything here needs ``Permission.MANAGE`` to change; the log is read by everyone."""

from __future__ import annotations

from datetime import datetime

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from server import timezones
from server.errors import DomainError, NotFound
from server.models import WebhookEndpoint, WebhookFormat
from server.principal import Permission, Principal
from server.webhooks import endpoints
from web import pages
from web.console import settings, view
from web.console.routing import action, done, page, refused

NAMES = {"url": "url", "events": "events"}
LOG_SIZE = 30


def when(value: datetime | None) -> str:
    """A moment as HR staff read it in the log (Japan time, to the second)."""
    return value.astimezone(timezones.JAPAN).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def _events(form: FormData) -> list[str]:
    return [v for v in form.getlist("events") if isinstance(v, str)]


@action("/app/settings/webhooks", "createWebhookEndpoint", Permission.MANAGE)
async def create(request: Request, principal: Principal, form: FormData) -> Response:
    typed = {
        "url": pages.text(form, "url").strip(),
        "events": _events(form),
        "format": pages.text(form, "format"),
    }
    fmt = WebhookFormat.SLACK if typed["format"] == "SLACK" else WebhookFormat.STANDARD
    try:
        row = await endpoints.create(principal, typed["url"], typed["events"], fmt)
    except DomainError as error:
        if (response := refused(request, error)) is not None:
            return response
        errors = settings.field_errors(request, error, NAMES)
        return await settings.show(request, principal, form=typed, errors=errors, status_code=422)
    # The secret is shown once, on this answer to the POST (never in an address or later).
    extra = {"secret": row.secret, "created": row}
    return await settings.show(request, principal, extra=extra)


async def _detail(
    request: Request,
    principal: Principal,
    endpoint: WebhookEndpoint,
    *,
    form: dict | None = None,
    errors: pages.Errors | None = None,
    secret: str = "",
    status_code: int = 200,
) -> Response:
    rows = await endpoints.deliveries(principal, endpoint.id).order_by("-id").limit(LOG_SIZE)
    attempts = await endpoints.attempts(principal, [r.id for r in rows])
    log = [
        {"row": r, "created": when(r.created_at), "delivered": when(r.delivered_at),
         "next": when(r.next_attempt_at),
         "attempts": [{"at": when(a.at), "row": a} for a in attempts[r.id]]}
        for r in rows
    ]  # fmt: skip
    return await view.render(
        request,
        principal,
        "console/webhook.html",
        {
            "endpoint": endpoint,
            "form": form or {"url": endpoint.url, "events": endpoint.events},
            "errors": errors or pages.Errors(),
            "events": settings.EVENTS,
            "log": log,
            "secret": secret,
            "log_size": LOG_SIZE,
            "updated": when(endpoint.updated_at),
        },
        status_code=status_code,
        page_path=f"/app/settings/webhooks/{endpoint.id}",
    )


@page("/app/settings/webhooks/{endpoint_id:int}")
async def detail(request: Request, principal: Principal) -> Response:
    endpoint = await endpoints.get(principal, request.path_params["endpoint_id"])
    return await _detail(request, principal, endpoint)


def _path(request: Request) -> str:
    return f"/app/settings/webhooks/{request.path_params['endpoint_id']}"


@action("/app/settings/webhooks/{endpoint_id:int}", "updateWebhookEndpoint", Permission.MANAGE)
async def update(request: Request, principal: Principal, form: FormData) -> Response:
    endpoint = await endpoints.get(principal, request.path_params["endpoint_id"])
    typed = {"url": pages.text(form, "url").strip(), "events": _events(form)}
    try:
        await endpoints.update(principal, endpoint.id, url=typed["url"], events=typed["events"])
    except DomainError as error:
        if (response := refused(request, error)) is not None:
            return response
        errors = settings.field_errors(request, error, NAMES)
        return await _detail(
            request, principal, endpoint, form=typed, errors=errors, status_code=422
        )
    return done(_path(request), "console.ok.webhook_saved")


@action(
    "/app/settings/webhooks/{endpoint_id:int}/enabled", "updateWebhookEndpoint", Permission.MANAGE
)
async def set_enabled(request: Request, principal: Principal, form: FormData) -> Response:
    enabled = pages.text(form, "enabled") == "1"
    await endpoints.update(principal, request.path_params["endpoint_id"], enabled=enabled)
    key = "console.ok.webhook_enabled" if enabled else "console.ok.webhook_disabled"
    return done(_path(request), key)


@action("/app/settings/webhooks/{endpoint_id:int}/rotate", "rotateWebhookSecret", Permission.MANAGE)
async def rotate(request: Request, principal: Principal, form: FormData) -> Response:
    endpoint = await endpoints.rotate_secret(principal, request.path_params["endpoint_id"])
    return await _detail(request, principal, endpoint, secret=endpoint.secret)


@action(
    "/app/settings/webhooks/{endpoint_id:int}/delete", "deleteWebhookEndpoint", Permission.MANAGE
)
async def delete(request: Request, principal: Principal, form: FormData) -> Response:
    """Deletes the endpoint and its log once the member ticked that it cannot be undone."""
    endpoint = await endpoints.get(principal, request.path_params["endpoint_id"])
    if not pages.checked(form, "confirm"):
        errors = pages.Errors(fields={"confirm": pages.message_for(request, "REQUIRED", "confirm")})
        return await _detail(request, principal, endpoint, errors=errors, status_code=422)
    await endpoints.delete(principal, endpoint.id)
    return done("/app/settings", "console.ok.webhook_deleted")


@action(
    "/app/settings/webhooks/{endpoint_id:int}/deliveries/{delivery_id:int}/redeliver",
    "redeliverWebhook",
    Permission.MANAGE,
)
async def redeliver(request: Request, principal: Principal, form: FormData) -> Response:
    endpoint = await endpoints.get(principal, request.path_params["endpoint_id"])
    delivery_id = request.path_params["delivery_id"]
    if not await endpoints.deliveries(principal, endpoint.id).filter(id=delivery_id).exists():
        raise NotFound("webhook delivery", ["deliveryId"])
    try:
        await endpoints.redeliver(principal, delivery_id)
    except DomainError as error:
        if (response := refused(request, error)) is not None:
            return response
        errors = settings.field_errors(request, error, {})
        return await _detail(request, principal, endpoint, errors=errors, status_code=409)
    return done(_path(request), "console.ok.webhook_redelivered")
