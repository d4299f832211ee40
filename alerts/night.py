"""Night mode (requirement document section 14): from 22:00 to 08:00 in Japan warnings and
info wait until morning; critical alerts always go out at once."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from models.alerts import Level

JST = ZoneInfo("Asia/Tokyo")


def held_until(
    level: Level,
    now: datetime,
    *,
    start: time = time(22, 0),
    end: time = time(8, 0),
    zone: ZoneInfo = JST,
) -> datetime | None:
    """When an alert of ``level`` raised at ``now`` (aware) may go out; None: at once."""
    if level == "critical":
        return None
    local = now.astimezone(zone)
    clock = local.time()
    in_night = clock >= start or clock < end if start > end else start <= clock < end
    if not in_night:
        return None
    morning = local.date() + (timedelta(days=1) if start > end and clock >= start else timedelta())
    return datetime.combine(morning, end, tzinfo=zone).astimezone(UTC)
