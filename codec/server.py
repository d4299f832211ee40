"""The codec server: ``POST /decode`` and ``POST /encode`` of Temporal's payload JSON, so that
the Web UI and ``temporal workflow show --codec-endpoint`` show decrypted payloads to those
allowed, while the Temporal server itself only ever holds ciphertext.

Order of a request: CORS (only the configured UI origins; the browser's preflight is answered
without a token) -> bearer token (one of ``codec_server_tokens``; outside dev a server without
tokens refuses to start) -> the codec over ``{"payloads": [...]}``.
"""

from __future__ import annotations

import hmac
from typing import Any

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from google.protobuf import json_format
from temporalio.api.common.v1 import Payloads

from codec.encryption import EncryptionCodec
from settings import Settings


def _tokens(settings: Settings) -> list[str]:
    raw = settings.codec_server_tokens.get_secret_value() if settings.codec_server_tokens else ""
    return [t.strip() for t in raw.split(",") if t.strip()]


def create_app(settings: Settings, codec: EncryptionCodec | None = None) -> FastAPI:
    codec = codec or settings.payload_codec()
    if codec is None:
        raise ValueError("the codec server needs payload_encryption_keys (TTADS_PAYLOAD_ENCRYPTION_KEYS)")
    tokens = _tokens(settings)
    if not tokens and settings.environment != "dev":
        raise ValueError(
            "codec_server_tokens: required outside dev (a codec server without one decrypts for anyone)"
        )
    app = FastAPI(title="tiktok-ads codec server", docs_url=None, redoc_url=None)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.codec_cors_origins,
        allow_credentials=True,
        allow_methods=["POST", "OPTIONS"],
        allow_headers=["content-type", "x-namespace", "authorization"],
    )

    def allowed(request: Request) -> bool:
        if not tokens:
            return True
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and any(hmac.compare_digest(given, t) for t in tokens)

    async def convert(request: Request, decode: bool) -> JSONResponse:
        if not allowed(request):
            return JSONResponse({"error": "a valid bearer token is required"}, status_code=401)
        try:
            body: Any = await request.json()
            payloads = json_format.ParseDict(body, Payloads(), ignore_unknown_fields=True).payloads
        except ValueError as exc:  # bad JSON, or not a Payloads object
            return JSONResponse({"error": f"payloads: {exc}"}, status_code=400)
        try:
            out = await (codec.decode(payloads) if decode else codec.encode(payloads))
        except Exception as exc:  # an unknown key id, a tampered payload
            return JSONResponse({"error": f"cannot decode: {exc or type(exc).__name__}"}, status_code=422)
        return JSONResponse(json_format.MessageToDict(Payloads(payloads=out)))

    @app.post("/decode")
    async def decode(request: Request) -> JSONResponse:
        return await convert(request, decode=True)

    @app.post("/encode")
    async def encode(request: Request) -> JSONResponse:
        return await convert(request, decode=False)

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok", "active_key": codec.ring.active}

    return app
