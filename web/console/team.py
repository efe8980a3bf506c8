"""Members and API keys (``Permission.MANAGE`` changes them; everyone signed in sees them)."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from server.companies import api_keys, members
from server.errors import DomainError
from server.mail import outbox
from server.models import MemberRole
from server.principal import Permission, Principal
from web import pages
from web.console import view
from web.console.routing import action, done, page, refused

ROLES = [r.value for r in MemberRole]


async def _members_page(
    request: Request,
    principal: Principal,
    *,
    form: dict | None = None,
    errors: pages.Errors | None = None,
    status_code: int = 200,
) -> Response:
    rows = await members.scoped(principal).order_by("id")
    return await view.render(
        request,
        principal,
        "console/members.html",
        {
            "members": rows,
            "roles": ROLES,
            "form": form or {"email": "", "name": "", "role": MemberRole.RECRUITER.value},
            "errors": errors or pages.Errors(),
        },
        status_code=status_code,
        page_path="/app/members",
    )


@page("/app/members")
async def members_page(request: Request, principal: Principal) -> Response:
    return await _members_page(request, principal)


def _role(form: FormData) -> MemberRole | None:
    value = pages.text(form, "role")
    return MemberRole(value) if value in ROLES else None


@action("/app/members/invite", "inviteMember", Permission.MANAGE)
async def invite(request: Request, principal: Principal, form: FormData) -> Response:
    values = {k: pages.text(form, k).strip() for k in ("email", "name", "role")}
    role = _role(form) or MemberRole.RECRUITER
    try:
        member = await members.invite(principal, values["email"], values["name"], role)
    except DomainError as error:
        errors = pages.errors_from(request, error, {"email", "name", "role"})
        return await _members_page(request, principal, form=values, errors=errors, status_code=422)
    await _send_now(request, member.id)
    return done("/app/members", "console.ok.member_invited")


async def _send_now(request: Request, member_id: int) -> None:
    """The invitation leaves now rather than at the next sweep."""
    await outbox.enqueue_send(request.app.state.redis, await members.pending_mails(member_id))


@action("/app/members/{member_id:int}/role", "changeMemberRole", Permission.MANAGE)
async def change_role(request: Request, principal: Principal, form: FormData) -> Response:
    role = _role(form)
    if role is None:
        return done("/app/members", "console.ok.nothing_changed")
    try:
        await members.change_role(principal, request.path_params["member_id"], role)
    except DomainError as error:
        return await _refused(request, principal, error)
    return done("/app/members", "console.ok.member_role_changed")


@action("/app/members/{member_id:int}/remove", "removeMember", Permission.MANAGE)
async def remove(request: Request, principal: Principal, form: FormData) -> Response:
    try:
        await members.remove(principal, request.path_params["member_id"])
    except DomainError as error:
        return await _refused(request, principal, error)
    return done("/app/members", "console.ok.member_removed")


@action("/app/members/{member_id:int}/reinvite", "resendInvitation", Permission.MANAGE)
async def reinvite(request: Request, principal: Principal, form: FormData) -> Response:
    try:
        member = await members.resend_invitation(principal, request.path_params["member_id"])
    except DomainError as error:
        return await _refused(request, principal, error)
    await _send_now(request, member.id)
    return done("/app/members", "console.ok.member_reinvited")


async def _refused(request: Request, principal: Principal, error: DomainError) -> Response:
    if (response := refused(request, error)) is not None:
        return response
    errors = pages.errors_from(request, error, set())
    return await _members_page(request, principal, errors=errors, status_code=422)


async def _keys_page(
    request: Request,
    principal: Principal,
    *,
    secret: str = "",
    errors: pages.Errors | None = None,
    status_code: int = 200,
) -> Response:
    rows = await api_keys.scoped(principal).order_by("-id")
    return await view.render(
        request,
        principal,
        "console/keys.html",
        {"keys": rows, "secret": secret, "errors": errors or pages.Errors(), "name": ""},
        status_code=status_code,
        page_path="/app/keys",
    )


@page("/app/keys")
async def keys_page(request: Request, principal: Principal) -> Response:
    return await _keys_page(request, principal)


@action("/app/keys/create", "createApiKey", Permission.MANAGE)
async def create_key(request: Request, principal: Principal, form: FormData) -> Response:
    try:
        _, raw = await api_keys.create(principal, pages.text(form, "name"))
    except DomainError as error:
        errors = pages.errors_from(request, error, {"name"})
        return await _keys_page(request, principal, errors=errors, status_code=422)
    # Shown once, on this answer to the POST (never in an address or a later page).
    return await _keys_page(request, principal, secret=raw)


@action("/app/keys/{key_id:int}/revoke", "revokeApiKey", Permission.MANAGE)
async def revoke_key(request: Request, principal: Principal, form: FormData) -> Response:
    await api_keys.revoke(principal, request.path_params["key_id"])
    return done("/app/keys", "console.ok.key_revoked")
