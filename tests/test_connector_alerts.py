"""The TikTok client's own alerts: a circuit that opens after 5 consecutive failures
(critical) and rate-limit usage above 80 % (warning) become stored alerts, once."""

from __future__ import annotations

import uuid

from sqlmodel import col, select

from activities.watch import ConnectorAlerts
from connector.breaker import CircuitBreaker
from connector.telemetry import ConnectorMetrics
from models.recovery_tables import AlertRow
from settings import Settings
from store import Store


async def test_circuit_open_and_high_usage_become_alerts_once(store: Store) -> None:
    adv = f"72{uuid.uuid4().int % 10**17:017d}"
    watch = ConnectorAlerts(store, Settings())
    breaker = CircuitBreaker(threshold=5, on_open=watch.circuit_open)
    for _ in range(4):
        breaker.record_failure(adv)
    metrics = ConnectorMetrics(on_high_usage=watch.high_usage)
    metrics.usage("management", adv, 0.5)  # under 80 %: nothing
    await watch.aclose()
    async with store.session() as session:
        assert not (await session.execute(select(AlertRow).where(col(AlertRow.advertiser_id) == adv))).all()
    for _ in range(3):  # the fifth failure opens it; later ones do not raise it again
        breaker.record_failure(adv)
    metrics.usage("management", adv, 0.85)
    metrics.usage("management", adv, 0.9)
    await watch.aclose()
    async with store.session() as session:
        rows = (await session.execute(select(AlertRow).where(col(AlertRow.advertiser_id) == adv))).scalars()
        got = sorted((r.kind, r.level) for r in rows)
    assert got == [("api_failures", "critical"), ("rate_limit_usage", "warning")]
