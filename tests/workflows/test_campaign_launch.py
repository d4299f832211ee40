"""CampaignLaunch on the time-skipping server with the real worker, simulator and store:
every approval path, guardrails, exactly-once creation and compensation."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import select
from temporalio.client import WorkflowFailureError, WorkflowUpdateFailedError
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from connector import TikTokClient
from connector.management import list_ads
from models.errors import ApprovalRefused, InvalidInput, LaunchFailed
from models.launch import ApprovalRequest, CampaignLaunchInput, LaunchResult, LaunchStatus
from models.tables import ChangeLogRow, NotificationRow
from models.workflows import APPROVAL_STATE
from store import Store, TokenCipher
from tests.connector.sim import set_faults
from tests.workflows.helpers import DEMO_TOKEN, running_worker
from tests.workflows.launch_helpers import ADV, launch_input, on_tiktok, wait_for_state
from workflows.campaign_launch import CampaignLaunch


async def _start(env: WorkflowEnvironment, tq: str, inp: CampaignLaunchInput) -> Any:
    return await env.client.start_workflow(
        CampaignLaunch.run, inp, id=f"launch-{uuid.uuid4().hex[:8]}", task_queue=tq, result_type=LaunchResult
    )


async def test_no_approval_creates_everything_once_and_enables_it(
    ts_env: WorkflowEnvironment, store: Store, cipher: TokenCipher, fresh_simulator: Any, ready: None
) -> None:
    name = f"Launch-none-{uuid.uuid4().hex[:4]}"
    async with running_worker(ts_env.client, store, cipher, fresh_simulator.base_url) as tq:
        handle = await _start(ts_env, tq, launch_input(name, "none"))
        result: LaunchResult = await handle.result()
    on = await on_tiktok(fresh_simulator.base_url, name)
    assert result.outcome == "launched"
    assert [len(on[k]) for k in ("campaigns", "adgroups", "ads")] == [1, 2, 3]
    assert result.created.campaign_id == on["campaigns"][0].campaign_id
    assert all(x.operation_status == "ENABLE" for k in on for x in on[k])
    # created: 1 + 2 + 3, then enabled: 3 + 2 + 1, each with before/after, in history and in the store
    assert len(result.changes) == 12
    enable = [c for c in result.changes if c.before is not None]
    assert all(
        c.before["operation_status"] == "DISABLE" and c.after["operation_status"] == "ENABLE" for c in enable
    )
    async with store.session() as s:
        rows = (
            (await s.execute(select(ChangeLogRow).where(ChangeLogRow.workflow_id == handle.id)))
            .scalars()
            .all()
        )
    assert sorted(r.idempotency_key for r in rows) == sorted(c.key for c in result.changes)


async def test_single_approval_by_update(
    ts_env: WorkflowEnvironment, store: Store, cipher: TokenCipher, fresh_simulator: Any, ready: None
) -> None:
    name = f"Launch-single-{uuid.uuid4().hex[:4]}"
    async with running_worker(ts_env.client, store, cipher, fresh_simulator.base_url) as tq:
        handle = await _start(ts_env, tq, launch_input(name, "single"))
        waiting = await wait_for_state(handle, "pending_stage_1")
        assert await on_tiktok(fresh_simulator.base_url, name) == {
            "campaigns": [],
            "adgroups": [],
            "ads": [],
        }
        with pytest.raises(WorkflowUpdateFailedError) as own:
            await handle.execute_update(CampaignLaunch.approve, ApprovalRequest(approver="olivia"))
        with pytest.raises(WorkflowUpdateFailedError) as viewer:
            await handle.execute_update(CampaignLaunch.approve, ApprovalRequest(approver="victor"))
        status = await handle.execute_update(CampaignLaunch.approve, ApprovalRequest(approver="alice"))
        result = await handle.result()
    assert "requested this launch" in str(own.value.cause)
    assert "not an Approver or Admin" in str(viewer.value.cause)
    assert (
        waiting.waiting_for is not None
        and "alice" in waiting.waiting_for
        and "olivia" not in waiting.waiting_for
    )
    assert status.decisions[0].approver == "alice" and status.approval_state == "approved"
    assert result.outcome == "launched" and [d.approver for d in result.decisions] == ["alice"]


async def _notices(store: Store, wid: str) -> list[NotificationRow]:
    async with store.session() as s:
        stmt = select(NotificationRow).where(NotificationRow.workflow_id == wid).order_by(NotificationRow.id)
        return list((await s.execute(stmt)).scalars())


async def test_two_stage_needs_two_different_approvers(
    ts_env: WorkflowEnvironment, store: Store, cipher: TokenCipher, fresh_simulator: Any, ready: None
) -> None:
    name = f"Launch-two-{uuid.uuid4().hex[:4]}"
    async with running_worker(ts_env.client, store, cipher, fresh_simulator.base_url) as tq:
        handle = await _start(ts_env, tq, launch_input(name, "two_stage"))
        await wait_for_state(handle, "pending_stage_1")
        with pytest.raises(WorkflowUpdateFailedError) as early:
            await handle.execute_update(CampaignLaunch.approve, ApprovalRequest(approver="bob", stage=2))
        first = await handle.execute_update(CampaignLaunch.approve, ApprovalRequest(approver="alice"))
        assert first.approval_state == "pending_stage_2" and "alice" not in first.eligible_now
        with pytest.raises(WorkflowUpdateFailedError) as same:
            await handle.execute_update(CampaignLaunch.approve, ApprovalRequest(approver="alice"))
        with pytest.raises(WorkflowUpdateFailedError) as decided:
            await handle.execute_update(CampaignLaunch.approve, ApprovalRequest(approver="bob", stage=1))
        await handle.execute_update(CampaignLaunch.approve, ApprovalRequest(approver="ada", stage=2))
        result = await handle.result()
        with pytest.raises((WorkflowUpdateFailedError, RPCError)):  # the launch has completed
            await handle.execute_update(CampaignLaunch.approve, ApprovalRequest(approver="bob"))
    refusal = ApprovalRefused.find(same.value)  # a refusal is final: non-retryable, with the reason
    assert refusal is not None and refusal.non_retryable
    assert "stage 2 needs a different approver" in refusal.message
    assert "stage 2 is not open yet; the launch waits for stage 1" in str(early.value.cause)
    assert "stage 1 is already decided" in str(decided.value.cause)
    assert result.outcome == "launched"
    assert [(d.approver, d.stage) for d in result.decisions] == [("alice", 1), ("ada", 2)]
    notices = [(n.kind, n.recipients) for n in await _notices(store, handle.id)]
    assert notices == [
        ("approval_requested", ["ada", "alice", "bob"]),
        ("approval_turn", ["ada", "bob"]),  # stage-2 approvers are told it is their turn
        ("launch_outcome", ["olivia"]),  # and the requester hears how it ended
    ]


async def test_stage_2_approved_while_its_approvers_are_being_told(
    ts_env: WorkflowEnvironment, store: Store, cipher: TokenCipher, fresh_simulator: Any, ready: None
) -> None:
    """Back-to-back approvals: the second arrives while the workflow notifies the stage-2
    approvers; the launch must go on at once, not wait for the next reminder."""
    name = f"Launch-fast-{uuid.uuid4().hex[:4]}"
    async with running_worker(ts_env.client, store, cipher, fresh_simulator.base_url) as tq:
        handle = await _start(ts_env, tq, launch_input(name, "two_stage"))
        await wait_for_state(handle, "pending_stage_1")
        await handle.execute_update(CampaignLaunch.approve, ApprovalRequest(approver="alice"))
        await handle.execute_update(CampaignLaunch.approve, ApprovalRequest(approver="bob"))
        result = await handle.result()
    assert result.outcome == "launched"
    assert "approval_reminder" not in [n.kind for n in await _notices(store, handle.id)]


async def test_reject_needs_a_reason_and_creates_nothing(
    ts_env: WorkflowEnvironment, store: Store, cipher: TokenCipher, fresh_simulator: Any, ready: None
) -> None:
    name = f"Launch-reject-{uuid.uuid4().hex[:4]}"
    async with running_worker(ts_env.client, store, cipher, fresh_simulator.base_url) as tq:
        handle = await _start(ts_env, tq, launch_input(name, "two_stage"))
        await wait_for_state(handle, "pending_stage_1")
        with pytest.raises(WorkflowUpdateFailedError) as bare:
            await handle.execute_update(CampaignLaunch.reject, ApprovalRequest(approver="bob"))
        await handle.execute_update(
            CampaignLaunch.reject, ApprovalRequest(approver="bob", reason="budget too high")
        )
        result = await handle.result()
    assert "needs a reason" in str(bare.value.cause)
    assert (result.outcome, result.reason) == ("rejected", "budget too high")
    assert await on_tiktok(fresh_simulator.base_url, name) == {"campaigns": [], "adgroups": [], "ads": []}
    outcome = (await _notices(store, handle.id))[-1]
    assert (outcome.kind, outcome.recipients) == ("launch_outcome", ["olivia"])
    assert "rejected" in outcome.subject and "budget too high" in outcome.body


async def test_two_stage_approval_by_signal(
    ts_env: WorkflowEnvironment, store: Store, cipher: TokenCipher, fresh_simulator: Any, ready: None
) -> None:
    """Clients that can only signal: the same rules, refusals listed in ``status``."""
    name = f"Launch-signal-{uuid.uuid4().hex[:4]}"
    async with running_worker(ts_env.client, store, cipher, fresh_simulator.base_url) as tq:
        handle = await _start(ts_env, tq, launch_input(name, "two_stage"))
        await wait_for_state(handle, "pending_stage_1")
        await handle.signal(CampaignLaunch.approve_signal, ApprovalRequest(approver="olivia"))
        await handle.signal(CampaignLaunch.approve_signal, ApprovalRequest(approver="bob"))
        await wait_for_state(handle, "pending_stage_2")
        await handle.signal(CampaignLaunch.approve_signal, ApprovalRequest(approver="bob"))
        await handle.signal(CampaignLaunch.approve_signal, ApprovalRequest(approver="alice"))
        result = await handle.result()
        status = await handle.query(CampaignLaunch.status)
    assert result.outcome == "launched"
    assert [(d.approver, d.stage) for d in result.decisions] == [("bob", 1), ("alice", 2)]
    assert status.refused == [
        "approve by olivia refused: olivia requested this launch and cannot approve or reject it",
        "approve by bob refused: bob already approved stage 1; stage 2 needs a different approver",
    ]


async def test_reject_by_signal(
    ts_env: WorkflowEnvironment, store: Store, cipher: TokenCipher, fresh_simulator: Any, ready: None
) -> None:
    name = f"Launch-signal-reject-{uuid.uuid4().hex[:4]}"
    async with running_worker(ts_env.client, store, cipher, fresh_simulator.base_url) as tq:
        handle = await _start(ts_env, tq, launch_input(name, "single"))
        await wait_for_state(handle, "pending_stage_1")
        await handle.signal(CampaignLaunch.reject_signal, ApprovalRequest(approver="alice"))  # no reason
        await handle.signal(
            CampaignLaunch.reject_signal, ApprovalRequest(approver="alice", reason="wrong CTA")
        )
        result = await handle.result()
        status = await handle.query(CampaignLaunch.status)
    assert (result.outcome, result.reason) == ("rejected", "wrong CTA")
    assert status.refused == ["reject by alice refused: a rejection needs a reason"]
    assert await on_tiktok(fresh_simulator.base_url, name) == {"campaigns": [], "adgroups": [], "ads": []}


async def test_deadline_cancels_with_reminders(
    ts_env: WorkflowEnvironment, store: Store, cipher: TokenCipher, fresh_simulator: Any, ready: None
) -> None:
    name = f"Launch-timeout-{uuid.uuid4().hex[:4]}"
    inp = launch_input(name, "single", approval_deadline_hours=48, reminder_every_hours=12)
    async with running_worker(ts_env.client, store, cipher, fresh_simulator.base_url) as tq:
        handle = await _start(ts_env, tq, inp)
        result = await handle.result()
    async with store.session() as s:
        kinds = (
            (await s.execute(select(NotificationRow.kind).where(NotificationRow.workflow_id == handle.id)))
            .scalars()
            .all()
        )
    assert (result.outcome, result.reason) == ("approval_timeout", "approval_timeout")
    assert sorted(kinds) == sorted(["approval_requested"] + ["approval_reminder"] * 3 + ["approval_timeout"])
    assert await on_tiktok(fresh_simulator.base_url, name) == {"campaigns": [], "adgroups": [], "ads": []}


async def test_guardrails_refuse_with_every_violation_and_create_nothing(
    ts_env: WorkflowEnvironment, store: Store, cipher: TokenCipher, fresh_simulator: Any, ready: None
) -> None:
    """A refusal is a completed run with outcome ``refused`` (an operator's typo must not page
    on-call as a failed workflow); ``status`` and the requester's notice say why."""
    name = f"Launch-bad-{uuid.uuid4().hex[:4]}"
    good = launch_input(name, "none").model_dump(mode="json")
    good["campaign"]["budget"] = 30
    good["adgroups"][0]["budget"] = 10
    good["adgroups"][0]["conversion_bid_price"] = 40
    good["adgroups"][0]["ads"][0]["ad_text"] = "Guaranteed results"
    good["adgroups"][1]["ads"][0]["video_id"] = "v-not-uploaded"
    good["adgroups"][0]["ads"][1]["category"] = "Gambling"
    good["requester"] = "victor"
    wid = f"launch-{uuid.uuid4().hex[:8]}"
    async with running_worker(ts_env.client, store, cipher, fresh_simulator.base_url) as tq:
        handle = await ts_env.client.start_workflow(
            CampaignLaunch.run, CampaignLaunchInput.model_validate(good), id=wid, task_queue=tq
        )
        result = await handle.result()
        status = await handle.query(CampaignLaunch.status)
        desc = await handle.describe()
    assert result.outcome == "refused" and result.reason and "7 violation(s)" in result.reason
    assert status.approval_state == "refused" and status.violations == result.violations
    assert desc.typed_search_attributes.get(APPROVAL_STATE) == "refused"
    async with store.session() as s:
        notices = (
            await s.execute(select(NotificationRow).where(NotificationRow.workflow_id == wid))
        ).scalars()
        outcome = [n for n in notices if n.kind == "launch_outcome"]
    assert len(outcome) == 1 and outcome[0].recipients == ["victor"] and "refused" in outcome[0].subject
    rules = {(v.field, v.rule) for v in result.violations}
    assert rules == {
        ("requester", "rbac"),
        ("campaign.budget", "min_campaign_budget"),
        ("adgroups[0].budget", "min_adgroup_budget"),
        ("adgroups[0].conversion_bid_price", "cost_cap_band"),
        ("adgroups[0].ads[0].ad_text", "ng_word"),
        ("adgroups[1].ads[0].video_id", "creative_exists"),
        ("adgroups[0].ads[1].category", "excluded_category"),
    }
    assert await on_tiktok(fresh_simulator.base_url, name) == {"campaigns": [], "adgroups": [], "ads": []}


async def test_failure_while_creating_names_the_step_and_tells_the_requester(
    ts_env: WorkflowEnvironment, store: Store, cipher: TokenCipher, fresh_simulator: Any, ready: None
) -> None:
    name = f"Launch-fail-{uuid.uuid4().hex[:4]}"
    await set_faults(
        fresh_simulator.base_url,
        {
            "kind": "error_code",
            "code": 40002,
            "message": "ad_text: Contains prohibited content.",
            "path": "ad/create/",
            "probability": 1.0,
        },
    )
    wid = f"launch-{uuid.uuid4().hex[:8]}"
    async with running_worker(ts_env.client, store, cipher, fresh_simulator.base_url) as tq:
        handle = await ts_env.client.start_workflow(
            CampaignLaunch.run, launch_input(name, "none"), id=wid, task_queue=tq
        )
        with pytest.raises(WorkflowFailureError) as info:
            await handle.result()
        status = await handle.query(CampaignLaunch.status)
    cause = LaunchFailed.find(info.value)
    assert cause is not None and cause.non_retryable
    assert "creating ad 1/2 of ad group 1" in cause.message and "prohibited content" in cause.message
    assert status.failure == cause.message  # `status` says why, after the run ended
    async with store.session() as s:
        kinds = (
            await s.execute(select(NotificationRow.kind).where(NotificationRow.workflow_id == wid))
        ).scalars()
        assert list(kinds) == ["launch_outcome"]


@pytest.mark.parametrize("on_failure", ["pause", "delete"])
async def test_compensation_undoes_what_was_enabled(
    ts_env: WorkflowEnvironment,
    store: Store,
    cipher: TokenCipher,
    fresh_simulator: Any,
    ready: None,
    on_failure: str,
) -> None:
    """The campaign refuses to be enabled after its ads and ad groups were: compensation must
    pause (or delete) objects that are live, not merely leave them as created."""
    name = f"Launch-comp-{on_failure}-{uuid.uuid4().hex[:4]}"
    await set_faults(
        fresh_simulator.base_url,
        {
            "kind": "error_code",
            "code": 40002,
            "message": "budget: campaign budget below spend",
            "path": "campaign/status/update/",
            "max_count": 1,
        },
    )
    inp = launch_input(name, "none", on_failure=on_failure)
    async with running_worker(ts_env.client, store, cipher, fresh_simulator.base_url) as tq:
        handle = await ts_env.client.start_workflow(
            CampaignLaunch.run, inp, id=f"launch-{uuid.uuid4().hex[:8]}", task_queue=tq
        )
        with pytest.raises(WorkflowFailureError) as info:
            await handle.result()
    cause = LaunchFailed.find(info.value)
    assert cause is not None and "while enabling" in cause.message
    history = await handle.fetch_history()
    from store.audit import audit_history

    changes = [e.change for e in audit_history(history) if e.change is not None]
    enabled = {c.entity_id for c in changes if c.after and c.after.get("operation_status") == "ENABLE"}
    assert len(enabled) == 5  # three ads and two ad groups went live before the campaign failed
    on = await on_tiktok(fresh_simulator.base_url, name)
    if on_failure == "pause":
        assert [len(on[k]) for k in ("campaigns", "adgroups", "ads")] == [1, 2, 3]
        assert {x.operation_status for k in on for x in on[k]} == {"DISABLE"}
    else:
        assert on == {"campaigns": [], "adgroups": [], "ads": []}  # deleted objects are not listed
    undone = {c.entity_id for c in changes if c.key.split("/")[1] == "compensate"}
    assert enabled < undone  # every live object was undone, and the record says so


async def test_launch_from_a_template_with_overrides(
    ts_env: WorkflowEnvironment, store: Store, cipher: TokenCipher, fresh_simulator: Any, ready: None
) -> None:
    import json
    from pathlib import Path

    from store.templates import save_template

    body = json.loads((Path(__file__).parents[2] / "examples" / "launch_template.json").read_text())
    async with store.session() as s:
        await save_template(s, "autumn", body, updated_by="olivia")
    name = f"Launch-tpl-{uuid.uuid4().hex[:4]}"
    raw = {
        "template": "autumn",
        "advertiser_id": ADV,
        "requester": "olivia",
        "approval_policy": "none",
        "campaign": {"campaign_name": name, "budget": 800},
    }
    async with running_worker(ts_env.client, store, cipher, fresh_simulator.base_url) as tq:
        handle = await ts_env.client.start_workflow(
            "CampaignLaunch",
            raw,
            id=f"launch-{uuid.uuid4().hex[:8]}",
            task_queue=tq,
            result_type=LaunchResult,
        )
        result = await handle.result()
        status = await handle.query(CampaignLaunch.status, result_type=LaunchStatus)
        with pytest.raises(WorkflowFailureError) as unknown:
            await ts_env.client.execute_workflow(
                "CampaignLaunch",
                {**raw, "template": "nope"},
                id=f"launch-{uuid.uuid4().hex[:8]}",
                task_queue=tq,
            )
    on = await on_tiktok(fresh_simulator.base_url, name)
    assert result.outcome == "launched" and len(on["campaigns"]) == 1
    assert (len(result.created.adgroup_ids), len(result.created.ad_ids)) == (2, 3)  # from the template
    assert on["campaigns"][0].budget == 800  # the override won over the template's 500
    assert status.recommendation is not None and status.recommendation.bid_strategy == "cost_cap"
    invalid = InvalidInput.find(unknown.value)
    assert invalid is not None and "no launch template named 'nope'" in invalid.message


async def test_creatives_given_as_url_and_file_are_uploaded_once(
    ts_env: WorkflowEnvironment,
    store: Store,
    cipher: TokenCipher,
    fresh_simulator: Any,
    ready: None,
    tmp_path: Any,
) -> None:
    from connector import files
    from connector.tokens import StaticTokens
    from tests.simulator.helpers import make_png

    image = tmp_path / "autumn.png"
    image.write_bytes(make_png(1080, 1920))
    name = f"Launch-upload-{uuid.uuid4().hex[:4]}"
    raw = launch_input(name, "none").model_dump(mode="json")
    raw["adgroups"][0]["ads"][0].update(video_id=None, video_url="https://cdn.example.com/autumn-15s.mp4")
    raw["adgroups"][0]["ads"][1].update(image_ids=[], image_paths=[str(image)])
    wf_id = f"launch-{uuid.uuid4().hex[:8]}"
    async with running_worker(ts_env.client, store, cipher, fresh_simulator.base_url) as tq:
        result = await ts_env.client.execute_workflow(
            CampaignLaunch.run, CampaignLaunchInput.model_validate(raw), id=wf_id, task_queue=tq
        )
    async with TikTokClient(fresh_simulator.base_url, tokens=StaticTokens({ADV: DEMO_TOKEN})) as api:
        ads = {a.ad_id: a for a in await list_ads(api, ADV, token=DEMO_TOKEN)}
        video = ads[result.created.ad_ids[0]].video_id
        image_ids = ads[result.created.ad_ids[1]].image_ids
        # the same upload key again: TikTok refuses the duplicate name, the helper finds the first
        again = await files.upload(
            api,
            ADV,
            "video",
            name="autumn-15s.mp4",
            idempotency_key=f"{wf_id}/creative/0/0/0",
            url="https://cdn.example.com/autumn-15s.mp4",
        )
    assert result.outcome == "launched"
    assert video and video != "v10033g50000demo0001" and again.video_id == video  # type: ignore[union-attr]
    assert len(image_ids) == 1 and image_ids[0].startswith("ad-site")
    assert {c.entity_type for c in result.changes} >= {"video", "image", "campaign", "adgroup", "ad"}
    from store.audit import audit_history, compare_with_change_log
    from store.changes import changes_for

    history = await ts_env.client.get_workflow_handle(wf_id).fetch_history()
    async with store.session() as s:
        rows = list(await changes_for(s, workflow_id=wf_id))
    assert compare_with_change_log(audit_history(history), rows) == []  # uploads are in both


async def test_ads_take_their_creative_from_approved_pool_items(
    ts_env: WorkflowEnvironment, store: Store, cipher: TokenCipher, fresh_simulator: Any, ready: None
) -> None:
    """An ad may name a pool item: it runs the item's creative, and its text and landing page
    where the ad gives none; an item that is not approved is refused by the ad's field."""
    from models.recovery_tables import PoolCreativeRow
    from store import pool

    tag = uuid.uuid4().hex[:6]
    async with store.session() as s:
        approved = await pool.add(
            s,
            PoolCreativeRow(
                advertiser_id=ADV,
                creative_id="v10033g50000demo0002",
                ad_text=f"From the pool {tag}",
                landing_page_url="https://shop.example.com/pool",
                call_to_action="SHOP_NOW",
                added_by="ada",
            ),
        )
        waiting = await pool.add(s, PoolCreativeRow(
            advertiser_id=ADV, creative_id="v10033g50000demo0003", ad_text=f"Not yet {tag}", state="uploaded",
            added_by="ingest"))  # fmt: skip
    name = f"Launch-pool-{tag}"

    def with_pool_ad(pool_id: int) -> CampaignLaunchInput:
        raw = launch_input(name, "none").model_dump(mode="json")
        raw["adgroups"][0]["ads"][0] = {"ad_name": f"{name} / pool", "pool_id": pool_id}
        return CampaignLaunchInput.model_validate(raw)

    async with running_worker(ts_env.client, store, cipher, fresh_simulator.base_url) as tq:
        result: LaunchResult = await (await _start(ts_env, tq, with_pool_ad(int(approved.id or 0)))).result()
        with pytest.raises(WorkflowFailureError) as refused:
            await (await _start(ts_env, tq, with_pool_ad(int(waiting.id or 0)))).result()
    assert result.outcome == "launched"
    ads = {a.ad_name: a for a in (await on_tiktok(fresh_simulator.base_url, name))["ads"]}
    pooled = ads[f"{name} / pool"]
    assert pooled.video_id == "v10033g50000demo0002" and pooled.ad_text == f"From the pool {tag}"
    found = InvalidInput.find(refused.value)
    assert found is not None and "adgroups[0].ads[0].pool_id" in found.message and "uploaded" in found.message
