"""The dashboard in a real headless Chromium (Debian's ``chromium``; .ci/run installs it):
the dashboard runs as its own process on the store, a login link opens the advertiser's page,
Plotly draws the charts (their SVG is in the rendered DOM), and a screenshot is saved."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from dashboard.auth import dashboard_key, login_token
from settings import Settings
from store import Store
from tests.integration.processes import free_port
from tests.test_dashboard import seeded  # noqa: F401 - the fixture

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SECRET = "browser-test-secret"


def chromium(*args: str, timeout: float = 60) -> str:
    assert CHROMIUM is not None
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
             "--virtual-time-budget=8000", "--window-size=1400,1800"]  # fmt: skip
    done = subprocess.run([CHROMIUM, *flags, *args], capture_output=True, text=True, timeout=timeout)
    return done.stdout


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")
def test_the_page_renders_in_chromium(store: Store, seeded: dict[str, str], tmp_path: Path) -> None:  # noqa: F811
    port = free_port()
    env = {**os.environ, "TTADS_DATABASE_URL": store.url, "TTADS_DASHBOARD_PORT": str(port),
           "TTADS_DASHBOARD_SECRET": SECRET, "TTADS_DATA_DIR": str(tmp_path)}  # fmt: skip
    env.pop("DATABASE_URL", None)
    server = subprocess.Popen([sys.executable, "-m", "dashboard"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        key = dashboard_key(Settings(dashboard_secret=SecretStr(SECRET)))
        page = f"/a/{seeded['adv']}"
        url = f"{base}/login?token={login_token(key, seeded['user'])}&next={page}"
        dom = chromium("--dump-dom", url)
        assert "id='kpi-spend'" in dom or 'id="kpi-spend"' in dom, dom[:2000]
        assert "303.00" in dom and "CPA below target" in dom
        assert dom.count("main-svg") >= 3, "Plotly did not draw the three charts"
        shot = tmp_path / "dashboard.png"
        chromium(f"--screenshot={shot}", f"{base}/login?token={login_token(key, seeded['user'])}&next={page}")
        assert shot.is_file() and shot.stat().st_size > 20_000
        if artifacts := os.environ.get("TTADS_TEST_ARTIFACTS"):  # where CI keeps what a person may look at
            Path(artifacts).mkdir(parents=True, exist_ok=True)
            shutil.copy(shot, Path(artifacts) / "dashboard.png")
    finally:
        server.terminate()
        server.wait(10)
