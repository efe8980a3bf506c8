"""``/app/network``: each open opening's anonymised matches with why they match, requesting an
introduction for one credit (after a confirm step), and the company's introductions."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from server.applications import openings
from server.errors import DomainError, ErrorCode, NotFound
from server.models import Introduction, IntroductionStatus, Opening, OpeningStatus
from server.network import cards, explain, introductions, matching, scoring, tags
from server.principal import Principal
from web import pages
from web.console import view
from web.console.routing import action, done, page, refused

PREVIEW = 3  # matches shown per opening on the overview
PAGE_SIZE = 20
MAX_OPENINGS = 50
MAX_INTRODUCTIONS = 200
# Core refusals of a request, in the recruiter's words (keys of the catalogue).
REQUEST_ERRORS = {
    ErrorCode.INSUFFICIENT_CREDITS: "console.network.error_no_credit",
    ErrorCode.NOT_MATCHABLE: "console.network.error_not_matchable",
    ErrorCode.WRONG_STATE: "console.network.error_closed",
    ErrorCode.IDEMPOTENCY_KEY_REUSED: "console.network.error_resubmit",
}


@dataclass(frozen=True)
class Section:
    """One open opening with (some of) its matches."""

    opening: Opening
    matches: list[matching.Match]
    total: int
    why: dict[int, explain.Explanation]


async def _labels(request: Request, tag_ids) -> dict[int, str]:
    english = pages.lang(request) == "en"
    rows = await tags.by_ids(tag_ids)
    return {i: (r.label_en if english else r.label_ja) or r.slug for i, r in rows.items()}


def _tag_ids(matches: list[matching.Match]) -> set[int]:
    return {t for m in matches for t in (*m.candidate.tag_ids, *m.matched_tag_ids)}


async def _section(principal: Principal, opening: Opening, limit: int, after) -> Section:
    """One opening's best ``limit`` matches after the cursor, counted and explained."""
    rows = await matching.matches(principal, opening.id, limit, after)
    why = await explain.explain_many([(opening, rows)])
    total = await matching.count(principal, opening.id)
    return Section(opening, rows, total, why_of(why, opening, rows))


def why_of(why: dict, opening: Opening, rows: list[matching.Match]):
    return {m.candidate.id: why[opening.id, m.candidate.id] for m in rows}


@page("/app/network")
async def network_page(request: Request, principal: Principal) -> Response:
    rows = await (
        openings.scoped(principal)
        .filter(status=OpeningStatus.OPEN)
        .order_by("-id")
        .limit(MAX_OPENINGS)
    )
    found = await matching.overview(principal, [o.id for o in rows], PREVIEW)
    pages = [(o, found.get(o.id, (0, []))) for o in rows]
    why = await explain.explain_many([(o, matches) for o, (_, matches) in pages])
    sections = [Section(o, m, n, why_of(why, o, m)) for o, (n, m) in pages]
    labels = await _labels(request, {t for s in sections for t in _tag_ids(s.matches)})
    return await view.render(
        request,
        principal,
        "console/network.html",
        {"sections": sections, "labels": labels, "preview": PREVIEW},
        page_path="/app/network",
    )


def _cursor(value: str) -> tuple[float, int] | None:
    """``score:candidate id`` of the last match of the previous page; None when malformed."""
    score, _, candidate_id = value.partition(":")
    try:
        parsed = (float(score), int(candidate_id))
    except ValueError:
        return None
    return parsed if math.isfinite(parsed[0]) else None


@page("/app/network/openings/{opening_id:int}")
async def opening_page(request: Request, principal: Principal) -> Response:
    opening = await openings.get(principal, request.path_params["opening_id"])
    after = _cursor(request.query_params.get("after", ""))
    section = await _section(principal, opening, PAGE_SIZE + 1, after)
    shown = section.matches[:PAGE_SIZE]
    more = len(section.matches) > PAGE_SIZE
    return await view.render(
        request,
        principal,
        "console/network_opening.html",
        {
            "section": section,
            "shown": shown,
            "next": f"{shown[-1].score!r}:{shown[-1].candidate.id}" if more else "",
            "first_page": after is None,
            "labels": await _labels(request, _tag_ids(shown)),
        },
        page_path=f"/app/network/openings/{opening.id}",
    )


# --- requesting an introduction ------------------------------------------------------------


async def _visible_card(principal: Principal, candidate_id: int) -> cards.CardData:
    """The card of a candidate the company may see (matchable, or introduced); else NOT_FOUND."""
    candidate = await matching.card(principal, candidate_id)
    if candidate is None:
        raise NotFound("candidate", ["candidateId"])
    return cards.visible(candidate)


async def _match(opening: Opening, card: cards.CardData) -> matching.Match:
    terms = await scoring.terms(opening.tag_ids, opening.remote_ok)
    value, matched = scoring.score(terms, card.tag_ids)
    return matching.Match(card, value, matched)


def _confirm_path(opening_id: int, candidate_id: int) -> str:
    return f"/app/network/openings/{opening_id}/candidates/{candidate_id}"


async def _confirm_page(
    request: Request,
    principal: Principal,
    opening_id: int,
    candidate_id: int,
    *,
    errors: pages.Errors | None = None,
    status_code: int = 200,
) -> Response:
    opening = await openings.get(principal, opening_id)
    card = await _visible_card(principal, candidate_id)
    match = await _match(opening, card)
    earlier = await introductions.scoped(principal).filter(candidate_id=candidate_id).first()
    return await view.render(
        request,
        principal,
        "console/network_confirm.html",
        {
            "opening": opening,
            "match": match,
            "why": (await explain.explain(opening, [match]))[card.id],
            "labels": await _labels(request, _tag_ids([match])),
            "earlier": earlier,
            "is_open": opening.status == OpeningStatus.OPEN,
            # A fresh key per confirm page: submitting this form twice spends one credit.
            "idempotency_key": uuid.uuid4().hex,
            "errors": errors or pages.Errors(),
        },
        status_code=status_code,
        page_path=_confirm_path(opening_id, candidate_id),
    )


@page("/app/network/openings/{opening_id:int}/candidates/{candidate_id:int}")
async def confirm_page(request: Request, principal: Principal) -> Response:
    params = request.path_params
    return await _confirm_page(request, principal, params["opening_id"], params["candidate_id"])


@action(
    "/app/network/openings/{opening_id:int}/candidates/{candidate_id:int}/introduce",
    "requestIntroduction",
)
async def request_introduction(request: Request, principal: Principal, form: FormData) -> Response:
    opening_id, candidate_id = (
        request.path_params["opening_id"],
        request.path_params["candidate_id"],
    )
    await _visible_card(principal, candidate_id)
    key = pages.text(form, "idempotency_key").strip()[:200] or None
    try:
        await introductions.request(
            principal, opening_id, candidate_id, key, redis=request.app.state.redis
        )
    except DomainError as error:
        if (response := refused(request, error)) is not None:
            return response
        errors = _request_errors(request, error)
        return await _confirm_page(
            request, principal, opening_id, candidate_id, errors=errors, status_code=422
        )
    return done("/app/network/introductions", "console.ok.network_introduction_requested")


def _request_errors(request: Request, error: DomainError) -> pages.Errors:
    key = REQUEST_ERRORS.get(error.errors[0].code)
    if key is None:
        return pages.errors_from(request, error, set())
    return pages.Errors(page=[pages.t(request)(key)])


# --- introductions ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TimeLeft:
    key: str  # console.network.left_days / left_hours
    n: int


def time_left(introduction: Introduction, now: datetime) -> TimeLeft | None:
    """How long the candidate still has to answer (None once answered or past the date)."""
    if introduction.status != IntroductionStatus.REQUESTED:
        return None
    seconds = (introduction.expires_at - now).total_seconds()
    if seconds <= 0:
        return None
    if seconds >= 86400:
        return TimeLeft("console.network.left_days", int(seconds // 86400))
    return TimeLeft("console.network.left_hours", max(1, math.ceil(seconds / 3600)))


STATUSES = [s.value for s in IntroductionStatus]


@page("/app/network/introductions")
async def introductions_page(request: Request, principal: Principal) -> Response:
    return await _introductions_page(request, principal)


async def _introductions_page(
    request: Request,
    principal: Principal,
    *,
    errors: pages.Errors | None = None,
    status_code: int = 200,
) -> Response:
    status = request.query_params.get("status", "")
    query = introductions.scoped(principal).select_related("opening")
    if status in STATUSES:
        query = query.filter(status=IntroductionStatus(status))
    rows = await query.order_by("-id").limit(MAX_INTRODUCTIONS)
    ids = [r.id for r in rows]
    people = await introductions.introduced_candidates(principal, [r.candidate_id for r in rows])
    shown = {c.id: cards.visible(c) for c in people.values()}
    now = datetime.now(UTC)
    return await view.render(
        request,
        principal,
        "console/introductions.html",
        {
            "rows": rows,
            "cards": shown,
            "contacts": await introductions.contacts(principal, ids),
            "left": {r.id: time_left(r, now) for r in rows},
            "statuses": STATUSES,
            "status": status if status in STATUSES else "",
            "errors": errors or pages.Errors(),
        },
        status_code=status_code,
        page_path="/app/network/introductions",
    )


@action("/app/network/introductions/{introduction_id:int}/hired", "markIntroductionHired")
async def mark_hired(request: Request, principal: Principal, form: FormData) -> Response:
    try:
        await introductions.mark_hired(principal, request.path_params["introduction_id"])
    except DomainError as error:
        if (response := refused(request, error)) is not None:
            return response
        errors = pages.Errors(page=[pages.t(request)("console.network.error_not_accepted")])
        return await _introductions_page(request, principal, errors=errors, status_code=409)
    return done("/app/network/introductions", "console.ok.network_marked_hired")
