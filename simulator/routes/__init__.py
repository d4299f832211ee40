"""The simulator's HTTP routes, one module per TikTok API family plus ``admin`` (``/sim/*``)."""
