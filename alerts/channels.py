"""Where alerts go. Each channel turns an alert into its own message and sends it over real
HTTP (httpx) or SMTP (smtplib); a channel raises ``ChannelError`` with the reason when the
far end refuses, and the router records that reason on the alert instead of failing.

Slack and Teams take incoming-webhook URLs; an approval request to Slack carries Approve
and Reject buttons whose clicks come back to the receiver's ``/slack/actions``. Jira gets
a ticket (REST API v2 ``issue``) for escalated rejections only: a ticket is work for a
person, not a notification.
"""

from __future__ import annotations

import asyncio
import json
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any, Protocol

import httpx

from models.alerts import Alert

COLORS = {"critical": "#d0021b", "warning": "#f5a623", "info": "#4a90e2"}
TICKET_KINDS = ("recovery_escalated",)


class ChannelError(Exception):
    """The channel could not deliver; the message says why."""


class Channel(Protocol):
    name: str

    async def send(self, alert: Alert) -> str: ...


def _text(alert: Alert) -> str:
    return f"[{alert.level.upper()}] {alert.title}"


async def _post(url: str, body: dict[str, Any], **kwargs: Any) -> httpx.Response:
    try:
        async with httpx.AsyncClient(timeout=10) as http:
            answer = await http.post(url, json=body, **kwargs)
    except httpx.HTTPError as exc:
        raise ChannelError(f"{type(exc).__name__}: {exc}") from exc
    if not answer.is_success:
        raise ChannelError(f"HTTP {answer.status_code}: {answer.text[:200]}")
    return answer


@dataclass
class Slack:
    url: str
    name: str = "slack"

    async def send(self, alert: Alert) -> str:
        blocks: list[dict[str, Any]] = [
            {"type": "section", "text": {"type": "mrkdwn", "text": f"*{_text(alert)}*\n{alert.body}"[:2900]}}
        ]
        if alert.approval_workflow_id:
            value = alert.approval_workflow_id
            blocks.append(
                {
                    "type": "actions",
                    "block_id": "approval",
                    "elements": [
                        {"type": "button", "text": {"type": "plain_text", "text": "Approve"},
                         "style": "primary", "action_id": "approve", "value": value},
                        {"type": "button", "text": {"type": "plain_text", "text": "Reject"},
                         "style": "danger", "action_id": "reject", "value": value},
                    ],
                }
            )  # fmt: skip
        await _post(self.url, {"text": _text(alert), "blocks": blocks})
        return "sent"


@dataclass
class Teams:
    url: str
    name: str = "teams"

    async def send(self, alert: Alert) -> str:
        card = {
            "@type": "MessageCard",
            "@context": "https://schema.org/extensions",
            "themeColor": COLORS[alert.level].lstrip("#"),
            "summary": _text(alert),
            "title": _text(alert),
            "text": alert.body.replace("\n", "<br>"),
        }
        await _post(self.url, card)
        return "sent"


@dataclass
class Webhook:
    url: str
    name: str = "webhook"

    async def send(self, alert: Alert) -> str:
        await _post(self.url, alert.model_dump(mode="json"))
        return "sent"


@dataclass
class Email:
    host: str
    port: int
    sender: str
    to: list[str]
    starttls: bool = False
    user: str | None = None
    password: str | None = None
    name: str = "email"

    async def send(self, alert: Alert) -> str:
        message = EmailMessage()
        message["Subject"], message["From"], message["To"] = _text(alert), self.sender, ", ".join(self.to)
        message.set_content(alert.body or alert.title)
        try:
            await asyncio.to_thread(self._send, message)
        except (OSError, smtplib.SMTPException) as exc:
            raise ChannelError(f"{type(exc).__name__}: {exc}") from exc
        return "sent"

    def _send(self, message: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=10) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.user and self.password:
                smtp.login(self.user, self.password)
            smtp.send_message(message)


@dataclass
class Jira:
    base_url: str
    email: str
    token: str
    project: str
    name: str = "jira"

    async def send(self, alert: Alert) -> str:
        if alert.kind not in TICKET_KINDS:
            return "skipped"
        fields = {
            "project": {"key": self.project},
            "summary": alert.title[:250],
            "description": alert.body,
            "issuetype": {"name": "Task"},
            "labels": ["tiktok-ads", alert.kind],
        }
        answer = await _post(
            f"{self.base_url.rstrip('/')}/rest/api/2/issue", {"fields": fields}, auth=(self.email, self.token)
        )
        try:
            key = json.loads(answer.text).get("key", "?")
        except ValueError:
            key = "?"
        return f"ticket {key}"
