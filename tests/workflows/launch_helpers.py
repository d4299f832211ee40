"""A tenant with people in every role, and launch inputs built from the demo creatives."""

from __future__ import annotations

import asyncio
from typing import Any

from temporalio.client import WorkflowHandle

from connector import TikTokClient
from connector.management import list_adgroups, list_ads, list_campaigns
from models.launch import CampaignLaunchInput, LaunchStatus
from store import Store
from store.access import assign_advertiser, grant
from tests.workflows.helpers import DEMO_TOKEN

ADV = "7000000000000000001"
VIDEO = "v10033g50000demo0001"
IMAGE = "ad-site-i18n-sg/demo-image-2"


async def seed_tenant(store: Store) -> None:
    async with store.session() as s:
        await assign_advertiser(s, ADV, "acme", monthly_budget=30000)
        for user, role in (
            ("olivia", "Operator"),
            ("alice", "Approver"),
            ("bob", "Approver"),
            ("ada", "Admin"),
            ("victor", "Viewer"),
        ):
            await grant(s, user, "acme", role)  # type: ignore[arg-type]


def launch_input(name: str, policy: str = "single", **overrides: Any) -> CampaignLaunchInput:
    raw: dict[str, Any] = {
        "advertiser_id": ADV,
        "requester": "olivia",
        "approval_policy": policy,
        "campaign": {"campaign_name": name, "objective_type": "CONVERSIONS", "budget": 500},
        "adgroups": [
            {
                "adgroup_name": f"{name} / women 25-34",
                "budget": 200,
                "age_groups": ["AGE_25_34"],
                "gender": "GENDER_FEMALE",
                "bid_strategy": "cost_cap",
                "target_cpa": 20,
                "conversion_bid_price": 22,
                "ads": [
                    {
                        "ad_name": f"{name} / video",
                        "ad_text": "New season, new colours",
                        "video_id": VIDEO,
                        "landing_page_url": "https://shop.example.com/new",
                        "call_to_action": "SHOP_NOW",
                    },
                    {
                        "ad_name": f"{name} / image",
                        "ad_format": "SINGLE_IMAGE",
                        "ad_text": "See the collection",
                        "image_ids": [IMAGE],
                        "landing_page_url": "https://shop.example.com/new",
                    },
                ],
            },
            {
                "adgroup_name": f"{name} / broad",
                "budget": 100,
                "ads": [
                    {
                        "ad_name": f"{name} / broad video",
                        "ad_text": "Shop the new season",
                        "video_id": VIDEO,
                        "landing_page_url": "https://shop.example.com/",
                    }
                ],
            },
        ],
    }
    raw.update(overrides)
    return CampaignLaunchInput.model_validate(raw)


async def wait_for_state(handle: WorkflowHandle[Any, Any], state: str, within: float = 15) -> LaunchStatus:
    """Poll the ``status`` query until the approval state is ``state``."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        status = await handle.query("status", result_type=LaunchStatus)
        if status.approval_state == state:
            return status
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"still {status.approval_state} / {status.step}, wanted {state}")
        await asyncio.sleep(0.05)


async def on_tiktok(base_url: str, name: str) -> dict[str, list[Any]]:
    """The simulator's objects whose names start with ``name`` (each launch uses its own)."""
    async with TikTokClient(base_url) as api:
        return {
            "campaigns": [
                c
                for c in await list_campaigns(api, ADV, token=DEMO_TOKEN)
                if c.campaign_name.startswith(name)
            ],
            "adgroups": [
                g for g in await list_adgroups(api, ADV, token=DEMO_TOKEN) if g.adgroup_name.startswith(name)
            ],
            "ads": [a for a in await list_ads(api, ADV, token=DEMO_TOKEN) if a.ad_name.startswith(name)],
        }
