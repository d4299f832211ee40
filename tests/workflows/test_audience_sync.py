"""AudienceSync on the time-skipping server with the real worker, the simulator over HTTP
and the store: customer files and streaming, every action, the limits and the refusals."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from temporalio.client import WorkflowFailureError
from temporalio.testing import WorkflowEnvironment

from models.audience_runs import AudienceSyncResult
from models.errors import AudienceRefused
from store import Store, TokenCipher
from tests.workflows.helpers import (
    CHANGE_LOG_KEY,
    DEMO_ADVERTISER,
    DEMO_TOKEN,
    connect_advertiser,
    running_worker,
)
from workflows.audience_sync import AudienceSync

ADV = DEMO_ADVERTISER
LINE = 65  # a SHA-256 hex digest and a newline


def sha(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def emails(prefix: str, count: int) -> list[str]:
    return [f"{prefix}{i}@example.com" for i in range(count)]


def csv_file(folder: Path, header: str, rows: list[str]) -> str:
    path = folder / f"{uuid.uuid4().hex[:8]}.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return str(path)


class Sim:
    """The simulator's admin view of audiences and requests."""

    def __init__(self, server: Any) -> None:
        self.server = server
        self.http = httpx.Client(base_url=server.base_url, timeout=10)

    def limits(self, **values: Any) -> None:
        self.http.post("/sim/audiences/limits", json=values).raise_for_status()

    def audiences(self) -> dict[str, dict[str, Any]]:
        answer = self.http.get("/sim/audiences", params={"advertiser_id": ADV})
        return {a["name"]: a for a in answer.raise_for_status().json()}

    def member(self, audience_id: str, value: str) -> bool:
        answer = self.http.get("/sim/audiences/member", params={"audience_id": audience_id, "hash": value})
        return bool(answer.raise_for_status().json()["member"])

    def requests(self, path: str) -> int:
        return int(self.server.sim.stats.requests_by_path.get(path, 0))

    def target(self, audience_id: str) -> None:
        """Make the demo's first ad group target the audience."""
        api = httpx.Client(base_url=self.server.api_url, headers={"Access-Token": DEMO_TOKEN}, timeout=10)
        groups = api.get("adgroup/get/", params={"advertiser_id": ADV}).json()["data"]["list"]
        body = {"advertiser_id": ADV, "adgroup_id": groups[0]["adgroup_id"], "audience_ids": [audience_id]}
        assert api.post("adgroup/update/", json=body).json()["code"] == 0


@pytest.fixture
def sim(fresh_simulator: Any) -> Sim:
    s = Sim(fresh_simulator)
    s.limits(match_rate=1.0)  # every identifier matches: sizes are exact
    return s


async def sync(env: WorkflowEnvironment, tq: str, job: dict[str, Any]) -> AudienceSyncResult:
    result: AudienceSyncResult = await env.client.execute_workflow(
        AudienceSync.run,
        {"advertiser_id": ADV, **job},
        id=f"audience-test-{uuid.uuid4().hex[:8]}",
        task_queue=tq,
        result_type=AudienceSyncResult,
    )
    return result


async def refused(env: WorkflowEnvironment, tq: str, job: dict[str, Any]) -> str:
    with pytest.raises(WorkflowFailureError) as caught:
        await sync(env, tq, job)
    error = AudienceRefused.find(caught.value)
    assert error is not None, caught.value.cause
    return str(error)


async def test_customer_file_append_replace_remove_and_the_minimum(
    ts_env: WorkflowEnvironment, store: Store, cipher: TokenCipher, sim: Sim, tmp_path: Path
) -> None:
    await connect_advertiser(store, cipher, ADV, DEMO_TOKEN)
    first, second = emails("a", 1200), emails("b", 300)
    overrides = {"data_dir": tmp_path, "audience_max_file_bytes": 40 * LINE}  # 40 ids per file
    async with running_worker(ts_env.client, store, cipher, sim.server.base_url, **overrides) as tq:
        job = {"audience_name": "crm-buyers", "encryption_type": "EMAIL_SHA256", "audience_action": "APPEND"}
        created = await sync(ts_env, tq, {**job, "source": {"path": csv_file(tmp_path, "id", first)}})
        assert (created.rows, created.valid, created.files) == (1200, 1200, 30)
        assert sim.requests("dmp/custom_audience/file/upload/") == 30
        assert sim.requests("dmp/custom_audience/create/") == 1  # 30 files in one request (<= 50)
        audience = sim.audiences()["crm-buyers"]
        assert audience["held"] == 1200 and created.audiences[0].size == 1200 and created.match_rate == 1.0
        assert sim.member(audience["audience_id"], sha(first[7]))

        appended = await sync(ts_env, tq, {**job, "source": {"path": csv_file(tmp_path, "id", second)}})
        assert appended.audiences[0].audience_id == audience["audience_id"]  # found by name, not re-created
        assert sim.audiences()["crm-buyers"]["held"] == 1500

        sim.target(audience["audience_id"])
        removal = {**job, "audience_action": "REMOVE", "source": {"path": csv_file(tmp_path, "id", first)}}
        message = await refused(ts_env, tq, removal)
        assert "below TikTok's minimum of 1000" in message and "crm-buyers" in message
        assert sim.audiences()["crm-buyers"]["held"] == 1500  # refused before anything was sent
        uploads = sim.requests("dmp/custom_audience/file/upload/")

        phones = {"path": csv_file(tmp_path, "id", ["+819012345678"])}
        wrong_type = {**job, "encryption_type": "PHONE_SHA256", "source": phones}
        assert "holds EMAIL_SHA256, the job sends PHONE_SHA256" in await refused(ts_env, tq, wrong_type)
        few = {"path": csv_file(tmp_path, "email", first[:3])}
        stream = {"api_mode": "STREAMING", "audience_names": "crm-buyers", "source": few}
        assert "is a customer-file audience" in await refused(ts_env, tq, stream)

        dry = await sync(ts_env, tq, {**removal, "force": True, "dry_run": True})
        assert (dry.dry_run, dry.expected_size, dry.files) == (True, 300, 30)
        assert sim.requests("dmp/custom_audience/file/upload/") == uploads  # a dry run sends nothing

        with pytest.raises(WorkflowFailureError) as forced:  # forced past our check, TikTok refuses too
            await sync(ts_env, tq, {**removal, "force": True})
        assert "minimum is 1000" in str(forced.value.cause.cause)  # type: ignore[union-attr]

        some = {**removal, "source": {"path": csv_file(tmp_path, "id", first[:200])}}
        removed = await sync(ts_env, tq, some)
        assert removed.audiences[0].size == 1300 and removed.expected_size == 1300
        assert not sim.member(audience["audience_id"], sha(first[7]))
        assert sim.member(audience["audience_id"], sha(first[700]))

        replaced = await sync(
            ts_env,
            tq,
            {**job, "audience_action": "REPLACE", "source": {"path": csv_file(tmp_path, "id", first)}},
        )
        assert replaced.audiences[0].size == 1200
        assert not sim.member(audience["audience_id"], sha(second[7]))
        assert sim.member(audience["audience_id"], sha(first[7]))
    assert not any((tmp_path / "audience-spool").iterdir())  # every finished run cleaned its spool


async def test_streaming_add_delete_and_delete_audience(
    ts_env: WorkflowEnvironment, store: Store, cipher: TokenCipher, sim: Sim, tmp_path: Path
) -> None:
    await connect_advertiser(store, cipher, ADV, DEMO_TOKEN)
    people = [f"{e},+8190{i:08d}," for i, e in enumerate(emails("s", 230))]
    people += [",,6d92078a-8246-4ba4-ae5b-76104861e7dc", "broken-email,,"]
    path = csv_file(tmp_path, "email,phone,aaid", people)
    overrides = {"data_dir": tmp_path, "audience_stream_batch": 25}
    async with running_worker(ts_env.client, store, cipher, sim.server.base_url, **overrides) as tq:
        job = {"api_mode": "STREAMING", "audience_names": "vip,lapsed", "thread_count": 4}
        message = await refused(ts_env, tq, {**job, "source": {"path": path}})
        assert "row 232, column email: email_format" in message  # data rows count from 1
        assert sim.requests("segment/mapping/") == 0 and "vip" not in sim.audiences()

        added = await sync(ts_env, tq, {**job, "skip_invalid_record": True, "source": {"path": path}})
        assert (added.rows, added.valid, added.invalid, added.chunks) == (232, 231, {"email_format": 1}, 10)
        assert sim.requests("segment/mapping/") == 10 and sim.requests("segment/audience/") == 2
        vip = sim.audiences()["vip"]
        assert vip["held"] == 230 * 2 + 1  # e-mail and phone of each person, and one device id
        assert sim.member(vip["audience_id"], sha("s5@example.com"))
        assert sim.member(vip["audience_id"], sha("+819000000005"))

        gone = csv_file(tmp_path, "email_sha256", [sha("s5@example.com"), sha("s6@example.com")])
        by_id = {"api_mode": "STREAMING", "audience_ids": vip["audience_id"], "streaming_action": "DELETE"}
        await sync(ts_env, tq, {**by_id, "source": {"path": gone}})
        assert not sim.member(vip["audience_id"], sha("s5@example.com"))
        assert sim.member(vip["audience_id"], sha("+819000000005"))

        deleted = await sync(ts_env, tq, {**job, "streaming_action": "DELETE_AUDIENCE"})
        assert len(deleted.notes) == 1 and "vip" not in sim.audiences() and "lapsed" not in sim.audiences()


async def test_the_account_limit_is_checked_before_anything_is_sent(
    ts_env: WorkflowEnvironment, store: Store, cipher: TokenCipher, sim: Sim, tmp_path: Path
) -> None:
    await connect_advertiser(store, cipher, ADV, DEMO_TOKEN)
    path = csv_file(tmp_path, "id", emails("c", 10))
    async with running_worker(
        ts_env.client, store, cipher, sim.server.base_url, data_dir=tmp_path, audience_max_per_account=1
    ) as tq:
        job = {"encryption_type": "EMAIL_SHA256", "source": {"path": path}}
        await sync(ts_env, tq, {**job, "audience_name": "one"})
        message = await refused(ts_env, tq, {**job, "audience_name": "two"})
        assert "TikTok allows 1" in message
        assert sim.requests("dmp/custom_audience/file/upload/") == 1


async def test_use_sandbox_goes_to_the_sandbox(
    ts_env: WorkflowEnvironment, store: Store, cipher: TokenCipher, sim: Sim, tmp_path: Path
) -> None:
    """Treasure Data's ``use_sandbox``: the same job lands on the sandbox, not on production;
    a worker without a sandbox refuses it by name."""
    from simulator import SimulatorServer

    await connect_advertiser(store, cipher, ADV, DEMO_TOKEN)
    job = {"auth_method": "access_token", "access_token": "__SAVED__", "use_sandbox": True,
           "audience_name": "sandboxed", "encryption_type": "EMAIL_SHA256",
           "source": {"path": csv_file(tmp_path, "id", emails("x", 5))}}  # fmt: skip
    async with running_worker(ts_env.client, store, cipher, sim.server.base_url, data_dir=tmp_path) as tq:
        assert "use_sandbox: no sandbox is configured" in await refused(ts_env, tq, job)
    with SimulatorServer(port=0) as sandbox:
        Sim(sandbox).limits(match_rate=1.0, min_size=1)  # a small audience may still lose a member
        async with running_worker(
            ts_env.client, store, cipher, sim.server.base_url, data_dir=tmp_path,
            tiktok_sandbox_base_url=sandbox.base_url,
        ) as tq:  # fmt: skip
            await sync(ts_env, tq, job)
        (made,) = Sim(sandbox).audiences().values()
        assert made.get("name") == "sandboxed"
        # a deletion request reaches the audience where it lives: the sandbox
        from activities.context import Dependencies
        from activities.privacy import PrivacyActivities, forget_request
        from settings import Settings

        settings = Settings(tiktok_base_url=sim.server.base_url, tiktok_sandbox_base_url=sandbox.base_url,
                            change_log_key=CHANGE_LOG_KEY, data_dir=tmp_path)  # fmt: skip
        deps = Dependencies.build(settings, store=store, cipher=cipher)
        try:
            req = forget_request("x1@example.com", None, advertiser_id=ADV, requested_by="dpo")
            done = await PrivacyActivities(deps).forget_person(req)
        finally:
            await deps.close_clients()
        assert [a.outcome for a in done.audiences if a.audience_id == made["audience_id"]] == ["removed"]
        digest = hashlib.sha256(b"x1@example.com").hexdigest()
        assert not Sim(sandbox).member(made["audience_id"], digest)
        assert Sim(sandbox).member(made["audience_id"], hashlib.sha256(b"x2@example.com").hexdigest())
    assert "sandboxed" not in sim.audiences()
