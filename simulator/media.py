"""Reading image sizes and MP4 metadata from the bytes themselves (no Pillow, no ffprobe).

PNG (IHDR), JPEG (SOFn marker), GIF (logical screen) and MP4/MOV (``moov/mvhd`` duration,
``trak/tkhd`` width and height) are parsed from their headers. When bytes cannot be read
(or an upload is by URL), metadata is derived deterministically from a hash instead.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

VIDEO_SHAPES = ((1080, 1920), (720, 1280), (1080, 1080), (1920, 1080))


@dataclass(frozen=True)
class VideoMeta:
    width: int
    height: int
    duration: float
    format: str


def image_size(data: bytes) -> tuple[str, int, int] | None:
    """(format, width, height) of a PNG, JPEG or GIF, or None."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24 and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        return "png", width, height
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return "gif", width, height
    if data[:2] == b"\xff\xd8":
        return _jpeg_size(data)
    return None


def _jpeg_size(data: bytes) -> tuple[str, int, int] | None:
    index = 2
    while index + 4 <= len(data):
        if data[index] != 0xFF:
            index += 1
            continue
        marker = data[index + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7 or marker == 0xFF:
            index += 1 if marker == 0xFF else 2
            continue
        (length,) = struct.unpack(">H", data[index + 2 : index + 4])
        is_sof = 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC)
        if is_sof and index + 9 <= len(data):
            height, width = struct.unpack(">HH", data[index + 5 : index + 9])
            return "jpeg", width, height
        index += 2 + length
    return None


def _boxes(data: bytes, start: int, end: int) -> list[tuple[bytes, int, int]]:
    """(type, payload start, payload end) of the ISO-BMFF boxes in data[start:end]."""
    out = []
    index = start
    while index + 8 <= end:
        size, kind = struct.unpack(">I4s", data[index : index + 8])
        header = 8
        if size == 1 and index + 16 <= end:
            (size,) = struct.unpack(">Q", data[index + 8 : index + 16])
            header = 16
        elif size == 0:
            size = end - index
        if size < header or index + size > end:
            break
        out.append((kind, index + header, index + size))
        index += size
    return out


def mp4_meta(data: bytes) -> VideoMeta | None:
    """Duration from ``mvhd`` and size from the first visual ``tkhd``, or None if not an MP4/MOV."""
    top = _boxes(data, 0, len(data))
    if not top or top[0][0] not in (b"ftyp", b"moov", b"mdat", b"free", b"wide"):
        return None
    moov = next(((s, e) for k, s, e in top if k == b"moov"), None)
    if moov is None:
        return None
    duration, width, height = 0.0, 0, 0
    for kind, start, end in _boxes(data, *moov):
        if kind == b"mvhd" and end - start >= 32:
            version = data[start]
            if version == 1:
                timescale, length = struct.unpack(">IQ", data[start + 20 : start + 32])
            else:
                timescale, length = struct.unpack(">II", data[start + 12 : start + 20])
            duration = length / timescale if timescale else 0.0
        elif kind == b"trak" and not width:
            for sub, s_start, s_end in _boxes(data, start, end):
                if sub == b"tkhd" and s_end - s_start >= 8:
                    w, h = struct.unpack(">II", data[s_end - 8 : s_end])
                    width, height = w >> 16, h >> 16
    brand = data[top[0][1] : top[0][1] + 4] if top[0][0] == b"ftyp" else b""
    fmt = "mov" if brand == b"qt  " else "mp4"
    if not width:
        return VideoMeta(1080, 1920, round(duration, 3), fmt)
    return VideoMeta(width, height, round(duration, 3), fmt)


def fake_video_meta(digest: str, fmt: str = "mp4") -> VideoMeta:
    """Plausible metadata derived from a hex digest: same bytes or URL, same answer."""
    number = int(digest[:12], 16)
    width, height = VIDEO_SHAPES[number % len(VIDEO_SHAPES)]
    duration = 5 + (number // 7) % 5500 / 100  # 5.00 .. 59.99 s
    return VideoMeta(width, height, round(duration, 2), fmt)


def fake_image_size(digest: str) -> tuple[int, int]:
    number = int(digest[:12], 16)
    return VIDEO_SHAPES[number % len(VIDEO_SHAPES)]
