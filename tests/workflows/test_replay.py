"""Every history in tests/histories/ replays against the current workflow code.

Histories are recorded from the previous version with tests/histories/record.py (see
docs/operator-guide.md, "Replaying"). A change that would break running workflows fails
here; guard such changes with ``workflow.patched``. The last test proves the check bites.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from temporalio import workflow
from temporalio.worker import Replayer

from cli.replay import history_from_file, replay_histories
from models.workflows import AdvertiserSyncInput

HISTORIES = sorted((Path(__file__).parents[1] / "histories").glob("*.json"))


def test_histories_are_present() -> None:
    names = {p.stem for p in HISTORIES}
    assert {"advertiser_sync", "campaign_launch_two_stage", "token_refresh_waiting"} <= names
    # this version's: refusal completes, outcome notices, compensation after enabling
    assert {"campaign_launch_two_stage_v2", "campaign_launch_guardrail_violation_v2"} <= names
    assert {"campaign_launch_compensated_v2", "rollback_launch_v2", "optimization_cycle_approved_v3"} <= names
    # this version's: the cycle's reconciler and detectors, a recovery, token alerts
    v5 = {"optimization_cycle_approved_v5", "rejection_recovery_restored_v5", "token_refresh_waiting_v5"}
    assert v5 <= names
    # this version's: audience export (both modes) and conversions
    v6 = {"audience_sync_streaming_v6", "audience_sync_file_v6", "conversion_upload_v6", "daily_report_v6",
          "creative_ingest_v6"}  # fmt: skip
    assert v6 <= names and {"daily_report_v7", "campaign_launch_pool_v7"} <= names  # v7: fatigue, pool ads


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_history_replays_on_current_code(path: Path) -> None:
    failures = await replay_histories([history_from_file(path)])
    assert failures == {}


@workflow.defn(name="AdvertiserSync", sandboxed=False)  # test-only: the test module is not sandbox-safe
class ReorderedSync:
    """A changed AdvertiserSync that reads ads before campaigns: not replay-safe."""

    @workflow.run
    async def run(self, inp: AdvertiserSyncInput) -> None:
        for name in ("sync_advertiser_info", "sync_ads", "sync_campaigns"):
            await workflow.execute_activity(
                name, inp.advertiser_id, start_to_close_timeout=timedelta(minutes=1)
            )


async def test_an_incompatible_change_is_caught() -> None:
    from temporalio.contrib.pydantic import pydantic_data_converter

    history = history_from_file(next(p for p in HISTORIES if p.stem == "advertiser_sync"))
    result = await Replayer(
        workflows=[ReorderedSync], data_converter=pydantic_data_converter
    ).replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is not None
    assert "nondetermin" in str(result.replay_failure).lower()
