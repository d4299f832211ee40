"""The read-only web dashboard (FR-7): KPIs, funnel, trends, campaigns, creatives, changes,
cycles, recoveries and alerts per advertiser, behind a login with the section 15 roles."""
