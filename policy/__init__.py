"""Policy: the rules every launch and every decision is clipped by (spec section 12).

Pure functions over models, no I/O: launch guardrails and pre-flight checks
(``guardrails``), and the launch structure recommender shown to approvers
(``recommender``). The optimization guardrails (budget floors, burn rate, Cost Cap band,
learning-phase protection) join them here.
"""
