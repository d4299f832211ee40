"""The HTTPS receiver for TikTok webhooks: verify, dedupe, hand off (see ``webhooks.app``)."""

from webhooks.app import PATH, create_app

__all__ = ["PATH", "create_app"]
