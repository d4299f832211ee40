"""What a review rejection is about, read from TikTok's reason text.

A new creative fixes a rejection of the creative (text, video, image, quality); a
rejection of the landing page or of the account needs a person, so recovery escalates it
at once instead of burning through the creative pool. Unknown reasons count as creative
(the pool is pre-approved, so trying it is safe), and the reason is always kept verbatim.
"""

from __future__ import annotations

import re

from models.recovery import Category

# Checked in order; the first pattern that matches decides.
LANDING_PAGE = r"landing[ _-]?page|destination (url|page)|website|url (is )?(broken|unavailable)"
ACCOUNT = r"\baccount\b|qualification|business licen[cs]e|advertiser (is )?(suspended|banned)"
PATTERNS: tuple[tuple[Category, re.Pattern[str]], ...] = (
    ("landing_page", re.compile(LANDING_PAGE, re.I)),
    ("account", re.compile(ACCOUNT, re.I)),
)


def classify(reasons: list[str]) -> Category:
    """The category of a rejection with these reasons (``creative`` when none is known)."""
    for category, pattern in PATTERNS:
        if any(pattern.search(reason) for reason in reasons):
            return category
    return "creative"
