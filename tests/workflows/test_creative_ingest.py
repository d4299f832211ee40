"""CreativeIngest on the time-skipping server with the real worker and the simulator: a good
video and image are uploaded once and kept in the pool waiting for approval; an asset that
breaks a spec is refused by name, never uploaded, and kept as a draft; a second run with the
same workflow id's keys finds the uploads instead of making new ones."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from sqlmodel import col, select
from temporalio.testing import WorkflowEnvironment

from models.creative_ingest import CreativeIngestResult
from models.recovery_tables import PoolCreativeRow
from store import Store, TokenCipher
from tests.creatives.test_spec import make_image, make_video
from tests.workflows.helpers import DEMO_ADVERTISER, DEMO_TOKEN, connect_advertiser, running_worker
from workflows.creative_ingest import CreativeIngest


async def test_good_assets_are_uploaded_once_and_bad_ones_refused(
    ts_env: WorkflowEnvironment, store: Store, cipher: TokenCipher, fresh_simulator: Any, tmp_path: Path
) -> None:
    await connect_advertiser(store, cipher, DEMO_ADVERTISER, DEMO_TOKEN)
    tag = uuid.uuid4().hex[:6]
    good = make_video(tmp_path / f"spring-{tag}.mp4")
    square = make_image(tmp_path / f"square-{tag}.png")
    short = make_video(tmp_path / f"teaser-{tag}.mp4", seconds=2)
    job = {
        "advertiser_id": DEMO_ADVERTISER,
        "campaign_id": "1700000000000000001",
        "tags": ["spring"],
        "assets": [
            {"path": str(good), "ad_text": "Spring is here", "tags": ["vertical"]},
            {"path": str(square), "ad_text": "Spring sale"},
            {"path": str(short), "ad_text": "Too short"},
        ],
    }
    wid = f"ingest-{tag}"
    stats = fresh_simulator.sim.stats
    async with running_worker(
        ts_env.client, store, cipher, fresh_simulator.base_url, data_dir=tmp_path
    ) as tq:
        result: CreativeIngestResult = await ts_env.client.execute_workflow(
            CreativeIngest.run, job, id=wid, task_queue=tq, result_type=CreativeIngestResult
        )
        uploads = (
            stats.requests_by_path["file/video/ad/upload/"],
            stats.requests_by_path["file/image/ad/upload/"],
        )
        again: CreativeIngestResult = await ts_env.client.execute_workflow(
            CreativeIngest.run, job, id=wid, task_queue=tq, result_type=CreativeIngestResult
        )  # the same workflow id: the same upload keys

    by_name = {a.name: a for a in result.assets}
    video, image, teaser = by_name[good.name], by_name[square.name], by_name[short.name]
    assert (video.state, image.state, teaser.state) == ("uploaded", "uploaded", "refused")
    assert video.creative_id and image.creative_id and teaser.creative_id is None
    assert [f.rule for f in teaser.failures] == ["duration"] and teaser.score <= 75
    assert video.score == 95 and video.reasons == ["-5 under 720 px on the short side"]
    assert uploads == (1, 1)  # the refused teaser was never sent
    assert {a.name: a.creative_id for a in again.assets} == {a.name: a.creative_id for a in result.assets}
    async with store.session() as session:
        rows = (
            (await session.execute(select(PoolCreativeRow).where(col(PoolCreativeRow.source).contains(tag))))
            .scalars()
            .all()
        )
    assert sorted((r.state, r.kind, r.ad_text) for r in rows) == [
        ("draft", "video", "Too short"), ("uploaded", "image", "Spring sale"),
        ("uploaded", "video", "Spring is here")]  # fmt: skip
    draft = next(r for r in rows if r.state == "draft")  # kept with the rule it broke, never uploaded
    assert draft.creative_id is None and draft.note.startswith("refused: duration:")
    assert teaser.pool_id == draft.id and video.pool_id and len(rows) == 3  # the rerun added none
    vertical = next(r for r in rows if r.kind == "video" and r.state == "uploaded")
    assert vertical.tags == ["spring", "vertical"] and vertical.score == 95
    assert vertical.facts["width"] == 540 and vertical.facts["audio_codec"] == "aac"


def test_the_cli_refuses_bad_input_by_field(tmp_path: Path) -> None:
    from tests.cliutil import cli

    run = cli({"TTADS_DATA_DIR": str(tmp_path)})
    answer = run("creatives", "ingest", "clip.mp4", "--advertiser", "not-digits")
    assert answer.exit_code == 2 and "advertiser_id" in answer.output


async def test_variations_are_derived_checked_uploaded_and_linked(
    ts_env: WorkflowEnvironment, store: Store, cipher: TokenCipher, fresh_simulator: Any, tmp_path: Path
) -> None:
    await connect_advertiser(store, cipher, DEMO_ADVERTISER, DEMO_TOKEN)
    tag = uuid.uuid4().hex[:6]
    source = make_video(tmp_path / f"launch-{tag}.mp4", size="720x1280")
    captions = tmp_path / "captions.srt"
    captions.write_text("1\n00:00:00,000 --> 00:00:04,000\nSpring is here\n")
    job = {
        "advertiser_id": DEMO_ADVERTISER,
        "assets": [{"path": str(source), "ad_text": "Spring is here"}],
        "variations": ["9:16", "1:1"],
        "thumbnails": True,
        "captions": str(captions),
        "cta_templates": ["{text} - Shop now", "{text}: guaranteed results"],
    }
    async with running_worker(
        ts_env.client, store, cipher, fresh_simulator.base_url, data_dir=tmp_path
    ) as tq:
        result: CreativeIngestResult = await ts_env.client.execute_workflow(
            CreativeIngest.run, job, id=f"ingest-{tag}", task_queue=tq, result_type=CreativeIngestResult
        )
    names = [(a.name, a.derived_from, a.state, a.kind) for a in result.assets]
    assert names == [
        (source.name, None, "uploaded", "video"),
        (f"launch-{tag} [1:1 pad].mp4", source.name, "uploaded", "video"),  # 9:16 already: not derived
        (f"launch-{tag} [thumbnail].jpg", source.name, "uploaded", "image"),
        (f"launch-{tag} [captioned].mp4", source.name, "uploaded", "video"),
    ]  # fmt: skip
    texts = result.assets[0].texts
    assert [(t.text, t.refused is None) for t in texts] == [
        ("Spring is here - Shop now", True), ("Spring is here: guaranteed results", False)]  # fmt: skip
    async with store.session() as session:
        rows = (
            (await session.execute(select(PoolCreativeRow).where(col(PoolCreativeRow.source).contains(tag))))
            .scalars()
            .all()
        )
    by_text = sorted((r.kind, r.ad_text) for r in rows if r.creative_id == result.assets[0].creative_id)
    assert by_text == [
        ("video", "Spring is here"),
        ("video", "Spring is here - Shop now"),
    ]  # NG text not kept
    thumbnail = next(a for a in result.assets if a.name.endswith("[thumbnail].jpg"))
    source_rows = [r for r in rows if r.creative_id == result.assets[0].creative_id]
    assert all(r.facts.get("cover_image_id") == thumbnail.creative_id for r in source_rows)  # its cover
    assert all(r.facts["video_cover_url"].endswith("cover.jpg") for r in source_rows)  # TikTok's own
    derived = [r for r in rows if "derived" in r.tags]
    assert len({r.creative_id for r in derived}) == 3 and all(
        f"from:{source.name}" in r.tags for r in derived
    )
