"""TikTok's creative specs as rules, and a quality score that says which checks cost points.

Videos (in-feed placements): MP4, MOV, MPEG or AVI, at most 500 MB, 5 to 600 seconds (5-60 s
recommended), at least 540 px on the short side, aspect ratio 9:16, 1:1 or 16:9 (within 2 %),
an audio track, decoding without errors. Images: JPG or PNG, at most 10 MB, aspect 9:16,
1:1 or 16:9, at least 540 px on the short side. A failed rule refuses the asset (it is not
uploaded); the score (0-100) also takes off points for what TikTok accepts but performs worse
(landscape, over a minute, quiet or clipping audio, below 720 px).
"""

from __future__ import annotations

from dataclasses import dataclass

from creatives.probe import MediaFacts

VIDEO_FORMATS = {"mp4", "mov", "mpeg", "mpg", "avi"}
IMAGE_FORMATS = {"jpg", "jpeg", "png"}
MAX_VIDEO_BYTES = 500 * 1024 * 1024
MAX_IMAGE_BYTES = 10 * 1024 * 1024
RATIOS = {"9:16": 9 / 16, "1:1": 1.0, "16:9": 16 / 9}
MIN_SHORT_SIDE = 540


@dataclass(frozen=True)
class Failure:
    rule: str
    detail: str


def ratio_name(facts: MediaFacts) -> str | None:
    aspect = facts.aspect
    if aspect is None:
        return None
    return next((name for name, value in RATIOS.items() if abs(aspect - value) / value <= 0.02), None)


def failures(facts: MediaFacts) -> list[Failure]:
    """Every rule ``facts`` breaks, named."""
    out: list[Failure] = []
    if facts.decode_errors:
        out.append(Failure("integrity", f"does not decode cleanly: {facts.decode_errors[0]}"))
        if facts.kind == "unknown":
            return out
    video = facts.kind == "video"
    formats, limit = (VIDEO_FORMATS, MAX_VIDEO_BYTES) if video else (IMAGE_FORMATS, MAX_IMAGE_BYTES)
    if facts.extension not in formats:
        out.append(Failure("format", f".{facts.extension} is not one of {', '.join(sorted(formats))}"))
    if facts.size > limit:
        out.append(
            Failure("file_size", f"{facts.size / 1024 / 1024:.1f} MB is over {limit // 1024 // 1024} MB")
        )
    if ratio_name(facts) is None:
        shown = f"{facts.width}x{facts.height}" if facts.width else "unknown"
        out.append(Failure("aspect_ratio", f"{shown} is not 9:16, 1:1 or 16:9"))
    if facts.width and facts.height and min(facts.width, facts.height) < MIN_SHORT_SIDE:
        out.append(
            Failure(
                "resolution", f"{facts.width}x{facts.height}: the short side is under {MIN_SHORT_SIDE} px"
            )
        )
    if video:
        if facts.duration is None or not 5 <= facts.duration <= 600:
            out.append(Failure("duration", f"{facts.duration or 0:.1f} s is outside 5-600 s"))
        if not facts.audio_codec:
            out.append(Failure("audio", "no audio track (TikTok is a sound-on platform)"))
    return out


def score(facts: MediaFacts, failed: list[Failure]) -> tuple[int, list[str]]:
    """0-100 and the reasons points were taken off."""
    points, reasons = 100, []

    def cost(amount: int, why: str) -> None:
        nonlocal points
        points -= amount
        reasons.append(f"-{amount} {why}")

    for failure in failed:
        cost(25, f"{failure.rule}: {failure.detail}")
    if ratio_name(facts) == "16:9":
        cost(10, "landscape: vertical 9:16 fills the feed")
    if facts.width and facts.height and MIN_SHORT_SIDE <= min(facts.width, facts.height) < 720:
        cost(5, "under 720 px on the short side")
    if facts.kind == "video" and facts.duration and facts.duration > 60:
        cost(10, f"{facts.duration:.0f} s: 9-15 s performs best, over 60 s rarely holds attention")
    if facts.mean_volume_db is not None and facts.mean_volume_db < -35:
        cost(5, f"quiet audio ({facts.mean_volume_db:.0f} dB mean)")
    if facts.mean_volume_db is not None and facts.mean_volume_db > -8:
        cost(5, f"loud audio, likely clipping ({facts.mean_volume_db:.0f} dB mean)")
    return max(points, 0), reasons
