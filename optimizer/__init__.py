"""Pure decision logic, no I/O: bandits, Bayesian models, pacing and bidding for the
``OptimizationCycle``. Every decision it proposes is clipped by ``policy`` afterwards."""
