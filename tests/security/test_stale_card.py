"""Issue 11 item 5: once a candidate stops sharing, a company sees at most the card it was
given when they last shared, never later edits."""

from __future__ import annotations

from server.candidates import portal
from server.candidates import profiles as candidates
from server.models import ConsentScope
from tests.schema.test_introductions import REQUEST, asking, gid, open_opening
from tests.server.test_introductions import give_credits, network_candidate

CARD = """
query($id: ID!) { node(id: $id) { ... on CandidateCard { headline experienceYears } } }
"""
LISTED = "{ introductions { edges { node { candidate { headline experienceYears } } } } }"
EDITED = candidates.ProfileInput(
    display_name="佐藤 花子", headline="新しい肩書き 非公開", experience_years="9"
)


async def test_after_withdrawal_a_company_reads_the_last_shared_card_not_later_edits(company_a):
    # given a candidate introduced to company A, who then stops sharing and edits the profile
    await give_credits(company_a.company_id, 1)
    opening_id = await open_opening(company_a.company_id)
    candidate = await network_candidate()
    requested = await company_a(REQUEST, asking(opening_id, candidate.id))
    assert requested["requestIntroduction"]["userErrors"] == []
    await portal.set_consent(candidate.id, ConsentScope.NETWORK_SHARING, False)
    await portal.update_profile(candidate.id, EDITED)

    # when
    by_node = await company_a(CARD, {"id": gid("CandidateCard", candidate.id)})
    listed = await company_a(LISTED)

    # then
    shared = {"headline": "データエンジニア", "experienceYears": 4}
    assert by_node["node"] == shared
    assert listed["introductions"]["edges"][0]["node"]["candidate"] == shared


async def test_edits_while_sharing_show_and_sharing_again_shows_the_new_card(company_a):
    await give_credits(company_a.company_id, 1)
    opening_id = await open_opening(company_a.company_id)
    candidate = await network_candidate()
    await company_a(REQUEST, asking(opening_id, candidate.id))
    await portal.update_profile(candidate.id, EDITED)
    await portal.set_consent(candidate.id, ConsentScope.NETWORK_SHARING, False)

    withdrawn = await company_a(CARD, {"id": gid("CandidateCard", candidate.id)})
    await portal.set_consent(candidate.id, ConsentScope.NETWORK_SHARING, True)
    shared_again = await company_a(CARD, {"id": gid("CandidateCard", candidate.id)})

    edited = {"headline": "新しい肩書き 非公開", "experienceYears": 9}
    assert withdrawn["node"] == edited
    assert shared_again["node"] == edited
