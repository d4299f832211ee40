"""``python -m webhooks [--host H] [--port P]``: the receiver as its own process (``make demo``
starts it; deploy/ runs it behind TLS). Configuration comes from ``TTADS_*`` (settings.py)."""

from __future__ import annotations

import argparse
import logging

import uvicorn

from settings import get_settings
from webhooks.app import create_app


def main() -> None:
    settings = get_settings()
    parser = argparse.ArgumentParser(prog="python -m webhooks", description=__doc__)
    parser.add_argument("--host", default=settings.webhook_host)
    parser.add_argument("--port", type=int, default=settings.webhook_port)
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args()
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(name)s %(levelname)s %(message)s")
    uvicorn.run(
        create_app(settings), host=args.host, port=args.port, log_level=args.log_level, access_log=False
    )


if __name__ == "__main__":
    main()
