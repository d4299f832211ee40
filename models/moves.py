"""How a cycle's moves go to TikTok: grouped into the entity operations' requests, in the
order they are applied (status changes first: pauses free budget; then budgets, bid
strategies, bids), each change carrying its own reason and the value the cycle planned from.

Pure and sandbox-safe: the workflow runs these requests as activities, the quality
benchmark runs the same requests against the activities directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from models.entities import (
    BidChange,
    BudgetChange,
    EntityStep,
    ManagedType,
    OperationStatus,
    SetStatusInput,
    UpdateBidsInput,
    UpdateBudgetsInput,
)
from models.optimization import Move

Operation = Literal["set_status", "update_budgets", "update_bids"]
STATUS_STEPS: tuple[tuple[str, ManagedType, OperationStatus], ...] = (
    ("pause", "ad", "DISABLE"),
    ("pause", "adgroup", "DISABLE"),
    ("resume", "adgroup", "ENABLE"),
)


@dataclass(frozen=True)
class Batch:
    """One entity-operation request and the moves it applies."""

    operation: Operation
    request: EntityStep
    moves: list[Move]
    summary: str


def batches(moves: list[Move], *, advertiser_id: str, key: str, actor: str) -> list[Batch]:
    """The requests that apply ``moves``, in order; ``key`` prefixes each request's key."""

    def step(batch: list[Move], name: str, field: str) -> dict[str, Any]:
        return {
            "advertiser_id": advertiser_id,
            "key": f"{key}/{name}",
            "actor": actor,
            "reason": "optimization cycle",
            "reasons": {m.entity_id: f"{m.rule}: {m.reason}" for m in batch},
            "expected_before": {m.entity_id: {field: m.before} for m in batch},
        }

    out: list[Batch] = []
    for kind, entity_type, status in STATUS_STEPS:
        batch = [m for m in moves if m.kind == kind and m.entity_type == entity_type]
        if batch:
            request = SetStatusInput(
                **step(batch, f"{entity_type}/{status.lower()}", "operation_status"),
                entity_type=entity_type,
                ids=[m.entity_id for m in batch],
                operation_status=status,
            )
            out.append(Batch("set_status", request, batch, f"{status} {len(batch)} {entity_type}(s)"))
    budgets = [m for m in moves if m.kind == "budget"]
    if budgets:
        changes = [
            BudgetChange(entity_type=m.entity_type, entity_id=m.entity_id, budget=float(m.after or 0))
            for m in budgets
        ]
        request_b = UpdateBudgetsInput(**step(budgets, "budgets", "budget"), budgets=changes)
        out.append(Batch("update_budgets", request_b, budgets, f"Set {len(budgets)} budget(s)"))
    switches = [m for m in moves if m.kind == "bid_type"]
    if switches:
        strategy = [
            BidChange(
                adgroup_id=m.entity_id,
                bid_type=m.after,
                conversion_bid_price=m.inputs.get("bid") if m.after == "BID_TYPE_CUSTOM" else None,
            )
            for m in switches
        ]
        request_s = UpdateBidsInput(**step(switches, "bid-strategies", "bid_type"), bids=strategy)
        summary = f"Switch the bid strategy of {len(switches)} ad group(s)"
        out.append(Batch("update_bids", request_s, switches, summary))
    bids = [m for m in moves if m.kind == "bid"]
    if bids:
        prices = [BidChange(adgroup_id=m.entity_id, conversion_bid_price=float(m.after or 0)) for m in bids]
        request_c = UpdateBidsInput(**step(bids, "bids", "conversion_bid_price"), bids=prices)
        out.append(Batch("update_bids", request_c, bids, f"Set {len(bids)} Cost Cap bid(s)"))
    return out
