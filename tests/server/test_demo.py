"""`relay demo`: a network with an earned credit and matches, seeded idempotently, and the
calls it prints work."""

from __future__ import annotations

from relay import demo, demo_network
from server.models import Applicant, Candidate, CreditEntry, Introduction, MailMessage, Referral
from tests.fixtures.graphql import Caller


async def counts() -> dict[str, int]:
    models = (Applicant, Candidate, Referral, CreditEntry, MailMessage)
    return {m.__name__: await m.all().count() for m in models}


async def test_demo_seeds_a_network_once_and_its_printed_calls_work(client):
    # when
    first = await demo.seed(None)
    seeded = await counts()
    second = await demo.seed(first)

    # then: an earned credit and matches both ways, nothing doubled by the second run
    assert first.network.balances == {"aozora-tech": 1, "sakura-logistics": 0}
    assert first.network.matches["aozora-tech"] >= 5
    assert first.network.matches["sakura-logistics"] >= 8
    assert await counts() == seeded
    assert second.network.balances == first.network.balances
    assert second.network.matches == first.network.matches
    assert seeded["Candidate"] == 16 and seeded["Referral"] == 16
    printed = demo.describe(second, "http://relay.test")
    assert "aozora-tech        credits 1" in printed
    assert "requestIntroduction" in printed

    # the calls the printout suggests, in order
    caller = Caller(client, first.companies["aozora-tech"])
    steps = [query for _, query in demo_network.try_queries(first.network.openings["aozora-tech"])]
    viewer = await caller(steps[0])
    assert viewer["viewer"]["creditBalance"] == 1
    edges = (await caller(steps[1]))["matches"]["edges"]
    assert len(edges) == 5
    card = edges[0]["node"]["candidate"]["id"]
    requested = await caller(steps[2].replace("CANDIDATE_ID", card))
    assert requested["requestIntroduction"]["userErrors"] == []
    listed = (await caller(steps[3]))["introductions"]["edges"]
    assert [e["node"] for e in listed] == [{"status": "REQUESTED", "contact": None}]
    assert await Introduction.all().count() == 1
