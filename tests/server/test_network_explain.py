"""The console's reads of the network: every opening's matches in one statement, and the
rarity that explains a score."""

from __future__ import annotations

from server.companies import accounts
from server.models import TagWeight
from server.network import explain, matching, tags
from server.principal import Principal
from tests.fixtures.console import OPERATOR
from tests.web.console.network_data import network_company


async def _company(name: str) -> int:
    return (await accounts.create(OPERATOR, name)).company.id


async def test_the_overview_equals_matches_and_count_and_keeps_to_the_caller():
    mine, theirs = await _company("株式会社エー"), await _company("株式会社ビー")
    opening, people = await network_company(mine)
    caller, other = Principal(None, mine), Principal(None, theirs)

    found = await matching.overview(caller, [opening.id], 2)

    total, best = found[opening.id]
    assert total == await matching.count(caller, opening.id) == 4
    assert best == await matching.matches(caller, opening.id, 2)
    assert best[0].candidate.id == people[0].id
    assert await matching.overview(other, [opening.id], 2) == {}


async def test_rarity_reads_the_share_of_the_network_from_the_weights():
    await network_company(await _company("株式会社エー"))  # 8 sharing people
    rust, python, tokyo = await tags.resolve(["rust", "python", "tokyo"])

    found = await explain.rarities([rust.id, python.id, tokyo.id])

    assert (found[rust.id].carriers, found[rust.id].percent) == (1, 12)
    assert found[rust.id].rarity == explain.Rarity.UNCOMMON
    assert (found[tokyo.id].percent, found[tokyo.id].rarity) == (50, explain.Rarity.COMMON)
    assert found[python.id].percent == 100
    await TagWeight.filter(tag_id=rust.id).delete()  # a tag newer than the last refresh
    assert (await explain.rarities([rust.id]))[rust.id].rarity == explain.Rarity.RARE
