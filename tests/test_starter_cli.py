"""The operator CLI refuses bad input with the field and the reason, and a non-zero exit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.common import EXIT_BAD_INPUT
from starter import app
from tests.cliutil import cli

runner = CliRunner()


def _start(tmp_path: Path, payload: str, workflow: str = "AdvertiserSync") -> tuple[int, str]:
    path = tmp_path / "input.json"
    path.write_text(payload)
    result = runner.invoke(app, ["start", workflow, "--input", str(path)])
    return result.exit_code, result.output


def test_bad_field_is_named(tmp_path: Path) -> None:
    code, out = _start(tmp_path, json.dumps({"advertiser_id": "abc"}))
    assert code == EXIT_BAD_INPUT
    assert "advertiser_id: Value error, must be a TikTok advertiser id: digits only" in out


def test_missing_and_unknown_fields_are_named(tmp_path: Path) -> None:
    code, out = _start(tmp_path, json.dumps({"advertiser": "1"}))
    assert code == EXIT_BAD_INPUT
    assert "advertiser_id: Field required" in out
    assert "advertiser: Extra inputs are not permitted" in out


def test_broken_json_names_line_and_column(tmp_path: Path) -> None:
    code, out = _start(tmp_path, '{"advertiser_id": ')
    assert code == EXIT_BAD_INPUT
    assert "not valid JSON" in out and "line 1" in out


def test_unknown_and_not_yet_built_workflow_types(tmp_path: Path) -> None:
    code, out = _start(tmp_path, "{}", workflow="NoSuchThing")
    assert code == EXIT_BAD_INPUT and "AdvertiserSync" in out
    code, out = _start(tmp_path, "{}", workflow="DailyReport")  # built: its input is checked
    assert code == EXIT_BAD_INPUT and "advertiser_id: Field required" in out
    from models.workflows import WORKFLOW_TYPES
    from workflows.catalog import WORKFLOWS

    assert set(WORKFLOW_TYPES) <= set(WORKFLOWS)  # no public type is only reserved any more


def test_example_inputs_are_valid(tmp_path: Path) -> None:
    """Every file in examples/ validates against its workflow's input model."""
    from workflows.catalog import WORKFLOWS

    examples = Path(__file__).parent.parent / "examples"
    pairs = (
        ("AdvertiserSync", "advertiser_sync"),
        ("TokenRefresh", "token_refresh"),
        ("CampaignLaunch", "campaign_launch"),
        ("Rollback", "rollback"),
        ("OptimizationCycle", "optimization_cycle"),
        ("RejectionRecovery", "rejection_recovery"),
    )
    for workflow, name in pairs:
        _, model = WORKFLOWS[workflow]
        model.model_validate_json((examples / f"{name}.json").read_text())


def test_token_set_stores_the_token_encrypted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import settings

    db = tmp_path / "app.db"
    monkeypatch.setenv("TTADS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TTADS_DATABASE_URL", f"sqlite:///{db}")
    settings.get_settings.cache_clear()
    try:
        result = runner.invoke(app, ["token", "set", "7000000000000000001"], input="tok-very-secret\n")
        bad = runner.invoke(app, ["token", "set", "not-digits"], input="x\n")
    finally:
        settings.get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    import sqlite3

    with sqlite3.connect(db) as conn:
        (blob,) = conn.execute("SELECT access_token_enc FROM oauth_token").fetchone()
    assert blob and b"tok-very-secret" not in blob
    assert all(b"tok-very-secret" not in f.read_bytes() for f in tmp_path.glob("app.db*"))
    assert bad.exit_code == EXIT_BAD_INPUT and "advertiser_id" in bad.output


def test_ttads_console_script_runs_outside_the_checkout(tmp_path: Path) -> None:
    """The installed ``ttads`` entry point finds every package of the CLI (it once missed ``cli``)."""
    import subprocess
    import sys

    script = Path(sys.executable).parent / "ttads"
    done = subprocess.run(
        [str(script), "--help"], cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "approve" in done.stdout and "audit" in done.stdout


def test_a_second_embedded_stack_says_why_in_one_line(tmp_path: Path) -> None:
    """`make demo` while another runs: one line naming the port, exit 1, no traceback."""
    import os
    import socket
    import subprocess
    import sys

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        env = {**os.environ, "TTADS_TEMPORAL_ADDRESS": f"127.0.0.1:{port}", "TTADS_DATA_DIR": str(tmp_path)}
        env.pop("DATABASE_URL", None)
        done = subprocess.run(
            [sys.executable, "starter.py", "dev"],
            cwd=Path(__file__).parent.parent,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert f"port {port} is already in use" in output and "Traceback" not in output
    assert len(output.strip().splitlines()) <= 2, output


def test_whatif_names_a_bad_change_and_a_store_without_reports(tmp_path: Path) -> None:
    bad = runner.invoke(app, ["whatif", "--advertiser", "7000000000000000001", "--change", "18000=abc"])
    assert bad.exit_code == 2 and "ADGROUP_ID=BUDGET" in bad.output
    env = {"TTADS_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}"}
    empty = runner.invoke(
        app, ["whatif", "--advertiser", "7000000000000000001", "--change", "1800000000000000001=150"], env=env
    )
    assert empty.exit_code == EXIT_BAD_INPUT and "no report rows for advertiser" in empty.output


def test_schedule_create_names_a_bad_setting() -> None:
    bad = runner.invoke(app, ["schedule", "create", "7000000000000000001", "--settings", '{"max_move": 3}'])
    assert bad.exit_code == EXIT_BAD_INPUT and "max_move" in bad.output
    broken = runner.invoke(app, ["schedule", "create", "7000000000000000001", "--settings", "{"])
    assert broken.exit_code == EXIT_BAD_INPUT and "not valid JSON" in broken.output


def test_experiments_register_names_a_bad_field_and_an_unknown_arm(tmp_path: Path) -> None:
    env = {"TTADS_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}"}
    run = cli(env)

    base = ["experiments", "register", "--advertiser", "7000000000000000001", "--name", "t"]
    one_arm = run(*base, "--adgroups", "1")
    assert one_arm.exit_code == EXIT_BAD_INPUT and "arms" in one_arm.output, one_arm.output
    unknown = run(*base, "--target-cpa", "40", "--adgroups", "1800000000000000001,1800000000000000002")
    assert unknown.exit_code == EXIT_BAD_INPUT, unknown.output
    assert "arms: 1800000000000000001, 1800000000000000002 not found" in unknown.output
    wrong = run(*base, "--adgroups", "1,2", "--kind", "ab", "--policy", "ucb")
    assert wrong.exit_code == EXIT_BAD_INPUT and "policy: an A/B test splits evenly" in wrong.output
    missing = run("experiments", "show", "7000000000000000001:nope")
    assert missing.exit_code == EXIT_BAD_INPUT and "no experiment" in missing.output


def test_creatives_pool_add_list_archive_and_bad_input(tmp_path: Path) -> None:
    env = {"TTADS_DATABASE_URL": f"sqlite:///{tmp_path / 'pool.db'}"}
    run = cli(env)

    adv = ["--advertiser", "7000000000000000001"]
    added = run("creatives", "add", *adv, "--creative", "v-spare", "--text", "Fresh look", "--as", "olivia")
    assert added.exit_code == 0 and "pool item 1" in added.output, added.output
    bad = run("creatives", "add", *adv, "--creative", "v2", "--text", "x", "--as", "o", "--kind", "gif")
    assert bad.exit_code == EXIT_BAD_INPUT and "kind:" in bad.output
    bad_url = run(
        "creatives", "add", *adv, "--creative", "v2", "--text", "x", "--as", "o", "--landing-page", "nope"
    )
    assert bad_url.exit_code == EXIT_BAD_INPUT and "landing_page_url:" in bad_url.output
    assert "v-spare" in run("creatives", "list", *adv).output
    assert run("creatives", "archive", "1").exit_code == 0
    assert "v-spare" not in run("creatives", "list", *adv, "--state", "approved").output
    assert run("creatives", "archive", "99").exit_code == EXIT_BAD_INPUT
    assert "no recoveries yet" in run("recovery", "list").output
    assert "no alerts" in run("alerts").output
