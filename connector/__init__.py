"""The TikTok Marketing API client: transport, error taxonomy, one module per API family."""

from connector import entities, files, management
from connector.client import TikTokClient
from connector.errors import *  # noqa: F403  the error classes TikTok's answers map to
from connector.errors import __all__ as _error_names

__all__ = ["TikTokClient", "entities", "files", "management", *_error_names]
