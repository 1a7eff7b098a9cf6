"""Settings from the environment (secrets, URLs) and the organisation's YAML config file."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.errors import ConfigError


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RoleSource(_Strict):
    usergroup: str = Field(pattern=r"^S[A-Z0-9]+$")


class Roles(_Strict):
    hr: RoleSource
    it: RoleSource
    security: RoleSource


class OktaOptions(_Strict):
    cutoff_action: Literal["suspend", "deactivate"] = "suspend"
    keep_groups: tuple[str, ...] = ()
    # Apps whose accounts Okta deprovisions (appName or app instance id); Okta's app links do not say.
    provisioned_apps: tuple[str, ...] = ()
    # HTTP requests in flight to Okta at once: under its 75 per org, leaving room for other integrations.
    max_concurrency: int = Field(default=50, ge=1, le=1000)


class GraphOptions(_Strict):
    keep_groups: tuple[str, ...] = ()
    max_concurrency: int = Field(default=20, ge=1, le=1000)  # HTTP requests in flight to Graph at once


class AssetOptions(_Strict):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    # CSV/YAML: owner_email, asset_tag, kind, description, serial ("register" in the file).
    register_path: str | None = Field(default=None, alias="register")
    intune: bool = True  # also list Intune managed devices when Graph is configured
    return_days: int = Field(default=14, ge=0, le=365)  # return deadline = cutoff + this
    remind_every_hours: float = Field(default=24, gt=0)


class BulkOptions(_Strict):
    # One private channel per person besides the batch's threads (created in the background, Tier 2).
    person_channels: bool = False
    # Rooms set up at once; Slack's per-channel posting limit binds long before this.
    setup_concurrency: int = Field(default=4, ge=1, le=32)


class OrgConfig(_Strict):
    """The YAML file named by OFFBOARD_CONFIG. Unknown keys are an error, so typos surface at start."""

    roles: Roles
    archive_channel: str = Field(pattern=r"^[CG][A-Z0-9]+$")
    workday_end: str = "17:00"
    holidays_country: str | None = "US"
    dry_run: bool = False
    auto_revoke_at_cutoff: bool = True
    admins: tuple[str, ...] = ()
    templates_dir: str | None = None
    okta: OktaOptions = OktaOptions()
    graph: GraphOptions = GraphOptions()
    assets: AssetOptions = AssetOptions()
    bulk: BulkOptions = BulkOptions()
    role_cache_seconds: float = Field(default=60.0, ge=0, le=60)

    @field_validator("workday_end")
    @classmethod
    def _hhmm(cls, v: str) -> str:
        m = re.fullmatch(r"(\d{1,2}):(\d{2})", v)
        if not m or int(m[1]) > 24 or int(m[2]) > 59 or (int(m[1]) == 24 and int(m[2]) != 0):
            raise ValueError("must be HH:MM, e.g. 17:00")
        return v

    @property
    def role_groups(self) -> dict[str, str]:
        return {name: getattr(self.roles, name).usergroup for name in ("hr", "it", "security")}


def load_org_config(path: str | Path) -> OrgConfig:
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as e:
        raise ConfigError(f"{path}: cannot read: {e.strerror}") from None
    except yaml.YAMLError as e:
        raise ConfigError(f"{path}: not valid YAML: {e}") from None
    try:
        return OrgConfig.model_validate(raw)
    except ValidationError as e:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(top)'}: {_plain(err)}" for err in e.errors()
        )
        raise ConfigError(f"{path}: {problems}") from None


def _plain(err: dict) -> str:
    if err["type"] == "extra_forbidden":
        return "unknown key"
    if err["type"] == "missing":
        return "required key missing"
    return str(err["msg"])


@dataclass(frozen=True)
class Settings:
    """Process settings, read from the environment only (tokens never come from the YAML file)."""

    slack_bot_token: str = ""
    slack_signing_secret: str = ""
    slack_app_token: str = ""
    slack_api_url: str = "https://slack.com/api/"
    database_url: str = "sqlite+aiosqlite:///offboard.db"
    port: int = 3000
    config_path: str | None = None
    okta_org_url: str = ""
    okta_api_token: str = ""
    graph_base_url: str = "https://graph.microsoft.com/v1.0"
    graph_tenant_id: str = ""
    graph_client_id: str = ""
    graph_client_secret: str = ""
    graph_access_token: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        try:
            port = int(env.get("PORT", "3000"))
        except ValueError:
            raise ConfigError(f"PORT: not a number: {env.get('PORT')!r}") from None
        api_url = env.get("SLACK_API_URL") or cls.slack_api_url
        return cls(
            slack_bot_token=env.get("SLACK_BOT_TOKEN", ""),
            slack_signing_secret=env.get("SLACK_SIGNING_SECRET", ""),
            slack_app_token=env.get("SLACK_APP_TOKEN", ""),
            slack_api_url=api_url if api_url.endswith("/") else api_url + "/",
            database_url=normalise_database_url(env.get("DATABASE_URL") or cls.database_url),
            port=port,
            config_path=env.get("OFFBOARD_CONFIG") or None,
            okta_org_url=env.get("OKTA_ORG_URL", "").rstrip("/"),
            okta_api_token=env.get("OKTA_API_TOKEN", ""),
            graph_base_url=(env.get("GRAPH_BASE_URL") or cls.graph_base_url).rstrip("/"),
            graph_tenant_id=env.get("GRAPH_TENANT_ID", ""),
            graph_client_id=env.get("GRAPH_CLIENT_ID", ""),
            graph_client_secret=env.get("GRAPH_CLIENT_SECRET", ""),
            graph_access_token=env.get("GRAPH_ACCESS_TOKEN", ""),
        )

    def secrets(self) -> list[str]:
        """Every configured secret, so logs and messages can be checked against them."""
        values = [
            self.slack_bot_token,
            self.slack_signing_secret,
            self.slack_app_token,
            self.okta_api_token,
            self.graph_client_secret,
            self.graph_access_token,
        ]
        return [v for v in values if v]

    def require_slack(self) -> None:
        missing = [
            name
            for name, value in (
                ("SLACK_BOT_TOKEN", self.slack_bot_token),
                ("SLACK_SIGNING_SECRET", self.slack_signing_secret),
            )
            if not value
        ]
        if missing:
            raise ConfigError(f"missing environment variable(s): {', '.join(missing)}")
        if not self.config_path:
            raise ConfigError("OFFBOARD_CONFIG is not set: name the YAML file with roles and archive_channel")


# The spellings people paste, mapped to the async drivers the bot ships (psycopg 3, aiosqlite).
POSTGRES_SCHEMES = (
    "postgres",
    "postgresql",
    "postgresql+psycopg",
    "postgresql+asyncpg",
    "postgresql+psycopg2",
)
SQLITE_SCHEMES = ("sqlite", "sqlite+aiosqlite")
ACCEPTED = "postgres://, postgresql[+psycopg|+asyncpg|+psycopg2]://, sqlite:// or sqlite:///FILE"


def normalise_database_url(url: str) -> str:
    """Accept the plain URLs people paste and pick the async drivers we ship; anything else is a
    ConfigError naming DATABASE_URL (the CLI prints it as one line and exits 2)."""
    scheme, sep, rest = url.strip().partition("://")
    scheme = scheme.lower()
    if sep and scheme in POSTGRES_SCHEMES and rest:
        return "postgresql+psycopg://" + rest
    if sep and scheme in SQLITE_SCHEMES and (rest == "" or rest.startswith("/")):
        return "sqlite+aiosqlite://" + rest
    if sep and scheme in (*POSTGRES_SCHEMES, *SQLITE_SCHEMES):
        raise ConfigError(f"DATABASE_URL: {scheme}:// needs a host and database (or a file); use {ACCEPTED}")
    shown = f"{scheme}://…" if sep else "a value without a scheme"  # the rest may hold a password
    raise ConfigError(f"DATABASE_URL: {shown} is not supported; use {ACCEPTED}")
