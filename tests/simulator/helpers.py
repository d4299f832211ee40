"""Helpers shared by the simulator tests: envelope assertions, scenarios, creative bytes."""

from __future__ import annotations

import hashlib
import struct
import zlib
from typing import Any

import httpx

from simulator import DEMO_ADVERTISER_ID, Scenario, SimulatorServer, demo_scenario

ADV = DEMO_ADVERTISER_ID


def load(server: SimulatorServer, scenario: Scenario) -> None:
    response = httpx.post(
        f"{server.base_url}/sim/scenario", json=scenario.model_dump(mode="json"), timeout=30
    )
    response.raise_for_status()


def ok(response: httpx.Response) -> Any:
    """The ``data`` of a successful envelope (asserting HTTP 200 and code 0)."""
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["code"] == 0, body
    return body["data"]


def error(response: httpx.Response, code: int) -> str:
    """Assert a TikTok error envelope (HTTP 200, this code); returns its message."""
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["code"] == code, body
    assert set(body) == {"code", "message", "request_id", "data"}
    return str(body["message"])


def small_scenario(**overrides: Any) -> Scenario:
    """The demo scenario without rate limits, with top-level fields replaced (``seed``, ``limits``...)."""
    data = demo_scenario().model_dump(mode="json")
    data["limits"] = {"default": {}}
    data.update(overrides)
    return Scenario.model_validate(data)


# -- creative bytes -----------------------------------------------------------------------------


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def make_mp4(width: int = 720, height: int = 1280, seconds: float = 12.5, timescale: int = 1000) -> bytes:
    """A minimal MP4 whose moov/mvhd and trak/tkhd carry the given duration and size."""
    mvhd = bytes(4) + bytes(8) + struct.pack(">II", timescale, int(seconds * timescale)) + bytes(80)
    tkhd = bytes(4) + bytes(72) + struct.pack(">II", width << 16, height << 16)
    moov = _box(b"moov", _box(b"mvhd", mvhd) + _box(b"trak", _box(b"tkhd", tkhd)))
    return _box(b"ftyp", b"isom\x00\x00\x02\x00isomiso2mp41") + moov + _box(b"mdat", bytes(64))


def make_png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0"))
        + chunk(b"IEND", b"")
    )


def make_jpeg(width: int, height: int) -> bytes:
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof0 = b"\xff\xc0" + struct.pack(">HBHHB", 17, 8, height, width, 3) + bytes(9)
    return b"\xff\xd8" + app0 + sof0 + b"\xff\xd9"


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()
