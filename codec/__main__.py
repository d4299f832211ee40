"""``python -m codec``: the codec server (default http://127.0.0.1:8081), for the Web UI's
"Remote Codec Endpoint" and ``temporal workflow show --codec-endpoint``. Configuration comes
from ``TTADS_*``: the keys, the accepted bearer tokens, the UI origins."""

from __future__ import annotations

import uvicorn

from codec.server import create_app
from observability import logs
from settings import get_settings


def main() -> None:
    settings = get_settings()
    logs.configure(settings)
    uvicorn.run(
        create_app(settings),
        host=settings.codec_server_host,
        port=settings.codec_server_port,
        log_level="warning",
    )


if __name__ == "__main__":
    main()
