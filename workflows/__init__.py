"""Deterministic orchestration only: no I/O, no clocks, no randomness but Temporal's.

Imported inside the workflow sandbox, so this package imports nothing with side effects.
"""
