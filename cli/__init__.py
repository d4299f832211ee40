"""The operator CLI's commands, grouped by concern; ``starter.py`` assembles them."""
