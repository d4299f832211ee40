"""How the client reaches Temporal: plain, TLS, mTLS or an API key, from settings alone;
the ids operators expect."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr
from temporalio.client import TLSConfig

from models.launch import CampaignLaunchInput
from models.workflows import AdvertiserSyncInput
from settings import Settings
from temporal_client import default_workflow_id, tls_config, ui_link
from tests.workflows.launch_helpers import launch_input


def test_tls_from_settings(tmp_path: Path) -> None:
    cert, key, ca = (tmp_path / n for n in ("c.pem", "k.pem", "ca.pem"))
    for path in (cert, key, ca):
        path.write_bytes(path.name.encode())
    assert tls_config(Settings()) is False
    assert tls_config(Settings(temporal_tls=True)) is True
    assert tls_config(Settings(temporal_api_key=SecretStr("k"))) is True  # Temporal Cloud API key
    mtls = tls_config(Settings(temporal_tls_cert=cert, temporal_tls_key=key, temporal_tls_ca=ca))
    assert isinstance(mtls, TLSConfig)
    assert (mtls.client_cert, mtls.client_private_key, mtls.server_root_ca_cert) == (
        b"c.pem",
        b"k.pem",
        b"ca.pem",
    )


def test_workflow_ids_and_links() -> None:
    sync = AdvertiserSyncInput(advertiser_id="7000000000000000001")
    assert default_workflow_id("AdvertiserSync", sync) == "sync-7000000000000000001"
    assert default_workflow_id("TokenRefresh", sync) == "token-refresh-7000000000000000001"
    launch: CampaignLaunchInput = launch_input("Autumn: 2x / Sale!")
    assert default_workflow_id("CampaignLaunch", launch).startswith("launch-autumn-2x-sale-")
    assert (
        ui_link(Settings(temporal_namespace="ads"), "sync-1")
        == "http://localhost:8233/namespaces/ads/workflows/sync-1"
    )
