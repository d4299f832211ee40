"""TikTok's creative specs on small media made here with ffmpeg: each rule fails by name on
a file made to break it, and a good file passes with its score explained."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from creatives.probe import ffmpeg, probe
from creatives.spec import failures, score


def make_video(path: Path, size: str = "540x960", seconds: float = 5.0, audio: bool = True) -> Path:
    command = [ffmpeg(), "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc=size={size}:rate=25"]
    if audio:
        command += ["-f", "lavfi", "-i", "sine=frequency=440"]
    command += ["-t", str(seconds), "-c:v", "libx264", "-pix_fmt", "yuv420p"]
    command += ["-c:a", "aac", "-shortest"] if audio else []
    subprocess.run([*command, str(path)], check=True)
    return path


def make_image(path: Path, size: str = "640x640") -> Path:
    subprocess.run([ffmpeg(), "-v", "error", "-y", "-f", "lavfi", "-i", f"color=c=red:size={size}",
                    "-frames:v", "1", str(path)], check=True)  # fmt: skip
    return path


def test_a_good_vertical_video_passes(tmp_path: Path) -> None:
    facts = probe(make_video(tmp_path / "good.mp4"))
    assert (facts.kind, facts.width, facts.height, facts.codec, facts.audio_codec) == (
        "video",
        540,
        960,
        "h264",
        "aac",
    )
    assert facts.duration is not None and abs(facts.duration - 5.0) < 0.1
    assert facts.mean_volume_db is not None and not facts.decode_errors
    assert failures(facts) == []
    points, reasons = score(facts, [])
    assert points == 95 and reasons == ["-5 under 720 px on the short side"]


@pytest.mark.parametrize(
    ("name", "make", "rule"),
    [
        ("short.mp4", lambda p: make_video(p, seconds=2), "duration"),
        ("silent.mp4", lambda p: make_video(p, audio=False), "audio"),
        ("four-three.mp4", lambda p: make_video(p, size="640x480"), "aspect_ratio"),
        ("small.mp4", lambda p: make_video(p, size="360x640"), "resolution"),
        ("clip.mkv", lambda p: make_video(p), "format"),
        ("tiny.png", lambda p: make_image(p, "100x100"), "resolution"),
        ("banner.png", lambda p: make_image(p, "1200x300"), "aspect_ratio"),
    ],
)
def test_each_rule_fails_by_name(tmp_path: Path, name: str, make: object, rule: str) -> None:
    facts = probe(make(tmp_path / name))  # type: ignore[operator]
    failed = failures(facts)
    assert rule in {f.rule for f in failed}, failed
    points, reasons = score(facts, failed)
    assert points <= 75 and any(r.startswith(f"-25 {rule}") for r in reasons)


def test_broken_files_fail_integrity(tmp_path: Path) -> None:
    good = make_video(tmp_path / "whole.mp4")
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    text = tmp_path / "notes.mp4"
    text.write_text("not a video at all\n")
    for path in (cut, text):
        assert "integrity" in {f.rule for f in failures(probe(path))}, path


def test_a_square_image_passes(tmp_path: Path) -> None:
    facts = probe(make_image(tmp_path / "square.png"))
    assert (facts.kind, facts.width, facts.height) == ("image", 640, 640)
    assert failures(facts) == []


def test_variations_have_the_asked_shape_and_pass_the_specs(tmp_path: Path) -> None:
    from creatives.variations import aspect_version, burn_captions, cta_variants, thumbnail
    from policy.guardrails import DEFAULT_NG_WORDS

    src = make_video(tmp_path / "src.mp4", size="720x1280")
    facts = probe(src)
    assert aspect_version(src, facts, "9:16", tmp_path / "same.mp4") is None  # already 9:16
    for ratio, mode, size in (("1:1", "pad", (720, 720)), ("16:9", "crop", (1280, 720))):
        made = aspect_version(src, facts, ratio, tmp_path / f"{mode}.mp4", mode=mode)
        assert made is not None
        derived = probe(made)
        assert (derived.width, derived.height) == size and derived.audio_codec == "aac"
        assert failures(derived) == []
    thumb = probe(thumbnail(src, facts, tmp_path / "thumb.jpg"))
    assert (thumb.kind, thumb.width, thumb.height) == ("image", 720, 1280)
    subtitles = tmp_path / "captions.srt"
    subtitles.write_text("1\n00:00:00,000 --> 00:00:04,000\nSpring is here\n")
    captioned = probe(burn_captions(src, subtitles, tmp_path / "captioned.mp4"))
    assert failures(captioned) == [] and captioned.duration and captioned.duration > 4.5
    texts = cta_variants("Miracle cream", DEFAULT_NG_WORDS) + cta_variants("Spring sale", DEFAULT_NG_WORDS)
    assert all(
        v.refused and "miracle" in v.refused for v in texts[:3]
    )  # the NG filter applies to generated text
    assert [v.text for v in texts[3:] if v.refused is None] == [
        "Spring sale - Shop now", "Spring sale. Limited time only", "New: Spring sale"]  # fmt: skip


FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")


def test_on_screen_text_is_read_or_the_skip_is_said(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    from creatives import ocr

    image = tmp_path / "sale.png"
    drawn = f"drawtext=fontfile={FONT}:text='SPRING SALE':fontsize=90:fontcolor=black:x=60:y=300"
    if FONT.is_file():
        subprocess.run([ffmpeg(), "-v", "error", "-y", "-f", "lavfi", "-i", "color=c=white:size=720x720",
                        "-vf", drawn, "-frames:v", "1", str(image)], check=True)  # fmt: skip
    else:
        make_image(image, "720x720")
    facts = probe(image)
    if shutil.which("tesseract") and FONT.is_file():
        assert ocr.screen_text(image, facts).text == "SPRING SALE"
    monkeypatch.setattr(ocr.shutil, "which", lambda name: None)
    missing = ocr.screen_text(image, facts)
    assert missing.text is None and missing.skipped and "tesseract is not installed" in missing.skipped
