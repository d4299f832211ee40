"""Token sources the client can use besides the store-backed one (``activities.tokens``)."""

from __future__ import annotations

from collections.abc import Mapping

from connector.errors import AuthorizationFailed


class StaticTokens:
    """Fixed access tokens per advertiser, for scripts and benchmarks; never refreshes."""

    def __init__(self, tokens: Mapping[str, str]) -> None:
        self._tokens = dict(tokens)

    def __repr__(self) -> str:
        return f"StaticTokens(advertisers={sorted(self._tokens)}, <hidden>)"

    async def access_token(self, advertiser_id: str) -> str:
        try:
            return self._tokens[advertiser_id]
        except KeyError:
            raise AuthorizationFailed(f"no token for advertiser {advertiser_id}") from None

    async def refresh_after_rejection(self, advertiser_id: str, rejected_token: str) -> str:
        raise AuthorizationFailed(
            f"static token of advertiser {advertiser_id} was rejected; it cannot refresh"
        )
