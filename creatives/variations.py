"""Derived variations of a creative (FR-1, use case 1), made with the same ffmpeg binary:
aspect-ratio versions (9:16, 1:1, 16:9 by padding or cropping), a thumbnail, burned-in
captions from a subtitle file, and call-to-action text variants from templates. Every
generated text passes the NG-word filter of section 12 (the launch guardrails' list) and
TikTok's 100-character limit; a text that does not is reported with the reason, not used."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from creatives.probe import MediaFacts, ffmpeg
from creatives.spec import ratio_name

SIZES = {"9:16": (720, 1280), "1:1": (720, 720), "16:9": (1280, 720)}
DEFAULT_CTA_TEMPLATES = ("{text} - Shop now", "{text}. Limited time only", "New: {text}")
MAX_AD_TEXT = 100


@dataclass(frozen=True)
class TextVariant:
    text: str
    refused: str | None = None  # why it is not used


def _run(args: list[str], timeout: float = 600.0) -> None:
    command = [ffmpeg(), "-hide_banner", "-v", "error", "-y", *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        last = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}"
        raise RuntimeError(f"ffmpeg failed: {last}")


def aspect_version(src: Path, facts: MediaFacts, ratio: str, out: Path, mode: str = "pad") -> Path | None:
    """``src`` at ``ratio`` (None when it already is): scaled to fit and padded with black, or
    scaled to fill and cropped (``mode="crop"``)."""
    if ratio_name(facts) == ratio:
        return None
    width, height = SIZES[ratio]
    if mode == "crop":
        shape = f"scale={width}:{height}:force_original_aspect_ratio=increase,crop={width}:{height}"
    else:
        shape = (f"scale={width}:{height}:force_original_aspect_ratio=decrease,"
                 f"pad={width}:{height}:(ow-iw)/2:(oh-ih)/2")  # fmt: skip
    args = ["-i", str(src), "-vf", f"{shape},setsar=1"]
    if facts.kind == "video":
        args += ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "copy"]
    else:
        args += ["-frames:v", "1"]
    _run([*args, str(out)])
    return out


def thumbnail(src: Path, facts: MediaFacts, out: Path) -> Path:
    """A JPG of the frame at one second (the first frame of shorter videos)."""
    at = "1" if (facts.duration or 0) > 1.5 else "0"
    _run(["-ss", at, "-i", str(src), "-frames:v", "1", "-q:v", "3", str(out)])
    return out


def burn_captions(src: Path, subtitles: Path, out: Path) -> Path:
    """``src`` with the subtitle file's text drawn into the picture (for sound-off viewing)."""
    escaped = str(subtitles).replace("\\", "\\\\").replace(":", "\\:").replace("'", "\\'")
    _run(["-i", str(src), "-vf", f"subtitles='{escaped}'", "-c:v", "libx264", "-pix_fmt", "yuv420p",
          "-c:a", "copy", str(out)])  # fmt: skip
    return out


def cta_variants(
    text: str, ng_words: tuple[str, ...], templates: tuple[str, ...] = DEFAULT_CTA_TEMPLATES
) -> list[TextVariant]:
    """The ad text through each template, each checked like a launch's ad text."""
    out: list[TextVariant] = []
    for template in templates:
        variant = template.format(text=text.strip()).strip()
        lowered = variant.lower()
        word = next((w for w in ng_words if w.lower() in lowered), None)
        if word is not None:
            out.append(TextVariant(variant, f"contains the NG word {word!r}"))
        elif len(variant) > MAX_AD_TEXT:
            out.append(TextVariant(variant, f"longer than {MAX_AD_TEXT} characters"))
        else:
            out.append(TextVariant(variant))
    return out
