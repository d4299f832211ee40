"""TikTok return codes the simulator emits, and the exception that carries one.

Every API failure becomes ``ApiError(code, message)``; the request pipeline turns it into
TikTok's envelope with HTTP 200. Sources for each code are listed in docs/simulator.md.
"""

from __future__ import annotations

OK = 0
INVALID_PARAMS = 40000
NO_PERMISSION = 40001
PARAM_ERROR = 40002
NOT_EXIST = 40007
TOO_MANY_IDS = 40011
REPORT_WINDOW_TOO_LARGE = 40067  # our choice: no public source names this code
TOO_MANY_REQUESTS = 40100
INVALID_APP = 40101
TOKEN_EXPIRED = 40102
REFRESH_TOKEN_EXPIRED = 40103
TOKEN_EMPTY = 40104
TOKEN_INVALID = 40105
REFRESH_TOKEN_INVALID = 40107
AUTH_CODE_INVALID = 40110
ADVERTISER_QPS_LIMIT = 40133
TASK_ERROR = 40200
TASK_NOT_READY = 40201
AD_NUMBER_LIMIT = 40502
SIGNATURE_ERROR = 40900
VIDEO_TRANSCODING = 40901
FILE_EMPTY = 40906
FILE_TOO_LARGE = 40907
FILE_TYPE_ERROR = 40908
DUPLICATED_MATERIAL_NAME = 40911
SYSTEM_ERROR = 50000
SYSTEM_TIMEOUT = 50002
INTERNAL_TIMEOUT = 51010
MAINTENANCE = 60001

DEFAULT_MESSAGES: dict[int, str] = {
    NO_PERMISSION: "No permission to perform the related operation.",
    PARAM_ERROR: "Parameter error.",
    TOO_MANY_REQUESTS: "Too many requests. Please retry in some time.",
    ADVERTISER_QPS_LIMIT: (
        "Advertiser's QPS reaches QPS limit for current path, request is temporarily restricted."
    ),
    TOKEN_EMPTY: "Access token is null, you should set it in http header with key Access-Token.",
    TOKEN_INVALID: "Access token is incorrect or has been revoked.",
    TOKEN_EXPIRED: "Access token has expired. Please call the endpoint with the latest access token.",
    TASK_NOT_READY: "Task is not ready.",
    SYSTEM_ERROR: "System error.",
    SYSTEM_TIMEOUT: "Error processing request on TikTok side. Please try again.",
    INTERNAL_TIMEOUT: "Internal service timeout.",
    MAINTENANCE: "The system is in maintenance.",
    40202: "Write or update entity conflict.",
}


def default_message(code: int) -> str:
    """TikTok-like message for ``code`` (generic text for codes we have no wording for)."""
    if code in DEFAULT_MESSAGES:
        return DEFAULT_MESSAGES[code]
    if 51000 <= code < 53000:
        return "Internal service error."
    return "Error."


class ApiError(Exception):
    """A TikTok API error: answered as HTTP 200 with a non-zero ``code``."""

    def __init__(self, code: int, message: str | None = None) -> None:
        self.code = code
        self.message = message or default_message(code)
        super().__init__(f"{code}: {self.message}")


def param_error(field: str, problem: str) -> ApiError:
    """40002 whose message starts with the offending field name."""
    return ApiError(PARAM_ERROR, f"{field}: {problem}")


def missing(field: str) -> ApiError:
    return param_error(field, "Missing data for required field.")
