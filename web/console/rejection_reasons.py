"""``/app/applications/reasons``: the company's catalogue of rejection reasons (everyone sees
it; ``Permission.MANAGE`` adds, renames and (de)activates entries)."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from server.applications import reasons
from server.errors import DomainError
from server.models import RejectionKind
from server.principal import Permission, Principal
from web import pages
from web.console import view
from web.console.routing import action, done, page, refused

PATH = "/app/applications/reasons"
KIND_KEYS = {
    RejectionKind.WE_REJECTED: "console.applications.kind_we_rejected",
    RejectionKind.CANDIDATE_WITHDREW: "console.applications.kind_candidate_withdrew",
}
# Form names of the core's fields (its errors name nameJa / nameEn).
FIELDS = {"nameJa": "name_ja", "nameEn": "name_en"}


async def _page(
    request: Request,
    principal: Principal,
    *,
    form: dict | None = None,
    errors: pages.Errors | None = None,
    status_code: int = 200,
) -> Response:
    await reasons.ensure_defaults(principal.require_company())
    return await view.render(
        request,
        principal,
        "console/rejection_reasons.html",
        {
            "reasons": await reasons.scoped(principal).order_by("-active", "id"),
            "kinds": KIND_KEYS,
            "form": form or {"name_ja": "", "name_en": "", "kind": "WE_REJECTED"},
            "errors": errors or pages.Errors(),
        },
        status_code=status_code,
        page_path=PATH,
    )


@page(PATH)
async def reasons_page(request: Request, principal: Principal) -> Response:
    return await _page(request, principal)


def _errors(request: Request, error: DomainError) -> pages.Errors:
    found = pages.errors_from(request, error, set(FIELDS))
    found.fields = {FIELDS[k]: v for k, v in found.fields.items()}
    return found


def _kind(form: FormData) -> RejectionKind:
    value = pages.text(form, "kind")
    return RejectionKind(value) if value in RejectionKind.__members__ else RejectionKind.WE_REJECTED


@action(f"{PATH}/add", "upsertRejectionReason", Permission.MANAGE)
async def add(request: Request, principal: Principal, form: FormData) -> Response:
    values = {k: pages.text(form, k).strip() for k in ("name_ja", "name_en", "kind")}
    try:
        await reasons.add(
            principal,
            name_ja=values["name_ja"],
            name_en=values["name_en"],
            kind=_kind(form),
            offers_invitation=pages.checked(form, "offers_invitation"),
        )
    except DomainError as error:
        return await _page(
            request, principal, form=values, errors=_errors(request, error), status_code=422
        )
    return done(PATH, "console.ok.applications_reason_added")


@action(PATH + "/{reason_id:int}", "upsertRejectionReason", Permission.MANAGE)
async def rename(request: Request, principal: Principal, form: FormData) -> Response:
    try:
        await reasons.change(
            principal,
            request.path_params["reason_id"],
            name_ja=pages.text(form, "name_ja"),
            name_en=pages.text(form, "name_en"),
            offers_invitation=pages.checked(form, "offers_invitation"),
        )
    except DomainError as error:
        if (response := refused(request, error)) is not None:
            return response
        return await _page(request, principal, errors=_errors(request, error), status_code=422)
    return done(PATH, "console.ok.applications_reason_renamed")


@action(PATH + "/{reason_id:int}/active", "upsertRejectionReason", Permission.MANAGE)
async def set_active(request: Request, principal: Principal, form: FormData) -> Response:
    active = pages.text(form, "active") == "1"
    await reasons.change(principal, request.path_params["reason_id"], active=active)
    ok = "console.ok.applications_reason_activated" if active else None
    return done(PATH, ok or "console.ok.applications_reason_deactivated")
