"""/c/{token}/keep|withdraw (consent reconfirmation) and the portal's pause form."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from server import tokens
from server.candidates import pause, reconfirm
from server.models import Candidate, Consent, TokenPurpose
from tests.fixtures.pool import link, make_company, make_member
from tests.web.candidate_helpers import (  # noqa: F401  (reset_rate_limits is autouse)
    csrf_from,
    post_form,
    reset_rate_limits,
)


async def _asked() -> tuple[Candidate, str]:
    now = datetime.now(UTC)
    company = await make_company("Xeno 株式会社")
    person = await make_member(company, "taro@example.jp", "python")
    await Consent.filter(candidate_id=person.id).update(created_at=now - timedelta(days=400))
    [message] = await reconfirm.ask_due(now)
    return person, link(message.body_text, "http://relay.test/c")


async def test_keep_link_shows_a_page_and_the_post_keeps_consent_once(client):
    person, token = await _asked()
    consents = await Consent.filter(candidate_id=person.id).count()

    page = await client.get(f"/c/{token}/keep")
    assert page.status_code == 200
    assert "Xeno 株式会社" in page.text and "引き続き同意する" in page.text
    assert await Consent.filter(candidate_id=person.id).count() == consents  # GET changes nothing

    form = {"csrf_token": csrf_from(page)}
    kept = await client.post(f"/c/{token}/keep", data=form)
    again = await client.post(f"/c/{token}/withdraw", data=form)

    assert kept.status_code == 200 and "ありがとうございます" in kept.text
    assert "回答済み" in again.text
    assert await Consent.filter(candidate_id=person.id).count() == consents + 2
    assert (await Candidate.get(id=person.id)).sharing


async def test_withdraw_link_withdraws(client):
    person, token = await _asked()

    response = await post_form(client, f"/c/{token}/withdraw", {})

    assert response.status_code == 200 and "同意を取り消しました" in response.text
    assert not (await Candidate.get(id=person.id)).sharing


async def test_unknown_answers_and_links_are_not_found(client):
    _, token = await _asked()

    assert (await client.get(f"/c/{token}/maybe")).status_code == 404
    assert (await client.get("/c/nope/keep")).status_code == 404


async def test_the_portal_pauses_and_resumes(client):
    company = await make_company("Xeno 株式会社")
    person = await make_member(company, "taro@example.jp", "python")
    raw = await tokens.issue(TokenPurpose.PORTAL, candidate_id=person.id)
    day = pause.local_today(datetime.now(UTC)) + timedelta(days=7)

    paused = await post_form(
        client, f"/me/{raw}/pause", {"until": day.isoformat()}, form_page=f"/me/{raw}"
    )

    assert paused.status_code == 303 and paused.headers["location"].endswith("?ok=pause")
    assert (await Candidate.get(id=person.id)).paused_until == pause.end_of(day)
    portal = await client.get(paused.headers["location"])
    assert f"{day.isoformat()}まで一時停止しています" in portal.text

    resumed = await post_form(client, f"/me/{raw}/pause", {"resume": "1"}, form_page=f"/me/{raw}")
    assert resumed.status_code == 303
    assert (await Candidate.get(id=person.id)).paused_until is None


async def test_a_bad_pause_day_is_a_form_message(client):
    company = await make_company("Xeno 株式会社")
    person = await make_member(company, "taro@example.jp", "python")
    raw = await tokens.issue(TokenPurpose.PORTAL, candidate_id=person.id)

    for bad in ("2020-01-01", "someday"):
        response = await post_form(
            client, f"/me/{raw}/pause", {"until": bad}, form_page=f"/me/{raw}"
        )
        assert response.status_code == 422
        assert 'id="pause-until-error"' in response.text
    assert (await Candidate.get(id=person.id)).paused_until is None
