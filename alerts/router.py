"""One alert to every configured channel; what each answered, never an exception."""

from __future__ import annotations

import logging

from alerts.channels import Channel, ChannelError, Email, Jira, Slack, Teams, Webhook
from models.alerts import Alert
from settings import Settings

log = logging.getLogger("alerts")
LOG_LEVELS = {"critical": logging.CRITICAL, "warning": logging.WARNING, "info": logging.INFO}


def channels_from(settings: Settings) -> list[Channel]:
    """The channels the settings configure, in a fixed order."""
    out: list[Channel] = []
    if settings.alert_slack_webhook_url:
        out.append(Slack(settings.alert_slack_webhook_url))
    if settings.alert_teams_webhook_url:
        out.append(Teams(settings.alert_teams_webhook_url))
    if settings.alert_webhook_url:
        out.append(Webhook(settings.alert_webhook_url))
    if settings.smtp_host and settings.alert_email_to:
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        out.append(
            Email(
                settings.smtp_host,
                settings.smtp_port,
                settings.smtp_from,
                list(settings.alert_email_to),
                settings.smtp_starttls,
                settings.smtp_user,
                password,
            )
        )
    if settings.jira_base_url and settings.jira_email and settings.jira_api_token:
        token = settings.jira_api_token.get_secret_value()
        out.append(Jira(settings.jira_base_url, settings.jira_email, token, settings.jira_project))
    return out


async def deliver(alert: Alert, channels: list[Channel]) -> dict[str, str]:
    """Send ``alert`` on every channel; ``{channel: "sent" | "skipped" | "ticket KEY" | "error: ..."}``.
    The log always gets it."""
    log.log(LOG_LEVELS[alert.level], "[%s] %s: %s", alert.level.upper(), alert.title, alert.body)
    outcome = {"log": "sent"}
    for channel in channels:
        try:
            outcome[channel.name] = await channel.send(alert)
        except ChannelError as exc:
            outcome[channel.name] = f"error: {exc}"[:300]
            log.warning("alert channel %s failed: %s", channel.name, exc)
        except Exception as exc:  # a broken channel must not stop the others
            outcome[channel.name] = f"error: {type(exc).__name__}: {exc}"[:300]
            log.exception("alert channel %s failed", channel.name)
    return outcome
