"""Thin Temporal activities: call the connector, the store or the optimizer.

Kept free of imports here: workflows import ``activities.names`` inside the sandbox.
"""
