"""deploy/ checked offline against published schemas: the compose file against the Compose
Specification (check-jsonschema's bundled copy), the Kubernetes manifests against the API's
OpenAPI schemas in strict mode (kubernetes-validate), and against the service itself: every
``TTADS_*`` variable they set is a real setting, no secret is committed, shutdown outlasts
the activities' heartbeats."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from settings import Settings

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
K8S_VERSION = "1.30.0"
SECRETS = ("SECRET", "KEY", "TOKEN", "PASSWORD", "PWD", "DATABASE_URL", "WEBHOOK_URL")


def manifests() -> list[tuple[str, dict[str, Any]]]:
    out = []
    for path in sorted((DEPLOY / "k8s").glob("*.yaml")):
        if path.name != "kustomization.yaml":
            out += [(path.name, doc) for doc in yaml.safe_load_all(path.read_text()) if doc]
    return out


def test_compose_follows_the_compose_specification() -> None:
    answer = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.compose-spec",
         str(DEPLOY / "compose.yaml")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert answer.returncode == 0, answer.stdout + answer.stderr
    services = yaml.safe_load((DEPLOY / "compose.yaml").read_text())["services"]
    assert services["worker"]["deploy"]["replicas"] == 2
    assert {"temporal", "temporal-ui", "postgresql", "worker", "receiver"} <= set(services)
    assert all("healthcheck" in services[s] for s in ("postgresql", "temporal", "worker", "receiver"))
    worker = services["worker"]  # each replica throttles to its share of the app's TikTok quota
    assert int(worker["environment"]["TTADS_RATE_LIMIT_PROCESSES"]) == worker["deploy"]["replicas"]


def test_kubernetes_workers_share_the_quota_at_their_most() -> None:
    docs = {d["kind"]: d for _, d in manifests() if d["kind"] in ("ConfigMap", "HorizontalPodAutoscaler")}
    share = int(docs["ConfigMap"]["data"]["TTADS_RATE_LIMIT_PROCESSES"])
    assert share == docs["HorizontalPodAutoscaler"]["spec"]["maxReplicas"]
    assert not docs["ConfigMap"]["data"]["TTADS_TIKTOK_BASE_URL"].endswith("/open_api")  # the client adds it


@pytest.mark.parametrize(("name", "doc"), manifests(), ids=lambda v: v if isinstance(v, str) else "")
def test_each_manifest_is_valid_kubernetes(name: str, doc: dict[str, Any]) -> None:
    kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


def test_the_validation_is_strict() -> None:
    """A misspelt field fails: the check above can fail."""
    _, deployment = next((n, d) for n, d in manifests() if d["kind"] == "Deployment")
    deployment = {**deployment, "spec": {**deployment["spec"], "replica": 2}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, K8S_VERSION, strict=True)


def test_kustomization_lists_every_manifest() -> None:
    kustomization = yaml.safe_load((DEPLOY / "k8s" / "kustomization.yaml").read_text())
    files = {p.name for p in (DEPLOY / "k8s").glob("*.yaml")} - {"kustomization.yaml"}
    assert set(kustomization["resources"]) == files


def test_every_variable_set_is_a_setting_and_no_secret_is_committed() -> None:
    fields = {f"TTADS_{name.upper()}" for name in Settings.model_fields} | {
        "TTADS_IMAGE_TAG",
        "TTADS_CODEC_PUBLIC_URL",
    }
    for path in [*DEPLOY.rglob("*.yaml"), *DEPLOY.rglob("*.example"), DEPLOY / "Dockerfile"]:
        text = path.read_text()
        unknown = set(re.findall(r"TTADS_[A-Z0-9_]+", text)) - fields
        assert not unknown, f"{path.name}: {sorted(unknown)} are not settings"
        for line in text.splitlines():
            m = re.match(r"\s*(TTADS_\w+|POSTGRES_\w+)\s*[=:]\s*(\S*)", line)
            if m and any(s in m.group(1) for s in SECRETS) and "DATABASE_URL" not in m.group(1):
                assert m.group(2) in ("", '""', "CHANGE-ME"), f"{path.name}: {m.group(1)} has a value"
    assert not [p for p in (DEPLOY / "env").glob("*") if not p.name.endswith(".example")]


def test_shutdown_outlasts_heartbeats_and_the_image_runs_as_nobody_in_particular() -> None:
    heartbeats = [
        int(n) * (60 if unit == "minutes" else 1)
        for p in (ROOT / "workflows").glob("*.py")
        for unit, n in re.findall(r"HEARTBEAT\w* = timedelta\((seconds|minutes)=(\d+)\)", p.read_text())
    ]
    grace = Settings().worker_graceful_shutdown_seconds
    (worker,) = [
        d
        for _, d in manifests()
        if d["metadata"]["name"] == "tiktok-ads-worker" and d["kind"] == "Deployment"
    ]
    assert (
        heartbeats
        and max(heartbeats) < grace < worker["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
    )
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert re.search(r"python:3\.\d+\.\d+-slim", dockerfile) and re.search(r"^USER 10001", dockerfile, re.M)
