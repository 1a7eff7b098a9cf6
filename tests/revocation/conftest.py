"""Okta and Microsoft Graph stand-ins wired into the bot, with Jane known to both."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from standins.cast import Directory, seed_identity
from standins.graph_api import GraphStandIn
from standins.okta_api import OktaStandIn

OKTA_TOKEN = "okta-test-token-5d1e"
GRAPH_TOKEN = "graph-test-token-9a3b"


@pytest.fixture
async def okta() -> AsyncIterator[OktaStandIn]:
    async with OktaStandIn(token=OKTA_TOKEN) as standin:
        yield standin


@pytest.fixture
async def graph() -> AsyncIterator[GraphStandIn]:
    async with GraphStandIn(token=GRAPH_TOKEN) as standin:
        yield standin


@pytest.fixture
def directory(okta, graph, cast) -> Directory:
    return seed_identity(okta, graph, cast)


@pytest.fixture
def settings_env(settings_env, okta, graph, directory) -> dict[str, str]:
    return {
        **settings_env,
        "OKTA_ORG_URL": okta.url,
        "OKTA_API_TOKEN": OKTA_TOKEN,
        "GRAPH_BASE_URL": graph.url,
        "GRAPH_ACCESS_TOKEN": GRAPH_TOKEN,
    }


def writes(standin) -> list:
    return [r for r in standin.requests if r.method in ("POST", "PUT", "PATCH", "DELETE")]
