"""Pydantic models: TikTok API shapes, workflow inputs/outputs, and the store's tables.

This package imports nothing else of ours, so workflows can import it inside the sandbox.
"""
