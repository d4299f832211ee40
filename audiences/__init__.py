"""Audience export: identifiers, sources and the staging that readies rows for TikTok."""
