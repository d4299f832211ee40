"""Creative library: probe media with ffmpeg, check it against TikTok's specs, score it."""
