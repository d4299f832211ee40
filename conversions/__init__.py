"""Conversions for TikTok's Events API: rows to events, staged and sent in batches."""
