"""Fixtures of the workflow tests: the demo tenant and a connected advertiser."""

from __future__ import annotations

import pytest

from store import Store, TokenCipher
from tests.workflows.helpers import DEMO_TOKEN, connect_advertiser
from tests.workflows.launch_helpers import ADV, seed_tenant


@pytest.fixture
async def ready(store: Store, cipher: TokenCipher) -> None:
    """People in every role in the advertiser's tenant, and its token stored."""
    await seed_tenant(store)
    await connect_advertiser(store, cipher, ADV, DEMO_TOKEN)
