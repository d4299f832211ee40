"""On-screen text of a creative, read with tesseract where it is installed (Debian's
``tesseract-ocr``): one frame at one second (or the image itself) through ffmpeg, then
tesseract. Where tesseract is missing, the result says so instead of guessing."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from creatives.probe import MediaFacts, ffmpeg


@dataclass(frozen=True)
class ScreenText:
    text: str | None
    skipped: str | None = None  # why no text was read


def screen_text(path: Path, facts: MediaFacts, timeout: float = 120.0) -> ScreenText:
    tesseract = shutil.which("tesseract")
    if tesseract is None:
        return ScreenText(None, "skipped: tesseract is not installed (Debian: tesseract-ocr)")
    with tempfile.TemporaryDirectory() as tmp:
        frame = Path(tmp) / "frame.png"
        at = ["-ss", "1"] if facts.kind == "video" and (facts.duration or 0) > 1.5 else []
        grab = [ffmpeg(), "-v", "error", "-y", *at, "-i", str(path), "-frames:v", "1", str(frame)]
        if subprocess.run(grab, capture_output=True, timeout=timeout).returncode != 0 or not frame.is_file():
            return ScreenText(None, "skipped: no frame could be read")
        done = subprocess.run([tesseract, str(frame), "-", "--psm", "6"], capture_output=True, text=True,
                              timeout=timeout)  # fmt: skip
    if done.returncode != 0:
        return ScreenText(None, f"skipped: tesseract failed ({done.stderr.strip()[:120]})")
    return ScreenText(" ".join(done.stdout.split()))
