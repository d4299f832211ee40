"""Customer-file uploads resume after a crash: files TikTok acknowledged (recorded in the
store) are not uploaded again, the others are, and the run gets every file's path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import SecretStr
from sqlalchemy import delete
from sqlmodel import col
from temporalio.client import Client
from temporalio.testing import ActivityEnvironment

from activities.audiences import AudienceActivities
from activities.context import Dependencies
from models.audience_runs import SendInput, StageInput
from models.audience_tables import AudienceProgressRow
from models.audiences import AudienceSyncInput
from settings import Settings
from store import Store, TokenCipher
from tests.workflows.helpers import DEMO_ADVERTISER, DEMO_TOKEN, connect_advertiser

UPLOAD = "dmp/custom_audience/file/upload/"


async def test_acknowledged_files_are_not_uploaded_again(
    store: Store, cipher: TokenCipher, fresh_simulator: Any, tmp_path: Path
) -> None:
    await connect_advertiser(store, cipher, DEMO_ADVERTISER, DEMO_TOKEN)
    rows = tmp_path / "ids.csv"
    rows.write_text("id\n" + "".join(f"r{i}@example.com\n" for i in range(100)))
    settings = Settings(
        tiktok_base_url=fresh_simulator.base_url,
        data_dir=tmp_path,
        change_log_key=SecretStr("k"),
        audience_max_file_bytes=20 * 65,  # five files of twenty digests
    )
    deps = Dependencies.build(settings, store=store, cipher=cipher)
    acts = AudienceActivities(deps, Client.__new__(Client))  # the Temporal client is not used here
    sync = AudienceSyncInput.model_validate(
        {"advertiser_id": DEMO_ADVERTISER, "audience_name": "resume", "encryption_type": "EMAIL_SHA256",
         "source": {"path": str(rows)}}
    )  # fmt: skip
    env = ActivityEnvironment()
    uploads = fresh_simulator.sim.stats.requests_by_path
    try:
        staged = await env.run(acts.stage_audience, StageInput(sync=sync, run_key="resume-1"))
        send = SendInput(sync=sync, run_key="resume-1", staged=staged)
        first = await env.run(acts.upload_audience_files, send)
        assert (len(first.file_paths), first.reused, uploads[UPLOAD]) == (5, 0, 5)
        async with store.session() as session:  # a crash after the third acknowledgement
            await session.execute(
                delete(AudienceProgressRow).where(
                    col(AudienceProgressRow.run_key) == "resume-1", col(AudienceProgressRow.chunk) >= 3
                )
            )
        second = await env.run(acts.upload_audience_files, send)
    finally:
        await deps.tiktok.aclose()
        await deps.oauth.aclose()
    assert second.reused == 3 and uploads[UPLOAD] == 5 + 2  # only the two unacknowledged files
    assert second.file_paths[:3] == first.file_paths[:3]
