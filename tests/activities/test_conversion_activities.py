"""The conversion activities when the spool is gone (a retry on another worker): the send
stages the source again, anchored on the first stage's time, and sends the same events."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from temporalio.client import Client
from temporalio.testing import ActivityEnvironment

from activities.context import Dependencies
from activities.conversions import ConversionActivities
from models.conversions import ConversionSendInput, ConversionStageInput, ConversionUploadInput
from settings import Settings
from store import Store, TokenCipher
from tests.workflows.helpers import DEMO_ADVERTISER, DEMO_TOKEN, connect_advertiser


async def test_a_send_without_the_spool_stages_again_the_same_way(
    store: Store, cipher: TokenCipher, fresh_simulator: Any, tmp_path: Path
) -> None:
    await connect_advertiser(store, cipher, DEMO_ADVERTISER, DEMO_TOKEN)
    now = int(time.time())
    source = tmp_path / "orders.csv"
    source.write_text("event,event_time,event_id,consent\n" + "".join(
        f"CompletePayment,{now - 3600 * i},o{i},yes\n" for i in range(5)
    ))  # fmt: skip
    settings = Settings(
        tiktok_base_url=fresh_simulator.base_url,
        data_dir=tmp_path,
        change_log_key=SecretStr("k"),
        conversion_batch=2,
    )
    deps = Dependencies.build(settings, store=store, cipher=cipher)
    acts = ConversionActivities(deps, Client.__new__(Client))  # the Temporal client is not used here
    upload = ConversionUploadInput(
        advertiser_id=DEMO_ADVERTISER, pixel_code="RESTAGE", source={"path": str(source)}
    )
    env = ActivityEnvironment()
    try:
        staged = await env.run(
            acts.stage_conversions, ConversionStageInput(upload=upload, run_key="r1", now=now)
        )
        assert (staged.ready, staged.batches, staged.now) == (5, 3, now)
        shutil.rmtree(acts.folder("r1"))  # the retry lands on a worker without the spool
        sent = await env.run(
            acts.send_conversions, ConversionSendInput(upload=upload, run_key="r1", staged=staged)
        )
    finally:
        await deps.tiktok.aclose()
        await deps.oauth.aclose()
    assert (sent.sent, sent.accepted, sent.requests) == (5, 5, 3)
