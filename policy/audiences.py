"""What an audience export may do before anything is sent: TikTok's audience count per
account, the targeting minimum (1,000) for audiences an ad group uses, and the size to
expect. Pure functions of the staged counts and the audiences found, so the workflow
decides deterministically and the dry run reports the same numbers.

Sizes are TikTok's matched members (``cover_num``) and rows are identifiers sent: an
estimate, so a REMOVE is judged by its worst case (every row a member) and a REPLACE by its
best case (every row matched).
"""

from __future__ import annotations

from models.audience_runs import Resolved, Staged, Target
from models.audiences import AudienceSyncInput


def action_of(sync: AudienceSyncInput) -> str:
    return sync.audience_action if sync.api_mode == "CUSTOMER_FILE" else sync.streaming_action


def expected_size(sync: AudienceSyncInput, staged: Staged, target: Target) -> int:
    """The size after the run if every row were a matched identifier."""
    before = target.size or 0
    action = action_of(sync)
    if action in ("APPEND", "ADD"):
        return before + staged.valid
    if action == "REPLACE":
        return staged.valid
    if action in ("REMOVE", "DELETE"):
        return max(before - staged.valid, 0)
    return 0  # DELETE_AUDIENCE


def refusals(sync: AudienceSyncInput, staged: Staged, resolved: Resolved, *, min_size: int) -> list[str]:
    """Why the run must not send anything; empty when it may go ahead."""
    problems: list[str] = []
    action = action_of(sync)
    missing = [t for t in resolved.targets if t.audience_id is None]
    creates = action in ("APPEND", "REPLACE", "ADD")
    if missing and not creates:
        names = ", ".join(repr(t.name) for t in missing)
        if action != "DELETE_AUDIENCE":
            problems.append(f"{action}: no audience named {names} on advertiser {sync.advertiser_id}")
    if creates and missing and resolved.account_audiences + len(missing) > resolved.max_audiences:
        problems.append(
            f"the account has {resolved.account_audiences} custom audiences and TikTok allows "
            f"{resolved.max_audiences}: creating {len(missing)} more is refused; "
            "delete unused audiences first"
        )
    if sync.api_mode == "CUSTOMER_FILE" and missing and staged.valid == 0:
        problems.append(f"audience_name: no valid rows to create {sync.audience_name!r} from")
    if not sync.force:
        for target in resolved.targets:
            if target.audience_id is None or not target.targeted:
                continue
            if action not in ("REPLACE", "REMOVE", "DELETE", "DELETE_AUDIENCE"):
                continue
            after = expected_size(sync, staged, target)
            if after < min_size:
                problems.append(
                    f"{action} could leave audience {target.name!r} ({target.audience_id}), which an ad "
                    f"group targets, with {after} members, below TikTok's minimum of {min_size} for "
                    f"targeting; set force to send it anyway"
                )
    return problems
