"""The structure recommender and template helpers: pure functions."""

from __future__ import annotations

from cli.templates import parse_sets
from policy.recommender import recommend
from store.templates import merge
from tests.workflows.launch_helpers import launch_input


def test_too_many_adgroups_for_the_budget_are_merged() -> None:
    inp = launch_input("R", "none").model_copy(deep=True)
    raw = inp.model_dump(mode="json")
    raw["campaign"]["budget"] = 300
    for g in raw["adgroups"]:
        g.update(budget=150, bid_strategy="cost_cap", target_cpa=20, conversion_bid_price=20)
    raw["adgroups"].append({**raw["adgroups"][1], "adgroup_name": "R / third"})
    rec = recommend(type(inp).model_validate(raw))
    # 300/day at CPA 20: each ad group needs ~143/day for 50 conversions a week -> 2, not 3
    assert (rec.adgroups, rec.daily_budget_per_adgroup, rec.bid_strategy) == (2, 150.0, "cost_cap")
    assert "suggest 2" in rec.notes[0]


def test_no_target_cpa_follows_history() -> None:
    raw = launch_input("R", "none").model_dump(mode="json")
    for g in raw["adgroups"]:
        g.update(bid_strategy="max_delivery", target_cpa=None, conversion_bid_price=None)
    inp = type(launch_input("R")).model_validate(raw)
    assert recommend(inp).bid_strategy == "max_delivery"
    assert recommend(inp, past_adgroups=4, past_cost_cap_share=0.75).bid_strategy == "cost_cap"


def test_overrides_deep_merge_and_dotted_paths() -> None:
    assert parse_sets(["campaign.budget=800", "approval_policy=none", "campaign.campaign_name=Q4 sale"]) == {
        "campaign": {"budget": 800, "campaign_name": "Q4 sale"},
        "approval_policy": "none",
    }
    template = {"campaign": {"budget": 500, "objective_type": "CONVERSIONS"}, "approval_policy": "two_stage"}
    assert merge(template, parse_sets(["campaign.budget=800"])) == {
        "campaign": {"budget": 800, "objective_type": "CONVERSIONS"},
        "approval_policy": "two_stage",
    }
