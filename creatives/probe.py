"""What a media file is, read with ffmpeg (the binary of the ``imageio-ffmpeg`` wheel, so
nothing needs a system install): container, codec, duration, size, resolution, audio, mean
loudness, and whether it decodes to the end without errors."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import imageio_ffmpeg

DURATION = re.compile(r"Duration: (\d+):(\d+):(\d+(?:\.\d+)?)")
VIDEO = re.compile(r"Stream #\S+.*?: Video: (\w+).*?, (\d{2,5})x(\d{2,5})")
AUDIO = re.compile(r"Stream #\S+.*?: Audio: (\w+)")
VOLUME = re.compile(r"mean_volume: (-?\d+(?:\.\d+)?) dB")
IMAGE_CODECS = {"png", "mjpeg", "jpeg", "bmp", "webp", "gif"}


@dataclass
class MediaFacts:
    path: str
    size: int
    extension: str
    kind: str = "unknown"  # video, image or unknown
    codec: str | None = None
    width: int | None = None
    height: int | None = None
    duration: float | None = None
    audio_codec: str | None = None
    mean_volume_db: float | None = None
    decode_errors: list[str] = field(default_factory=list)

    @property
    def aspect(self) -> float | None:
        return self.width / self.height if self.width and self.height else None


def ffmpeg() -> str:
    return str(imageio_ffmpeg.get_ffmpeg_exe())


def probe(path: Path, timeout: float = 300.0) -> MediaFacts:
    """Read ``path``'s header, then decode it once (videos: with the loudness filter)."""
    facts = MediaFacts(path=str(path), size=path.stat().st_size, extension=path.suffix.lower().lstrip("."))
    header = subprocess.run(  # no output file: ffmpeg prints what it found and exits 1
        [ffmpeg(), "-hide_banner", "-i", str(path)], capture_output=True, text=True, timeout=timeout
    ).stderr
    if (video := VIDEO.search(header)) is not None:
        facts.codec, facts.width, facts.height = video.group(1), int(video.group(2)), int(video.group(3))
    if (audio := AUDIO.search(header)) is not None:
        facts.audio_codec = audio.group(1)
    if (duration := DURATION.search(header)) is not None:
        h, m, s = duration.groups()
        facts.duration = int(h) * 3600 + int(m) * 60 + float(s)
    if facts.codec is None:
        facts.decode_errors.append(header.strip().splitlines()[-1] if header.strip() else "not a media file")
        return facts
    facts.kind = "image" if facts.codec in IMAGE_CODECS and not facts.audio_codec else "video"
    command = [ffmpeg(), "-hide_banner", "-nostats", "-v", "info", "-i", str(path)]
    if facts.audio_codec:
        command += ["-af", "volumedetect"]
    decoded = subprocess.run([*command, "-f", "null", "-"], capture_output=True, text=True, timeout=timeout)
    if (volume := VOLUME.search(decoded.stderr)) is not None:
        facts.mean_volume_db = float(volume.group(1))
    words = ("error", "invalid data", "corrupt")
    problems = [line.strip() for line in decoded.stderr.splitlines() if any(w in line.lower() for w in words)]
    if decoded.returncode != 0 and not problems:
        problems.append(f"ffmpeg exited {decoded.returncode}")
    facts.decode_errors = problems[:5]
    return facts
