"""Alerts: night mode boundaries in JST, every channel over a real socket (HTTP sinks and an
SMTP server from aiosmtpd), a failing channel that does not stop the others, dedupe, and
held alerts sent once in the morning."""

from __future__ import annotations

import json
import socket
import uuid
from datetime import UTC, datetime
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Sink as SmtpSink

from alerts.dispatch import flush_held, send
from alerts.night import JST, held_until
from models.alerts import Alert
from models.recovery_tables import AlertRow
from settings import Settings
from store import Store
from tests.httpsink import HttpSink


def jst(hour: int, minute: int = 0, day: int = 2) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=JST)


@pytest.mark.parametrize(
    ("at", "level", "until"),
    [
        (jst(21, 59), "warning", None),
        (jst(22, 0), "warning", jst(8, 0, day=3)),
        (jst(23, 30), "info", jst(8, 0, day=3)),
        (jst(0, 0), "warning", jst(8, 0)),
        (jst(7, 59), "info", jst(8, 0)),
        (jst(8, 0), "warning", None),
        (jst(23, 0), "critical", None),
        (jst(3, 0), "critical", None),
    ],
)
def test_night_mode_holds_warnings_and_info_from_22_to_8_jst(
    at: datetime, level: str, until: datetime | None
) -> None:
    got = held_until(level, at.astimezone(UTC))  # type: ignore[arg-type]
    assert got == (until.astimezone(UTC) if until else None)


class Mailbox(SmtpSink):
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.messages.append(envelope.content)  # type: ignore[attr-defined]
        return "250 OK"


def day(hour: int) -> datetime:
    return jst(hour).astimezone(UTC)


async def test_every_channel_gets_it_and_a_failing_one_is_recorded(store: Store) -> None:
    mailbox = Mailbox()
    with socket.socket() as probe:  # a free port for the SMTP server
        probe.bind(("127.0.0.1", 0))
        smtp_port = probe.getsockname()[1]
    smtp = Controller(mailbox, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    try:
        with HttpSink() as slack, HttpSink() as teams, HttpSink() as hook, HttpSink() as jira:
            teams.answers = [500]
            jira.reply = json.dumps({"key": "ADS-7"}).encode()
            settings = Settings(
                alert_slack_webhook_url=slack.url,
                alert_teams_webhook_url=teams.url,
                alert_webhook_url=hook.url,
                smtp_host="127.0.0.1",
                smtp_port=smtp_port,
                alert_email_to=["ops@example.com"],
                jira_base_url=jira.url,
                jira_email="bot@example.com",
                jira_api_token="t",  # type: ignore[arg-type]
            )
            alert = Alert(
                level="critical",
                kind="recovery_escalated",
                title=f"Rejected ad {uuid.uuid4().hex[:6]} needs a person",
                body="Tried: 2 creatives",
                approval_workflow_id="optimize-7-x",
            )
            sent = await send(store, settings, alert, day(23))
            assert sent.deliveries == {
                "log": "sent", "slack": "sent", "teams": sent.deliveries["teams"], "webhook": "sent",
                "email": "sent", "jira": "ticket ADS-7",
            }  # fmt: skip
            assert sent.deliveries["teams"].startswith("error: HTTP 500")
            buttons = json.loads(slack.received[0].body)["blocks"][1]["elements"]
            assert [b["action_id"] for b in buttons] == ["approve", "reject"]
            assert buttons[0]["value"] == "optimize-7-x"
            assert json.loads(hook.received[0].body)["title"] == alert.title
            issue = json.loads(jira.received[0].body)["fields"]
            assert issue["project"] == {"key": "ADS"} and issue["summary"] == alert.title
            assert jira.received[0].headers["authorization"].startswith("Basic ")
            mail = message_from_bytes(mailbox.messages[0])
            assert mail["To"] == "ops@example.com" and alert.title in mail["Subject"]
            # a warning is no ticket
            warn = alert.model_copy(update={"level": "warning", "kind": "cpa_spike", "dedupe_key": "w"})
            assert (await send(store, settings, warn, day(12))).deliveries["jira"] == "skipped"
    finally:
        smtp.stop()


async def test_duplicates_are_dropped_and_night_alerts_go_out_once_in_the_morning(store: Store) -> None:
    with HttpSink() as hook:
        settings = Settings(alert_webhook_url=hook.url)
        key = f"cpa/{uuid.uuid4().hex}"
        warning = Alert(level="warning", kind="cpa_spike", title="CPA 2x baseline", dedupe_key=key)
        held = await send(store, settings, warning, day(23))
        assert held.held_until == jst(8, 0, day=3).astimezone(UTC) and not held.deliveries
        assert (await send(store, settings, warning, day(23))).duplicate
        critical = Alert(level="critical", kind="token", title="refresh failed", dedupe_key=key + "/c")
        assert (await send(store, settings, critical, day(23))).deliveries["webhook"] == "sent"
        assert len(hook.received) == 1  # the critical one, at night
        assert await flush_held(store, settings, jst(7, 59, day=3).astimezone(UTC)) == 0
        assert await flush_held(store, settings, jst(8, 1, day=3).astimezone(UTC)) >= 1
        assert await flush_held(store, settings, jst(8, 2, day=3).astimezone(UTC)) == 0
        assert [json.loads(r.body)["title"] for r in hook.received].count("CPA 2x baseline") == 1
        async with store.session() as session:
            row = await session.get(AlertRow, held.alert_id)
        assert row is not None and row.held_until is None and row.deliveries["webhook"] == "sent"
