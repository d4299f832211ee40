"""The words people read about a launch or a cycle's moves, rendered from the facts a
workflow sends.

Workflows send a :class:`Notice` (kind, launch, stage, deadline, outcome); this module
turns it into a subject and a body with the command to act on it. Slack and e-mail
renderers of the alerts issue start from the same facts.
"""

from __future__ import annotations

from models.launch import Notice

APPROVE_HINT = (
    "Approve: starter.py approve {wid} --as USER   Reject: starter.py reject {wid} --as USER --reason ..."
)


def render(notice: Notice) -> tuple[str, str]:
    """``(subject, body)`` for ``notice``; notices from older workers carry their own text."""
    if notice.subject is not None and notice.body is not None:
        return notice.subject, notice.body
    wid = notice.workflow_id or "?"
    launch = (
        f"{notice.requester} asks to launch '{notice.campaign_name}' for advertiser "
        f"{notice.advertiser_id} ({notice.adgroups} ad group(s)); approval {notice.approval_policy}"
    )
    deadline = f"; decide by {notice.deadline:%Y-%m-%d %H:%M} UTC" if notice.deadline else ""
    if notice.kind == "cycle_approval":
        subject = f"Optimization of advertiser {notice.advertiser_id}: moves wait for approval"
        body = f"The optimization cycle {wid} proposes{deadline}:\n{notice.reason or ''}\n"
        return subject, body + APPROVE_HINT.format(
            wid=wid
        ) + "\nUnapproved moves are dropped at the deadline."
    if notice.kind == "launch_outcome":
        subject = f"Launch '{notice.campaign_name}': {notice.outcome}"
        body = f"Your launch {wid} ended {notice.outcome}" + (f": {notice.reason}" if notice.reason else ".")
        return subject, body + f"\nDetails: starter.py status {wid}"
    if notice.kind == "approval_timeout":
        return (
            f"Launch '{notice.campaign_name}' cancelled",
            f"Nobody decided launch {wid} before its deadline; nothing was created.",
        )
    subject = {
        "approval_requested": "Approval requested",
        "approval_reminder": "Reminder: approval pending",
        "approval_turn": f"Your turn: stage {notice.stage} approval",
    }.get(notice.kind, notice.kind)
    body = launch + deadline + ".\n" + APPROVE_HINT.format(wid=wid)
    if notice.stage == 2:
        body = "Stage 1 is approved; stage 2 waits for a different approver.\n" + body
    rec = notice.recommendation
    if rec is not None:
        body += (
            f"\nRecommended structure: {rec.adgroups} ad group(s) at {rec.daily_budget_per_adgroup:g}/day, "
            f"{rec.bid_strategy}. " + " ".join(rec.notes)
        )
    return f"{subject}: '{notice.campaign_name}'", body
