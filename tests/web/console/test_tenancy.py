"""Tenancy of the whole console: a member of company A walks every console route that takes
an id, GET and POST, with company B's ids, and gets 404 and changes nothing of B's.

Every ``{param}`` a console route takes must have one of B's objects below, so a new route is
walked as soon as it exists.
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime, timedelta

from starlette.routing import compile_path
from tortoise import connections

from server.models import (
    Application,
    Company,
    ImportUpload,
    Introduction,
    MemberRole,
    RejectionReason,
    WebhookDelivery,
    WebhookEndpoint,
)
from server.pool import notes
from server.principal import Principal
from tests.fixtures.pool import make_member, make_opening
from tests.web.console.network_data import network_company
from tests.web.console.test_applications import seed as seed_applications
from tests.web.console.test_network import request_from_console
from web.console.routing import ROUTES

# Parameters that name no object of a company: walked with a valid value of their own.
NOT_IDS = {"locale": "ja", "table": "totals"}
# B's tables, dumped before and after the walk.
TABLES = (
    "opening",
    "application",
    "application_event",
    "rejection_reason",
    "member",
    "api_key",
    "introduction",
    "credit_entry",
    "pool_note",
    "mail_message",
    "webhook_endpoint",
    "webhook_delivery",
    "import_upload",
    "company",
)
FORM = {
    "role": "VIEWER",
    "idempotency_key": "tenancy",
    "note": "他社のメモ",
    "status": "IN_REVIEW",
    "reason": "other",
    "active": "0",
    "enabled": "0",
    "confirm": "1",
    "url": "https://example.com/hook",
    "title": "他社の求人",
}


async def _company_b(console_member) -> tuple[dict[str, int | str], int]:
    """Company B with one object behind every kind of id the console's routes take."""
    owner = await console_member(MemberRole.OWNER)
    company_id = owner.company_id
    principal = Principal(api_key_id=None, company_id=company_id)
    company = await Company.get(id=company_id)
    opening, people = await network_company(company_id, credit=3)
    await request_from_console(owner, opening.id, people[0].id)
    pool_person = await make_member(
        company, "pool@example.jp", "python", opening=await make_opening(company, "営業", "python")
    )
    note = await notes.add(principal, pool_person.id, "B社のメモ", datetime.now(UTC))
    _, [application] = await seed_applications(company_id, [("他社 太郎", "b@example.jp")])
    endpoint = await WebhookEndpoint.create(
        company_id=company_id, url="https://example.com/b", events=[], secret="whsec_b"
    )
    now = datetime.now(UTC)
    delivery = await WebhookDelivery.create(
        endpoint=endpoint,
        company_id=company_id,
        message_id="msg_b",
        event_type="referral.qualified",
        payload="{}",
        next_attempt_at=now,
        retry_until=now + timedelta(days=1),
        created_at=now,
    )
    upload = await ImportUpload.create(
        token=secrets.token_urlsafe(24),
        company_id=company_id,
        filename="b.csv",
        content=b"name,email\n",
        expires_at=now + timedelta(hours=1),
    )
    ids = {
        "application_id": (await Application.get(id=application.id)).id,
        "opening_id": opening.id,
        "candidate_id": pool_person.id,
        "introduction_id": (await Introduction.get(company_id=company_id)).id,
        "note_id": note.id,
        "reason_id": (await RejectionReason.filter(company_id=company_id).first()).id,
        "member_id": owner.member_id,
        "key_id": (await company.api_keys.all().first()).id,
        "endpoint_id": endpoint.id,
        "delivery_id": delivery.id,
        "token": upload.token,
    }
    return ids, company_id


async def _dump(company_id: int) -> str:
    conn = connections.get("default")
    rows = {}
    for table in TABLES:
        column = "id" if table == "company" else "company_id"
        rows[table] = await conn.execute_query_dict(
            f'SELECT * FROM "{table}" WHERE {column} = $1 ORDER BY id', [company_id]
        )
    return json.dumps(rows, default=str, sort_keys=True)


def _walks() -> list[tuple[str, str, list[str]]]:
    walks = []
    for route in ROUTES:
        _, _, params = compile_path(route.path)
        names = [n for n in params if n not in NOT_IDS]
        if names:
            for method in sorted(route.methods - {"HEAD"}):
                walks.append((method, route.path, names))
    return walks


async def test_every_route_with_another_companys_ids_gets_404_and_changes_nothing(
    console_member, redis
):
    ids, company_b = await _company_b(console_member)
    member_a = await console_member(MemberRole.OWNER)
    before = await _dump(company_b)

    walks = _walks()
    assert len(walks) >= 30
    answers = {}
    for method, path, names in walks:
        missing = [n for n in names if n not in ids]
        assert not missing, f"no object of company B for {missing} in {path}"
        url = _fill(path, ids)
        if method == "GET":
            answer = await member_a.get(url)
        else:
            answer = await member_a.post(url, FORM, form_page="/app")
        answers[f"{method} {url}"] = answer.status_code

    assert {walk: code for walk, code in answers.items() if code != 404} == {}
    assert await _dump(company_b) == before

    # the walk's addresses are right: with A's own ids the same pages answer
    _, [own] = await seed_applications(member_a.company_id, [("自社 花子", "a@example.jp")])
    page = await member_a.get(
        _fill("/app/applications/{application_id:int}", {"application_id": own.id})
    )
    assert page.status_code == 200 and "自社 花子" in page.text


def _fill(path: str, ids: dict) -> str:
    for name, value in {**ids, **NOT_IDS}.items():
        path = path.replace(f"{{{name}:int}}", str(value)).replace(f"{{{name}}}", str(value))
    return path
