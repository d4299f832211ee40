"""The dashboard over HTTP (the app in-process, the real store): a login link opens a session,
a user sees only their tenants' advertisers, the overview shows the warehouse's numbers, the
charts and the change history linked to Temporal, and exports download."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from pydantic import SecretStr

from dashboard.app import create_app
from dashboard.auth import dashboard_key, login_token
from models.recovery_tables import AlertRow
from models.tables import ChangeLogRow
from models.warehouse_tables import DailyStatRow
from settings import Settings
from store import Store, access

SETTINGS = Settings(change_log_key=SecretStr("dashboard-test"), dashboard_secret=SecretStr("s3cret"))


@pytest.fixture
async def seeded(store: Store) -> AsyncIterator[dict[str, str]]:
    tag = uuid.uuid4().hex[:6]
    ids = {"tag": tag, "tenant": f"t-{tag}", "other": f"o-{tag}", "user": f"viewer-{tag}@demo.example",
           "adv": f"7{int(tag, 16):018d}"[:19], "foreign": f"8{int(tag, 16):018d}"[:19]}  # fmt: skip
    async with store.session() as session:
        await access.grant(session, ids["user"], ids["tenant"], "Viewer")
        await access.assign_advertiser(session, ids["adv"], ids["tenant"])
        await access.assign_advertiser(session, ids["foreign"], ids["other"])
        for i, day in enumerate(("2024-03-01", "2024-03-02", "2024-03-03")):
            numbers = {"day": day, "advertiser_id": ids["adv"], "spend": 100.0 + i, "impressions": 10000,
                       "clicks": 200, "conversions": 4}  # fmt: skip
            evil = "Spring <script>alert(1)</script>"  # names come from TikTok: never trusted as HTML
            campaign_id, ad_id = f"17{int(tag, 16)}", f"19{int(tag, 16)}"  # TikTok's ids are unique
            session.add(DailyStatRow(level="campaign", object_id=campaign_id, name=evil, **numbers))
            video = {"video_play_actions": 7000, "video_watched_2s": 4000}
            session.add(DailyStatRow(level="ad", object_id=ad_id, name="Ad A", metrics=video, **numbers))
        change = {"entity_type": "adgroup", "entity_id": "18001", "before": {"budget": 100},
                  "after": {"budget": 120}, "reason": "CPA below target",
                  "actor": "OptimizationCycle"}  # fmt: skip
        run = {"idempotency_key": f"k-{tag}", "workflow_id": f"optimize-{tag}"}
        session.add(ChangeLogRow(advertiser_id=ids["adv"], **run, **change))
        title = f"CPA up {tag}"
        session.add(
            AlertRow(
                level="warning", kind="cpa_spike", advertiser_id=ids["adv"], title=title, dedupe_key=title
            )
        )
    yield ids


async def client(store: Store) -> httpx.AsyncClient:
    app = create_app(SETTINGS, store=store)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://dashboard")


async def login(http: httpx.AsyncClient, user: str) -> None:
    answer = await http.get("/login", params={"token": login_token(dashboard_key(SETTINGS), user)})
    assert answer.status_code == 303
    http.cookies = answer.cookies


async def test_a_viewer_sees_their_advertiser_and_nothing_else(store: Store, seeded: dict[str, str]) -> None:
    async with await client(store) as http:
        assert (await http.get("/")).status_code == 303  # no session: to the login page
        forged = login_token(b"another key", seeded["user"])
        assert (await http.get("/login", params={"token": forged})).status_code == 401
        expired = login_token(dashboard_key(SETTINGS), seeded["user"], minutes=-1)
        assert (await http.get("/login", params={"token": expired})).status_code == 401
        await login(http, seeded["user"])
        home = (await http.get("/")).text
        assert seeded["adv"] in home and seeded["foreign"] not in home
        assert (await http.get(f"/a/{seeded['foreign']}")).status_code == 403

        page = (await http.get(f"/a/{seeded['adv']}")).text
        assert "id='kpi-spend'>303.00<" in page  # 100 + 101 + 102
        assert "id='kpi-cpa'>25.25<" in page and "id='kpi-ctr'>2.00 %<" in page
        assert all(f'id="{div}"' in page for div in ("trend", "funnel", "cvr"))
        assert "budget: 100 → 120" in page and "CPA below target" in page
        assert f"/namespaces/default/workflows/optimize-{seeded['tag']}'" in page  # the run, in Temporal's UI
        assert "40.00 %" in page  # the ad's hook rate: 12,000 2-second views over 30,000 impressions
        assert "CPA up" in page
        assert (
            "<script>alert(1)</script>" not in page and "Spring &lt;script&gt;alert(1)&lt;/script&gt;" in page
        )
        script = await http.get("/static/plotly.min.js")
        assert script.status_code == 200 and len(script.content) > 1_000_000  # bundled, not from a CDN

        exported = await http.get(f"/a/{seeded['adv']}/export.csv")
        rows = list(csv.DictReader(io.StringIO(exported.text)))
        assert len(rows) == 6 and {r["level"] for r in rows} == {"campaign", "ad"}
        assert (await http.get(f"/a/{seeded['adv']}/export.xlsx")).content[:2] == b"PK"  # a zip: xlsx
        assert (await http.get(f"/a/{seeded['foreign']}/export.csv")).status_code == 403
        await http.get("/logout")
        http.cookies.clear()
        assert (await http.get(f"/a/{seeded['adv']}")).status_code == 303
