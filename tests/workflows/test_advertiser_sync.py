"""AdvertiserSync on Temporal's time-skipping server, with the real worker, the simulator
over HTTP and the store: no mocks."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import func, select
from temporalio.client import WorkflowFailureError
from temporalio.testing import WorkflowEnvironment

from connector import TikTokClient
from connector.management import list_adgroups, list_ads, list_campaigns
from models.errors import AuthorizationFailed, PermissionDenied, ServiceError, TokenNotFound
from models.tables import AdGroupRow, AdRow, CampaignRow, CreativeRow
from models.workflows import AdvertiserSyncInput, AdvertiserSyncResult, AdvertiserSyncStatus
from store import Store, TokenCipher
from tests.workflows.helpers import DEMO_ADVERTISER, DEMO_TOKEN, connect_advertiser, running_worker
from workflows.advertiser_sync import AdvertiserSync


async def _count(store: Store, table: type, advertiser_id: str) -> int:
    async with store.session() as s:
        stmt = select(func.count()).select_from(table).where(table.advertiser_id == advertiser_id)
        return int((await s.execute(stmt)).scalar_one())


async def test_sync_mirrors_what_tiktok_holds_and_is_idempotent(
    ts_env: WorkflowEnvironment, store: Store, cipher: TokenCipher, fresh_simulator
) -> None:
    await connect_advertiser(store, cipher, DEMO_ADVERTISER, DEMO_TOKEN)
    async with TikTokClient(fresh_simulator.base_url) as api:
        expected_campaigns = len(await list_campaigns(api, DEMO_ADVERTISER, token=DEMO_TOKEN))
        expected_adgroups = len(await list_adgroups(api, DEMO_ADVERTISER, token=DEMO_TOKEN))
        ads = await list_ads(api, DEMO_ADVERTISER, token=DEMO_TOKEN)
    expected_videos = len({a.video_id for a in ads if a.video_id})
    expected_images = len({i for a in ads for i in a.image_ids})
    assert expected_campaigns > 0 and len(ads) > 10  # the demo scenario needs pagination at 10

    async with running_worker(ts_env.client, store, cipher, fresh_simulator.base_url) as tq:
        wf_id = f"sync-{uuid.uuid4().hex[:6]}"
        first = await ts_env.client.execute_workflow(
            AdvertiserSync.run, AdvertiserSyncInput(advertiser_id=DEMO_ADVERTISER), id=wf_id, task_queue=tq
        )
        status = await ts_env.client.get_workflow_handle(wf_id).query(
            AdvertiserSync.status, result_type=AdvertiserSyncStatus
        )
        second = await ts_env.client.execute_workflow(
            AdvertiserSync.run,
            AdvertiserSyncInput(advertiser_id=DEMO_ADVERTISER),
            id=f"{wf_id}-again",
            task_queue=tq,
        )

    assert isinstance(first, AdvertiserSyncResult)
    assert first.advertiser_name
    assert (first.campaigns.fetched, first.adgroups.fetched, first.ads.fetched) == (
        expected_campaigns,
        expected_adgroups,
        len(ads),
    )
    assert (first.videos.fetched, first.images.fetched) == (expected_videos, expected_images)
    assert await _count(store, CampaignRow, DEMO_ADVERTISER) == expected_campaigns
    assert await _count(store, AdGroupRow, DEMO_ADVERTISER) == expected_adgroups
    assert await _count(store, AdRow, DEMO_ADVERTISER) == len(ads)
    assert await _count(store, CreativeRow, DEMO_ADVERTISER) == expected_videos + expected_images
    # The second run finds everything already mirrored and unchanged.
    assert second.ads.inserted == 0 and second.ads.unchanged == len(ads)
    assert second.campaigns.unchanged == expected_campaigns
    assert status.step == "done"
    assert status.done_steps == ["advertiser info", "campaigns", "adgroups", "ads", "creatives"]


async def test_sync_survives_transient_faults(
    ts_env: WorkflowEnvironment, store: Store, cipher: TokenCipher, fresh_simulator
) -> None:
    """5xx and 50000 answers are retried by Temporal until the sync completes."""
    await connect_advertiser(store, cipher, DEMO_ADVERTISER, DEMO_TOKEN)
    async with httpx.AsyncClient(base_url=fresh_simulator.base_url) as admin:
        r = await admin.post(
            "/sim/faults",
            json={
                "seed": 3,
                "rules": [
                    {"kind": "http_error", "http_status": 503, "probability": 0.25},
                    {"kind": "error_code", "code": 50000, "probability": 0.15},
                ],
            },
        )
        assert r.status_code == 200, r.text
    async with running_worker(ts_env.client, store, cipher, fresh_simulator.base_url) as tq:
        result = await ts_env.client.execute_workflow(
            AdvertiserSync.run,
            AdvertiserSyncInput(advertiser_id=DEMO_ADVERTISER),
            id=f"sync-faults-{uuid.uuid4().hex[:6]}",
            task_queue=tq,
        )
    async with httpx.AsyncClient(base_url=fresh_simulator.base_url) as admin:
        stats = (await admin.get("/sim/stats")).json()
    assert result.ads.fetched > 10
    assert stats["faults_total"] > 0  # the faults really happened and were absorbed


@pytest.mark.parametrize(
    ("advertiser", "token", "error_type"),
    [
        ("7000000000000000777", None, TokenNotFound),
        ("7000000000000000778", "not-a-real-token", AuthorizationFailed),
    ],
)
async def test_sync_fails_clearly_without_a_valid_token(
    ts_env: WorkflowEnvironment,
    store: Store,
    cipher: TokenCipher,
    simulator,
    advertiser: str,
    token: str | None,
    error_type: type[ServiceError],
) -> None:
    if token:
        await connect_advertiser(store, cipher, advertiser, token)
    async with running_worker(ts_env.client, store, cipher, simulator.base_url) as tq:
        with pytest.raises(WorkflowFailureError) as info:
            await ts_env.client.execute_workflow(
                AdvertiserSync.run,
                AdvertiserSyncInput(advertiser_id=advertiser),
                id=f"sync-bad-{uuid.uuid4().hex[:6]}",
                task_queue=tq,
            )
    cause = error_type.find(info.value)  # WorkflowFailure <- ActivityError <- ApplicationError
    assert cause is not None and cause.non_retryable
    assert advertiser in str(cause)


async def test_sync_refuses_an_advertiser_the_token_may_not_read(
    ts_env: WorkflowEnvironment, store: Store, cipher: TokenCipher, simulator
) -> None:
    """The demo token is valid but not for this advertiser: a permanent, non-retried failure."""
    other = "7000000000000000779"
    await connect_advertiser(store, cipher, other, DEMO_TOKEN)
    async with running_worker(ts_env.client, store, cipher, simulator.base_url) as tq:
        with pytest.raises(WorkflowFailureError) as info:
            await ts_env.client.execute_workflow(
                AdvertiserSync.run,
                AdvertiserSyncInput(advertiser_id=other),
                id=f"sync-perm-{uuid.uuid4().hex[:6]}",
                task_queue=tq,
            )
    cause = PermissionDenied.find(info.value)  # TikTok's 40001, not an expired token
    assert cause is not None and cause.non_retryable, info.value.cause
