"""Network matching in the core: IDF ranking, the location rule, every exclusion applied when
the list is read, and the maintained match table kept up to date by the real arq worker."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
import pytest_asyncio
from arq.worker import Worker

from server.applications import openings
from server.candidates import consent, portal
from server.candidates import profiles as candidates
from server.models import (
    Applicant,
    Candidate,
    ConsentScope,
    Introduction,
    OpeningMatch,
    OpeningStatus,
    Referral,
    ReferralStatus,
)
from server.network import matching, scoring, tags, taxonomy
from server.principal import Principal
from tests.fixtures.graphql import OPERATOR
from workers.network import matching as matching_jobs
from workers.settings import CRON_JOBS, FUNCTIONS, worker_settings

pytestmark = pytest.mark.usefixtures("seeded", "empty_queue")


@pytest_asyncio.fixture
async def seeded():
    await taxonomy.seed()


@pytest_asyncio.fixture
async def empty_queue(redis, settings):
    await redis.delete(settings.queue_name)


async def company(name: str) -> Principal:
    from server.companies import accounts as companies

    created = await companies.create(OPERATOR, name)
    return Principal(created.api_key.id, created.company.id)


async def tag_ids(*texts: str) -> list[int]:
    return [t.id for t in await tags.resolve(texts)]


async def person(email: str, *texts: str, share: bool = True) -> Candidate:
    """A registered candidate with the given tags (slugs or free text) and network consent."""
    candidate = await Candidate.create(
        email=email,
        email_normalized=email,
        headline=f"{email} の見出し",
        experience_years=5,
        tag_ids=await tag_ids(*texts),
    )
    await consent.record(candidate, ConsentScope.NETWORK_SHARING, share, source="test")
    return candidate


async def opening(owner: Principal, *texts: str, remote_ok: bool = False) -> int:
    created = await openings.create(
        owner, "バックエンドエンジニア", "", list(texts), remote_ok=remote_ok
    )
    return created.id


async def build(opening_id: int) -> None:
    await scoring.refresh_weights()
    await matching.rebuild_opening(opening_id)


async def listed(owner: Principal, opening_id: int) -> list[int]:
    return [m.candidate.id for m in await matching.matches(owner, opening_id, 100)]


async def run_worker() -> Worker:
    worker = Worker(**worker_settings(burst=True, poll_delay=0, cron_jobs=[]))
    await worker.main()
    await worker.close()
    return worker


async def test_a_rare_skill_outranks_a_common_city():
    # given: many Tokyo candidates, one Rust candidate who works remotely from Osaka
    owner = await company("株式会社エー")
    for i in range(6):
        await person(f"tokyo{i}@example.jp", "tokyo", "excel")
    rustacean = await person("rust@example.jp", "rust", "osaka", "remote-ok")
    wanted = await opening(owner, "rust", "tokyo", "excel", remote_ok=True)

    # when
    await build(wanted)
    found = await matching.matches(owner, wanted, 100)

    # then: one rare skill beats two common tags; matched tags say why, heaviest first
    assert found[0].candidate.id == rustacean.id
    assert found[0].matched_tag_ids == await tag_ids("rust")
    assert found[0].score > found[1].score
    tokyo, excel = await tag_ids("tokyo", "excel")
    assert set(found[1].matched_tag_ids) == {tokyo, excel}
    assert len(found) == 7


async def test_weights_follow_how_many_candidates_carry_a_tag():
    for i in range(9):
        await person(f"p{i}@example.jp", "tokyo", *(["python"] if i < 3 else []))
    await scoring.refresh_weights()

    found = await scoring.terms(await tag_ids("tokyo", "python", "cobol"), remote_ok=True)

    weights = dict(found.tags)
    tokyo, python, cobol = await tag_ids("tokyo", "python", "cobol")
    assert weights[cobol] > weights[python] > weights[tokyo] > 0
    assert [t for t, _ in found.tags] == [cobol, python, tokyo]


async def test_an_on_site_opening_rules_out_other_locations_even_for_remote_candidates():
    owner = await company("株式会社エー")
    local = await person("local@example.jp", "python", "tokyo")
    remote = await person("remote@example.jp", "python", "osaka", "remote-ok")
    elsewhere = await person("osaka@example.jp", "python", "osaka")
    on_site = await opening(owner, "python", "tokyo", remote_ok=False)
    remote_ok = await opening(owner, "python", "tokyo", remote_ok=True)

    await build(on_site)
    await build(remote_ok)

    assert await listed(owner, on_site) == [local.id]
    assert set(await listed(owner, remote_ok)) == {local.id, remote.id}
    assert elsewhere.id not in await listed(owner, remote_ok)


async def test_an_opening_without_location_takes_any_location():
    owner = await company("株式会社エー")
    a = await person("a@example.jp", "python", "tokyo")
    b = await person("b@example.jp", "python", "osaka")
    wanted = await opening(owner, "python")

    await build(wanted)

    assert set(await listed(owner, wanted)) == {a.id, b.id}


async def test_required_categories_are_configurable(settings, monkeypatch):
    owner = await company("株式会社エー")
    engineer = await person("dev@example.jp", "python", "tokyo", "backend-engineer")
    other = await person("sales@example.jp", "python", "tokyo", "sales")
    wanted = await opening(owner, "python", "tokyo", "backend-engineer")
    monkeypatch.setattr(settings, "match_required_categories", ["LOCATION", "JOB_TYPE"])

    await build(wanted)

    assert await listed(owner, wanted) == [engineer.id]
    assert other.id not in await listed(owner, wanted)


async def test_candidates_without_network_consent_are_never_matched():
    owner = await company("株式会社エー")
    await person("private@example.jp", "python", "tokyo", share=False)
    wanted = await opening(owner, "python", "tokyo")

    await build(wanted)

    assert await listed(owner, wanted) == []


@pytest.mark.parametrize("rule", ["applicant", "referral", "introduced"])
async def test_a_company_never_sees_its_own_rejects_nor_those_introduced(rule):
    # given: a candidate matching openings of A and B, who is A's own (or introduced to A)
    a, b = await company("株式会社エー"), await company("B Corp")
    known = await person("known@example.jp", "python", "tokyo")
    stranger = await person("new@example.jp", "python", "tokyo")
    a_opening, b_opening = await opening(a, "python", "tokyo"), await opening(b, "python", "tokyo")
    await build(a_opening)
    await build(b_opening)
    assert set(await listed(a, a_opening)) == {known.id, stranger.id}

    # when
    if rule == "applicant":
        await Applicant.create(
            company_id=a.company_id, name="既知", email="KNOWN@example.jp",
            email_normalized="known@example.jp",
        )  # fmt: skip
    elif rule == "referral":
        await Referral.create(
            company_id=a.company_id, email_normalized="known@example.jp", token_hash="x" * 64,
            status=ReferralStatus.REGISTERED, expires_at=datetime.now(UTC), candidate=known,
        )  # fmt: skip
    else:
        await Introduction.create(
            company_id=a.company_id, opening_id=a_opening, candidate=known,
            expires_at=datetime.now(UTC) + timedelta(days=14),
        )  # fmt: skip

    # then: at once, without a rebuild; B still sees them
    assert await listed(a, a_opening) == [stranger.id]
    assert await matching.count(a, a_opening) == 1
    assert set(await listed(b, b_opening)) == {known.id, stranger.id}


async def test_withdrawing_consent_takes_the_candidate_out_at_once():
    owner = await company("株式会社エー")
    leaving = await person("leaving@example.jp", "python", "tokyo")
    wanted = await opening(owner, "python", "tokyo")
    await build(wanted)
    assert await listed(owner, wanted) == [leaving.id]

    await portal.set_consent(leaving.id, ConsentScope.NETWORK_SHARING, False)

    assert await listed(owner, wanted) == []


async def test_a_paused_candidate_is_out_until_the_pause_ends():
    owner = await company("株式会社エー")
    resting = await person("rest@example.jp", "python", "tokyo")
    wanted = await opening(owner, "python", "tokyo")
    await build(wanted)

    await Candidate.filter(id=resting.id).update(
        paused_until=datetime.now(UTC) + timedelta(days=30)
    )
    assert await listed(owner, wanted) == []

    # the pause ends by itself: no job runs, the row kept in the table shows again
    await Candidate.filter(id=resting.id).update(paused_until=datetime.now(UTC))
    assert await listed(owner, wanted) == [resting.id]


async def test_an_erased_candidate_is_out_at_once():
    owner = await company("株式会社エー")
    gone = await person("gone@example.jp", "python", "tokyo")
    wanted = await opening(owner, "python", "tokyo")
    await build(wanted)

    await candidates.erase(gone.id)

    assert await listed(owner, wanted) == []
    assert await matching.card(owner, gone.id) is None


async def test_another_companys_or_a_closed_opening_has_no_matches():
    a, b = await company("株式会社エー"), await company("B Corp")
    await person("p@example.jp", "python", "tokyo")
    wanted = await opening(a, "python", "tokyo")
    await build(wanted)

    assert await listed(b, wanted) == []
    assert await matching.count(b, wanted) == 0
    await openings.set_status(a, wanted, OpeningStatus.CLOSED)
    assert await listed(a, wanted) == []


async def test_pages_follow_score_then_candidate_id_without_gaps_or_repeats():
    owner = await company("株式会社エー")
    people = [await person(f"p{i}@example.jp", "python", "tokyo") for i in range(5)]
    people += [await person(f"q{i}@example.jp", "python", "tokyo", "rust") for i in range(3)]
    wanted = await opening(owner, "python", "tokyo", "rust")
    await build(wanted)

    seen, after = [], None
    while page := await matching.matches(owner, wanted, 3, after):
        seen += page
        after = (page[-1].score, page[-1].candidate.id)

    keys = [(m.score, m.candidate.id) for m in seen]
    assert keys == sorted(keys, reverse=True)
    assert [m.candidate.id for m in seen[:3]] == sorted((p.id for p in people[5:]), reverse=True)
    assert sorted(m.candidate.id for m in seen) == sorted(p.id for p in people)


async def test_the_list_keeps_the_best_candidates_up_to_its_size():
    owner = await company("株式会社エー")
    for i in range(4):
        await person(f"p{i}@example.jp", "python", "tokyo")
    best = await person("best@example.jp", "python", "tokyo", "rust")
    wanted = await opening(owner, "python", "tokyo", "rust")
    await scoring.refresh_weights()

    kept = await matching.rebuild_opening(wanted, limit=2)

    assert kept == 2
    assert (await listed(owner, wanted))[0] == best.id
    assert await OpeningMatch.filter(opening_id=wanted).count() == 2


async def test_a_new_opening_is_matched_by_the_worker(redis):
    # given
    owner = await company("株式会社エー")
    fit = await person("fit@example.jp", "python", "tokyo")
    await scoring.refresh_weights()

    # when: created through the core, which queues the rebuild after the commit
    created = await openings.create(owner, "Python開発", "", ["Python", "東京"], redis=redis)
    assert await listed(owner, created.id) == []
    worker = await run_worker()

    # then
    assert worker.jobs_failed == 0
    assert await listed(owner, created.id) == [fit.id]


async def test_an_updated_opening_is_rematched_by_the_worker(redis):
    owner = await company("株式会社エー")
    pythonista = await person("py@example.jp", "python", "tokyo")
    gopher = await person("go@example.jp", "go", "osaka")
    wanted = await opening(owner, "python", "tokyo")
    await build(wanted)
    assert await listed(owner, wanted) == [pythonista.id]

    await openings.update(owner, wanted, tag_texts=["go", "osaka"], redis=redis)
    await run_worker()

    assert await listed(owner, wanted) == [gopher.id]
    assert pythonista.id not in await listed(owner, wanted)


async def test_a_profile_change_updates_the_matches(redis):
    # given: a candidate not matching, then editing the profile in the portal
    owner = await company("株式会社エー")
    wanted = await opening(owner, "python", "tokyo")
    await build(wanted)
    changing = await person("change@example.jp", "excel", "tokyo")
    assert await listed(owner, wanted) == []

    # when
    data = candidates.ProfileInput(
        display_name="変更 太郎", headline="Python を始めました", experience_years="3",
        skills="Python", locations="東京都",
    )  # fmt: skip
    await portal.update_profile(changing.id, data, redis=redis)
    worker = await run_worker()

    # then
    assert worker.jobs_failed == 0
    found = await matching.matches(owner, wanted, 10)
    assert [m.candidate.id for m in found] == [changing.id]
    assert found[0].candidate.headline == "Python を始めました"
    assert set(found[0].matched_tag_ids) == set(await tag_ids("python", "tokyo"))

    # and a move to Osaka (the opening is on-site in Tokyo) takes them out again
    data.locations = "大阪府"
    await portal.update_profile(changing.id, data, redis=redis)
    await run_worker()
    assert await listed(owner, wanted) == []


async def test_granting_consent_again_brings_the_candidate_back(redis):
    owner = await company("株式会社エー")
    returning = await person("back@example.jp", "python", "tokyo", share=False)
    wanted = await opening(owner, "python", "tokyo")
    await build(wanted)
    assert await listed(owner, wanted) == []

    await portal.set_consent(returning.id, ConsentScope.NETWORK_SHARING, True, redis=redis)
    await run_worker()

    assert await listed(owner, wanted) == [returning.id]


async def test_a_candidate_patch_gives_the_same_score_as_a_rebuild():
    owner = await company("株式会社エー")
    for i in range(3):
        await person(f"p{i}@example.jp", "python", "tokyo", "docker")
    late = await person("late@example.jp", "python", "tokyo", "docker", "rust")
    wanted = await opening(owner, "python", "tokyo", "docker", "rust")
    await build(wanted)
    rebuilt = {m.candidate.id: m.score for m in await matching.matches(owner, wanted, 10)}

    await OpeningMatch.filter(candidate_id=late.id).delete()
    await matching.update_candidate(late.id)
    patched = {m.candidate.id: m.score for m in await matching.matches(owner, wanted, 10)}

    assert patched == rebuilt


async def test_jobs_are_safe_to_run_twice():
    owner = await company("株式会社エー")
    one = await person("one@example.jp", "python", "tokyo")
    wanted = await opening(owner, "python", "tokyo")
    await build(wanted)

    await matching.rebuild_opening(wanted)
    await matching.update_candidate(one.id)
    await matching.update_candidate(one.id)

    assert await OpeningMatch.filter(opening_id=wanted).count() == 1


async def test_rebuilds_and_patches_running_at_once_agree():
    # given: two candidates, one of them editing their profile while the opening is rebuilt
    owner = await company("株式会社エー")
    steady = await person("steady@example.jp", "python", "tokyo")
    moving = await person("moving@example.jp", "excel", "tokyo")
    wanted = await opening(owner, "python", "tokyo", "rust")
    await scoring.refresh_weights()
    await Candidate.filter(id=moving.id).update(tag_ids=await tag_ids("python", "rust", "tokyo"))

    # when: separate connections, interleaved
    await asyncio.gather(
        *(matching.rebuild_opening(wanted) for _ in range(3)),
        *(matching.update_candidate(moving.id) for _ in range(3)),
        matching.update_candidate(steady.id),
    )

    # then: one row each, the edit included
    assert await listed(owner, wanted) == [moving.id, steady.id]
    assert await OpeningMatch.filter(opening_id=wanted).count() == 2


async def test_the_sweeper_rebuilds_what_redis_lost_and_drops_closed_openings(redis):
    # given: openings whose rebuild jobs were lost, and a closed one still holding rows
    owner = await company("株式会社エー")
    await person("p@example.jp", "python", "tokyo")
    lost = await opening(owner, "python", "tokyo")
    closed = await opening(owner, "python", "tokyo")
    await build(closed)
    await openings.set_status(owner, closed, OpeningStatus.CLOSED)

    # when
    queued = await matching_jobs.sweep_matches({"redis": redis})
    await run_worker()

    # then
    assert queued == 1
    assert len(await listed(owner, lost)) == 1
    assert await OpeningMatch.filter(opening_id=closed).count() == 0
    assert await matching.stale_openings() == []


def test_the_worker_runs_the_matching_jobs_and_a_unique_sweeper():
    assert {
        matching_jobs.match_opening,
        matching_jobs.match_candidate,
        matching_jobs.sweep_matches,
    } <= set(FUNCTIONS)
    assert matching_jobs.SWEEP_MATCHES_CRON in CRON_JOBS
    assert matching_jobs.SWEEP_MATCHES_CRON.unique
