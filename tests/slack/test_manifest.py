"""manifest.yml must install unchanged: valid against Slack's own manifest schema, and true to the app."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.specs import shared_spec

ROOT = Path(__file__).resolve().parents[2]


def schema_dir() -> Path:
    return shared_spec("slack/manifest/manifest.schema.1.0.0.json").parent


@pytest.fixture(scope="module")
def manifest() -> dict:
    return yaml.safe_load((ROOT / "manifest.yml").read_text())


def test_manifest_validates_against_slacks_schema(manifest):
    major = (manifest.get("_metadata") or {}).get("major_version", 1)
    schema = json.loads((schema_dir() / f"manifest.schema.{major}.0.0.json").read_text())
    jsonschema.validate(manifest, schema)


def test_schema_check_is_not_vacuous(manifest):
    schema = json.loads((schema_dir() / "manifest.schema.1.0.0.json").read_text())
    broken = {**manifest, "oauth_config": {"scopes": {"bot": ["not a scope"]}}, "features": {"bogus": 1}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


def test_request_urls_point_at_bolts_path(manifest):
    urls = [c["url"] for c in manifest["features"]["slash_commands"]]
    urls += [manifest["settings"]["interactivity"]["request_url"]]
    urls += [manifest["settings"]["event_subscriptions"]["request_url"]]
    assert all(u.endswith("/slack/events") for u in urls)


def test_manifest_commands_are_the_ones_the_app_handles(manifest):
    handled = {"/offboard", "/offboard-client", "/offboard-bulk"}  # each is driven through Slack in tests
    assert {c["command"] for c in manifest["features"]["slash_commands"]} == handled
