"""``python -m dashboard``: serve the dashboard (default http://127.0.0.1:8080)."""

from __future__ import annotations

import uvicorn

from dashboard.app import create_app
from observability import logs
from settings import get_settings


def main() -> None:
    settings = get_settings()
    logs.configure(settings)
    uvicorn.run(
        create_app(settings), host=settings.dashboard_host, port=settings.dashboard_port, log_level="warning"
    )


if __name__ == "__main__":
    main()
