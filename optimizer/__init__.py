"""Pure decision logic, no I/O: guardrails now; bandits, Bayesian models and pacing later."""
