"""The console's report page: every number equals the GraphQL ``report`` of the same period,
and each table downloads as a CSV that Excel reads (UTF-8 with a byte-order mark)."""

from __future__ import annotations

import csv
import io
import re

from server.models import MemberRole
from tests.server.test_reports import CAMEL, FIELDS, REPORT, keyed, seed_history, variables

METRIC = re.compile(r'data-metric="([a-z_]+)">([^<]+)<')
RATE = re.compile(r'data-rate="([a-z_]+)" data-value="([^"]*)"')
PERIOD = "/app/reports?from=2026-03-02&to=2026-03-29"  # the days of [FROM, TO)


def _number(text: str) -> int:
    return int(text.replace(",", "").replace("¥", ""))


async def test_every_number_on_the_page_equals_the_graphql_report(client, console_member):
    _, companies = await seed_history()
    for company in companies:
        member = await console_member(MemberRole.VIEWER, company_id=company.id)
        page = await member.get(PERIOD)
        assert page.status_code == 200
        api = (await (await keyed(client, company))(REPORT + FIELDS, variables()))["report"]

        shown = {name: _number(value) for name, value in METRIC.findall(page.text)}
        assert shown.pop("estimated_savings_yen") == api["estimatedSavingsYen"]
        assert shown == {name: api["totals"][CAMEL[name]] for name in shown}
        assert len(shown) == len(CAMEL)
        rates = dict(RATE.findall(page.text))
        assert len(rates) == 7
        for name, value in rates.items():
            want = api["rates"][_camel(name)]
            assert (float(value) if value else None) == want, name
        for opening in api["openings"]:
            assert opening["title"] in page.text

        # the CSV of the totals has the same numbers, and a BOM for Excel
        download = await member.get(PERIOD.replace("/app/reports", "/app/reports/totals.csv"))
        assert download.content.startswith(b"\xef\xbb\xbf")
        assert download.headers["content-type"] == "text/csv; charset=utf-8"
        rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
        assert rows[0] == ["metric", "count"]
        assert {m: int(n) for m, n in rows[1:]} == {m: api["totals"][CAMEL[m]] for m in CAMEL}
        weekly = await member.get(PERIOD.replace("/app/reports", "/app/reports/weekly.csv"))
        week_rows = list(csv.reader(io.StringIO(weekly.content.decode("utf-8-sig"))))
        assert [r[0] for r in week_rows[1:]] == [w["weekStart"] for w in api["weekly"]]


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


async def test_a_period_that_cannot_be_read_shows_this_month_and_says_so(console_member):
    member = await console_member()
    for query in (
        "from=2026-13-01&to=2026-12-31",
        "from=2026-05-01&to=2026-04-01",
        "from=2000-01-01&to=2026-01-01",
        "from=9999-01-01&to=9999-12-31",
    ):
        page = await member.get(f"/app/reports?{query}")
        assert page.status_code == 200, query
        assert "今月分を表示しています" in page.text, query
    full_width = await member.get("/app/reports?from=２０２６-０３-０２&to=２０２６-０３-２９")
    assert "2026-03-02から2026-03-29まで" in full_width.text
    assert (await member.get("/app/reports/secrets.csv")).status_code == 404
