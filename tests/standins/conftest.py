"""Fixtures the stand-in tests share: the Okta stand-in, and an HTTP session with each module's `AUTH`."""

from __future__ import annotations

import aiohttp
import pytest

from standins.okta_api import OktaStandIn


@pytest.fixture
async def okta():
    async with OktaStandIn() as stand_in:
        yield stand_in


@pytest.fixture
async def http(request):
    """A session sending the module's `AUTH` header (Okta's SSWS or Graph's bearer token)."""
    async with aiohttp.ClientSession(headers=request.module.AUTH) as session:
        yield session
