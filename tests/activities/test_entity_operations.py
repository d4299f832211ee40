"""The shared entity operations against the simulator over HTTP, with the real store: status
changes in TikTok's batches of 20, many ad group budgets in one ``adgroup/budget/update/``,
campaign budgets and Cost Cap bids; each change recorded with before and after."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from pydantic import SecretStr
from temporalio.testing import ActivityEnvironment

from activities.context import Dependencies
from activities.entities import EntityActivities
from connector.entities import ADGROUP, get_many
from models.entities import BidChange, BudgetChange, SetStatusInput, UpdateBidsInput, UpdateBudgetsInput
from models.errors import InvalidInput
from settings import Settings
from simulator import SimulatorServer
from simulator.scenario import Scenario
from store import Store, TokenCipher
from store.changes import changes_for
from store.tokens import save_tokens
from tests.connector.sim import stats

ADV = "7200000000000000001"
TOKEN = "ops-token"
GROUPS = 25


def _scenario() -> Scenario:
    adgroups = [
        {
            "adgroup_name": f"Group {i}",
            "budget": 50,
            "bid_type": "BID_TYPE_CUSTOM",
            "conversion_bid_price": 20,
            "ads": [{"ad_name": f"Ad {i}", "image_ids": ["img"], "ad_format": "SINGLE_IMAGE"}],
        }
        for i in range(GROUPS)
    ]
    return Scenario.model_validate(
        {
            "name": "many-adgroups",
            "apps": [{"app_id": "demo-app", "secret": "demo-secret"}],
            "advertisers": [
                {
                    "advertiser_id": ADV,
                    "name": "Ops",
                    "images": [{"image_id": "img", "file_name": "img.jpg"}],
                    "campaigns": [
                        {
                            "campaign_name": "Always on",
                            "objective_type": "CONVERSIONS",
                            "budget_mode": "BUDGET_MODE_DAY",
                            "budget": 1000,
                            "adgroups": adgroups,
                        }
                    ],
                }
            ],
            "access_tokens": [{"access_token": TOKEN, "app_id": "demo-app", "advertiser_ids": [ADV]}],
        }
    )


@pytest.fixture
def sim() -> Iterator[SimulatorServer]:
    with SimulatorServer(scenario=_scenario(), port=0) as server:
        yield server


@pytest.fixture
async def ops(sim: SimulatorServer, store: Store, cipher: TokenCipher) -> AsyncIterator[EntityActivities]:
    async with store.session() as s:
        await save_tokens(s, cipher, advertiser_id=ADV, app_id="demo-app", access_token=TOKEN)
    settings = Settings(tiktok_base_url=sim.base_url, change_log_key=SecretStr("k"))
    deps = Dependencies.build(settings, store=store, cipher=cipher)
    yield EntityActivities(deps)
    await deps.tiktok.aclose()
    await deps.oauth.aclose()


async def _adgroups(ops: EntityActivities) -> list[Any]:
    return sorted(
        await get_many(ops.deps.tiktok, ADGROUP, ADV, await _ids(ops)), key=lambda g: g.adgroup_name
    )


async def _ids(ops: EntityActivities) -> list[str]:
    data = await ops.deps.tiktok.get(
        "adgroup/get/", advertiser_id=ADV, params={"advertiser_id": ADV, "page_size": 100}
    )
    return [str(g["adgroup_id"]) for g in data["list"]]


async def test_status_goes_out_in_batches_of_twenty(sim: SimulatorServer, ops: EntityActivities) -> None:
    ids = await _ids(ops)
    inp = SetStatusInput(
        advertiser_id=ADV, key="wf/pause", actor="ops", reason="test", entity_type="adgroup", ids=ids,
        operation_status="DISABLE",
    )  # fmt: skip
    done = await ActivityEnvironment().run(ops.set_status, inp)
    calls = (await stats(sim.base_url))["requests_by_path"]
    assert calls["adgroup/status/update/"] == 2  # 25 ids: 20 + 5 (TikTok takes 1-20)
    assert len(done.changes) == GROUPS
    assert {(c.before["operation_status"], c.after["operation_status"]) for c in done.changes} == {
        ("ENABLE", "DISABLE")
    }
    assert {g.operation_status for g in await _adgroups(ops)} == {"DISABLE"}


async def test_budgets_of_many_adgroups_in_one_call(sim: SimulatorServer, ops: EntityActivities) -> None:
    ids = await _ids(ops)
    campaign_id = str(
        (await ops.deps.tiktok.get("campaign/get/", params={"advertiser_id": ADV}))["list"][0]["campaign_id"]
    )
    budgets = [BudgetChange(entity_type="adgroup", entity_id=i, budget=60 + n) for n, i in enumerate(ids)]
    budgets.append(BudgetChange(entity_type="campaign", entity_id=campaign_id, budget=2000))
    inp = UpdateBudgetsInput(
        advertiser_id=ADV, key="wf/budgets", actor="ops", reason="pacing", budgets=budgets
    )
    done = await ActivityEnvironment().run(ops.update_budgets, inp)
    calls = (await stats(sim.base_url))["requests_by_path"]
    assert calls["adgroup/budget/update/"] == 1
    assert calls["campaign/update/"] == 1
    by_id = {c.entity_id: c for c in done.changes}
    assert len(by_id) == GROUPS + 1
    assert by_id[ids[3]].before == {**by_id[ids[3]].before, "budget": 50.0}
    assert by_id[ids[3]].after is not None and by_id[ids[3]].after["budget"] == 63.0
    assert by_id[campaign_id].after is not None and by_id[campaign_id].after["budget"] == 2000.0
    live = {g.adgroup_id: g.budget for g in await _adgroups(ops)}
    assert live == {i: 60.0 + n for n, i in enumerate(ids)}
    async with ops.deps.store.session() as s:
        rows = await changes_for(s, ADV, workflow_id="test")
    assert {r.idempotency_key for r in rows} >= {c.key for c in done.changes}
    assert all(
        r.reason == "pacing" and r.actor == "ops" for r in rows if r.idempotency_key.startswith("wf/budgets")
    )


async def test_bids_and_unknown_ids(ops: EntityActivities) -> None:
    ids = await _ids(ops)
    bids = [
        BidChange(adgroup_id=ids[0], conversion_bid_price=24),
        BidChange(adgroup_id=ids[1], conversion_bid_price=18),
    ]
    inp = UpdateBidsInput(advertiser_id=ADV, key="wf/bids", actor="ops", reason="CPA below target", bids=bids)
    done = await ActivityEnvironment().run(ops.update_bids, inp)
    assert [(c.before["conversion_bid_price"], c.after["conversion_bid_price"]) for c in done.changes] == [
        (20.0, 24.0),
        (20.0, 18.0),
    ]
    missing = inp.model_copy(
        update={"key": "wf/bids-2", "bids": [BidChange(adgroup_id="404", conversion_bid_price=9)]}
    )
    with pytest.raises(InvalidInput, match="404 not found"):
        await ActivityEnvironment().run(ops.update_bids, missing)


async def test_an_attempt_that_died_after_the_change_loses_no_before(ops: EntityActivities) -> None:
    """The first attempt changed the budget on TikTok and died before recording it; the retry
    finds the new value already live and records the before the workflow planned from, and
    each change carries its own reason."""
    first, second = (await _ids(ops))[:2]
    await ops.deps.tiktok.post(  # what the dead attempt did
        "adgroup/budget/update/",
        advertiser_id=ADV,
        body={"advertiser_id": ADV, "budget": [{"adgroup_id": first, "budget": 75.0}]},
    )
    inp = UpdateBudgetsInput(
        advertiser_id=ADV, key="wf/retried", actor="optimizer", reason="cycle",
        reasons={first: "thompson: raise", second: "thompson: lower"},
        expected_before={first: {"budget": 50.0}, second: {"budget": 50.0}},
        budgets=[BudgetChange(entity_type="adgroup", entity_id=first, budget=75.0),
                 BudgetChange(entity_type="adgroup", entity_id=second, budget=40.0)],
    )  # fmt: skip
    done = await ActivityEnvironment().run(ops.update_budgets, inp)
    by_id = {c.entity_id: c for c in done.changes}
    assert by_id[first].before is not None and by_id[first].before["budget"] == 50.0
    assert by_id[first].after is not None and by_id[first].after["budget"] == 75.0
    assert by_id[second].before is not None and by_id[second].before["budget"] == 50.0
    assert (by_id[first].reason, by_id[second].reason) == ("thompson: raise", "thompson: lower")


async def test_the_bid_strategy_switches_both_ways_with_its_before(ops: EntityActivities) -> None:
    first = (await _ids(ops))[0]
    to_max = UpdateBidsInput(
        advertiser_id=ADV, key="wf/strategy", actor="optimizer", reason="stalls under the cap",
        bids=[BidChange(adgroup_id=first, bid_type="BID_TYPE_NO_BID")],
    )  # fmt: skip
    done = await ActivityEnvironment().run(ops.update_bids, to_max)
    assert [(c.before["bid_type"], c.after["bid_type"]) for c in done.changes] == [  # type: ignore[index]
        ("BID_TYPE_CUSTOM", "BID_TYPE_NO_BID")
    ]
    back = to_max.model_copy(
        update={"key": "wf/strategy-back", "bids": [BidChange(adgroup_id=first, bid_type="BID_TYPE_CUSTOM",
                                                              conversion_bid_price=26)]}
    )  # fmt: skip
    done = await ActivityEnvironment().run(ops.update_bids, back)
    after = done.changes[0].after or {}
    assert (after["bid_type"], after["conversion_bid_price"]) == ("BID_TYPE_CUSTOM", 26.0)
