"""``python -m webhooks [--host H] [--port P]``: the receiver as its own process (``make demo``
starts it; deploy/ runs it behind TLS). Configuration comes from ``TTADS_*`` (settings.py)."""

from __future__ import annotations

import argparse

import uvicorn
from temporalio.client import Client

from observability import logs
from settings import Settings, get_settings
from temporal_client import connect, metrics_runtime
from webhooks.app import create_app


def main() -> None:
    settings = get_settings()
    parser = argparse.ArgumentParser(prog="python -m webhooks", description=__doc__)
    parser.add_argument("--host", default=settings.webhook_host)
    parser.add_argument("--port", type=int, default=settings.webhook_port)
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args()
    logs.configure(settings, args.log_level)
    metrics = f"{args.host}:{settings.webhook_metrics_port}"  # webhook_deliveries and the client's own

    async def connect_with_metrics(s: Settings) -> Client:
        return await connect(s, metrics=metrics)

    app = create_app(settings, meter=metrics_runtime(metrics).metric_meter, connect=connect_with_metrics)
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, access_log=False)


if __name__ == "__main__":
    main()
