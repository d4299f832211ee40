"""Activity type names, shared by workflows (which call them by name) and the worker.

Workflows call activities by these names so that the sandbox never imports httpx or the
database drivers. The names are what an operator reads in the Temporal UI.
"""

SYNC_ADVERTISER_INFO = "sync_advertiser_info"
SYNC_CAMPAIGNS = "sync_campaigns"
SYNC_ADGROUPS = "sync_adgroups"
SYNC_ADS = "sync_ads"
SYNC_CREATIVES = "sync_creatives"

TOKEN_STATE = "token_state"
REFRESH_TOKEN = "refresh_token"
CHECK_TOKEN = "check_token"

PREPARE_LAUNCH = "prepare_launch"
RESOLVE_TEMPLATE = "resolve_template"
NOTIFY = "notify"
CREATE_CAMPAIGN = "create_campaign"
CREATE_ADGROUP = "create_adgroup"
CREATE_AD = "create_ad"
SET_STATUS = "set_status"
UPLOAD_CREATIVE = "upload_creative"
