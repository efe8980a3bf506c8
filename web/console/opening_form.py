"""The opening form (``/app/openings/new``, ``/app/openings/{id}/edit``): title, description,
tags and remote work. 「確認」 shows what the typed tags become (NFKC, synonyms, category,
new tags) before anything is saved, with the same rules as saving; no script needed."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from server.applications import openings
from server.errors import DomainError, ErrorCode
from server.models import Opening
from server.network import tag_preview, tags
from server.principal import Permission, Principal
from server.text import split_list
from web import pages
from web.console import view
from web.console.openings import CATEGORY_LABELS
from web.console.routing import action, done, page, refused

FIELDS = {"title", "description", "tags"}
MATCH_LABELS = {
    tag_preview.Match.LABEL.value: "console.openings.match.LABEL",
    tag_preview.Match.SYNONYM.value: "console.openings.match.SYNONYM",
    tag_preview.Match.NEW.value: "console.openings.match.NEW",
}
# Messages that say the limit, where the shared ones (errors.<CODE>) do not.
TOO_LONG = {
    "title": "console.openings.title_too_long",
    "description": "console.openings.description_too_long",
    "tags": "console.openings.tags_too_long",
}


@dataclass
class OpeningForm:
    title: str = ""
    description: str = ""
    tags: str = ""
    remote_ok: bool = True
    tags_before: str = ""  # the tags as the form showed them: unchanged ones are kept
    idempotency_key: str = ""

    @classmethod
    def posted(cls, form: FormData) -> OpeningForm:
        return cls(
            title=pages.text(form, "title"),
            description=pages.text(form, "description"),
            tags=pages.text(form, "tags"),
            remote_ok=pages.checked(form, "remote_ok"),
            tags_before=pages.text(form, "tags_before"),
            idempotency_key=pages.text(form, "idempotency_key")[:100],
        )

    def tag_texts(self) -> list[str]:
        return split_list(self.tags)


def _errors(request: Request, error: DomainError) -> pages.Errors:
    errors = pages.errors_from(request, error, FIELDS)
    translate = pages.t(request)
    for item in error.errors:
        name = item.field[0] if item.field else ""
        if item.code == ErrorCode.TOO_LONG and name in TOO_LONG:
            errors.fields[name] = translate(
                TOO_LONG[name],
                max_title=openings.MAX_TITLE,
                max_description=f"{openings.MAX_DESCRIPTION:,}",
                max_tags=openings.MAX_TAGS,
                max_tag_length=tags.MAX_TAG_LENGTH,
            )
    return errors


async def _render(
    request: Request,
    principal: Principal,
    form: OpeningForm,
    *,
    opening: Opening | None = None,
    preview: list[tag_preview.Item] | None = None,
    errors: pages.Errors | None = None,
    status_code: int = 200,
) -> Response:
    path = f"/app/openings/{opening.id}/edit" if opening else "/app/openings/new"
    return await view.render(
        request,
        principal,
        "console/opening_form.html",
        {
            "form": form,
            "opening": opening,
            "action_path": path,
            "preview": preview,
            "errors": errors or pages.Errors(),
            "categories": CATEGORY_LABELS,
            "matches": MATCH_LABELS,
            "max_tags": openings.MAX_TAGS,
        },
        status_code=status_code,
        page_path=path,
    )


async def _preview(
    request: Request, principal: Principal, form: OpeningForm, opening: Opening | None
) -> Response:
    try:
        shown = await tag_preview.preview(form.tags)
    except DomainError as error:
        errors = _errors(request, error)
        return await _render(
            request, principal, form, opening=opening, errors=errors, status_code=422
        )
    return await _render(request, principal, form, opening=opening, preview=shown)


async def _failed(
    request: Request,
    principal: Principal,
    form: OpeningForm,
    opening: Opening | None,
    error: DomainError,
) -> Response:
    if (response := refused(request, error)) is not None:
        return response
    try:
        shown = await tag_preview.preview(form.tags)
    except DomainError:
        shown = None
    errors = _errors(request, error)
    return await _render(
        request, principal, form, opening=opening, preview=shown, errors=errors, status_code=422
    )


@page("/app/openings/new")
async def new_page(request: Request, principal: Principal) -> Response:
    principal.require(Permission.WRITE)
    form = OpeningForm(idempotency_key=secrets.token_urlsafe(16))
    return await _render(request, principal, form)


@action("/app/openings/new", "createOpening", Permission.WRITE)
async def create(request: Request, principal: Principal, form_data: FormData) -> Response:
    form = OpeningForm.posted(form_data)
    form.idempotency_key = form.idempotency_key or secrets.token_urlsafe(16)
    if pages.text(form_data, "step") == "preview":
        return await _preview(request, principal, form, None)
    try:
        opening = await openings.create(
            principal,
            form.title,
            form.description,
            form.tag_texts(),
            remote_ok=form.remote_ok,
            idempotency_key=form.idempotency_key,
            redis=request.app.state.redis,
        )
    except DomainError as error:
        if error.errors[0].code == ErrorCode.IDEMPOTENCY_KEY_REUSED:
            return await _sent_before(request, principal, form)
        return await _failed(request, principal, form, None, error)
    return done(f"/app/openings/{opening.id}", "console.ok.opening_created")


async def _sent_before(request: Request, principal: Principal, form: OpeningForm) -> Response:
    """This form already made an opening and now says something else (back, edit, send):
    a fresh key, so that sending it once more makes a second opening, knowingly."""
    form.idempotency_key = secrets.token_urlsafe(16)
    errors = pages.Errors(page=[pages.t(request)("console.openings.sent_before")])
    return await _render(request, principal, form, errors=errors, status_code=409)


async def tags_text(request: Request, opening: Opening) -> str:
    """The opening's tags as the form shows them: labels in the reader's language."""
    rows = await tags.by_ids(opening.tag_ids)
    english = pages.lang(request) == "en"
    labels = [
        (row.label_en if english else row.label_ja) or row.label_ja
        for i in opening.tag_ids
        if (row := rows.get(i)) is not None
    ]
    return ("," if english else "、").join(labels)


@page("/app/openings/{opening_id:int}/edit")
async def edit_page(request: Request, principal: Principal) -> Response:
    principal.require(Permission.WRITE)
    opening = await openings.get(principal, request.path_params["opening_id"])
    shown = await tags_text(request, opening)
    form = OpeningForm(opening.title, opening.description, shown, opening.remote_ok, shown)
    return await _render(request, principal, form, opening=opening)


@action("/app/openings/{opening_id:int}/edit", "updateOpening", Permission.WRITE)
async def update(request: Request, principal: Principal, form_data: FormData) -> Response:
    opening = await openings.get(principal, request.path_params["opening_id"])
    form = OpeningForm.posted(form_data)
    if pages.text(form_data, "step") == "preview":
        return await _preview(request, principal, form, opening)
    changed_tags = form.tags != form.tags_before
    try:
        await openings.update(
            principal,
            opening.id,
            title=form.title,
            description=form.description,
            tag_texts=form.tag_texts() if changed_tags else None,
            remote_ok=form.remote_ok,
            redis=request.app.state.redis,
        )
    except DomainError as error:
        return await _failed(request, principal, form, opening, error)
    return done(f"/app/openings/{opening.id}", "console.ok.opening_updated")
