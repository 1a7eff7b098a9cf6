"""The composition root: builds every service once, from settings. Nothing is built at import time."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import aiohttp
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.assets.hooks import AssetHooks, graph_devices
from bot.assets.register import RegisterFile
from bot.assets.service import AssetService
from bot.bulk.service import BulkOffboarding
from bot.cases.flow import Offboarding
from bot.cases.service import CaseService
from bot.checklist.service import ChecklistService
from bot.checklist.templates import load_templates
from bot.clock import Clock, SystemClock
from bot.config import OrgConfig, Settings, load_org_config
from bot.db import Database
from bot.evidence.service import Evidence
from bot.revocation.contract import IdentitySystem
from bot.revocation.dry_run import DryRunSystem
from bot.revocation.flow import RevocationFlow
from bot.revocation.review import AccessReview
from bot.revocation.service import RevocationService
from bot.roles import RoleDirectory
from bot.schedule.service import Schedule
from handlers.asset_actions import SlackAssetBoard
from handlers.services import Services
from handlers.slack_batch_room import SlackBatchRoom
from handlers.slack_client import PacedWebClient
from handlers.slack_people import SlackPeople
from handlers.slack_revocation_board import SlackRevocationBoard
from handlers.slack_workspace import SlackWorkspace

log = logging.getLogger(__name__)


def slack_client(settings: Settings) -> AsyncWebClient:
    """One client with one connection pool for the whole process (a new connection per call is 3x slower),
    its calls queued per method and channel (handlers/slack_client.py)."""
    return PacedWebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        session=aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)),
        retry_handlers=[
            # Calls queue per method before they are sent, so a 429 is waited out by few; generous
            # retries keep a layoff's backlog from being dropped.
            AsyncRateLimitErrorRetryHandler(max_retry_count=30),
            AsyncConnectionErrorRetryHandler(max_retry_count=2),
            AsyncServerErrorRetryHandler(max_retry_count=2),
        ],
    )


def identity_systems(settings: Settings, config: OrgConfig) -> dict[str, IdentitySystem]:
    """Okta and Microsoft Graph, each only when configured; wrapped in their dry-run twin on dry_run."""
    systems: dict[str, IdentitySystem] = {}
    if settings.okta_org_url and settings.okta_api_token:
        from bot.revocation.okta import OktaSystem

        systems["okta"] = OktaSystem(
            settings.okta_org_url,
            settings.okta_api_token,
            provisioned_apps=config.okta.provisioned_apps,
            max_concurrency=config.okta.max_concurrency,
        )
    if settings.graph_access_token or (
        settings.graph_tenant_id and settings.graph_client_id and settings.graph_client_secret
    ):
        from bot.revocation.graph import GraphSystem

        systems["graph"] = GraphSystem.from_settings(
            settings.graph_base_url,
            access_token=settings.graph_access_token or None,
            tenant_id=settings.graph_tenant_id or None,
            client_id=settings.graph_client_id or None,
            client_secret=settings.graph_client_secret or None,
            max_concurrency=config.graph.max_concurrency,
        )
    if config.dry_run:
        systems = {name: DryRunSystem(system) for name, system in systems.items()}
    return systems


async def build_runtime(
    settings: Settings, *, config: OrgConfig | None = None, clock: Clock | None = None
) -> Services:
    config = config or load_org_config(settings.config_path or "")
    clock = clock or SystemClock()
    templates = load_templates(Path(config.templates_dir) if config.templates_dir else None)
    db = Database(settings.database_url)
    slack = slack_client(settings)
    people = SlackPeople(slack)
    evidence = Evidence(db, clock)
    roles = RoleDirectory(people, config, clock)
    checklist = ChecklistService(db, clock, evidence)
    systems = identity_systems(settings, config)
    revocations = RevocationService(systems, checklist, evidence, people, config)
    cases = CaseService(db, clock, config, templates, people, evidence, revocations.catalogue)
    bot_user = ""
    if settings.slack_bot_token:
        try:
            bot_user = (await slack.auth_test()).get("user_id", "")
        except Exception as e:  # start anyway; Bolt reports auth problems per request
            log.warning("auth.test failed: %s", type(e).__name__)
    workspace = SlackWorkspace(
        slack, config.archive_channel, bot_user, clock=clock, role_groups=config.role_groups
    )
    offboarding = Offboarding(
        cases,
        checklist,
        roles,
        workspace,
        evidence,
        manager_of=revocations.manager_slack_id if systems else None,
    )
    revocation = None
    if systems:
        review = AccessReview(revocations, cases, evidence)
        revocation = RevocationFlow(revocations, SlackRevocationBoard(slack), offboarding, review)
        offboarding.hooks.append(revocation)
    assets = AssetService(
        db,
        clock,
        evidence,
        return_days=config.assets.return_days,
        remind_every=timedelta(hours=config.assets.remind_every_hours),
    )
    register = RegisterFile(config.assets.register_path) if config.assets.register_path else None
    devices = graph_devices(revocations) if config.assets.intune else None
    offboarding.hooks.append(AssetHooks(assets, cases, SlackAssetBoard(slack, clock), register, devices))
    offboarding.close_guards.append(assets.blocking)
    schedule = Schedule(db, clock, config, offboarding, revocation, assets=assets)
    # The schedule first: a case's cutoff job exists before slower room set-up (inventory) runs.
    offboarding.hooks.insert(0, schedule)
    bulk = BulkOffboarding(offboarding, people, config, SlackBatchRoom(slack, workspace, clock))
    offboarding.hooks.append(bulk)
    if revocation is not None:
        revocation.listeners.append(bulk.steps_finished)
    return Services(
        settings,
        config,
        clock,
        db,
        templates,
        slack,
        evidence,
        roles,
        cases,
        checklist,
        offboarding,
        revocation,
        schedule,
        assets,
        bulk,
    )
