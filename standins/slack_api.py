"""A local stand-in for the Slack Web API (slack.com/api/<method>) and SCIM (api.slack.com/scim/v1/),
for tests and benchmarks.

Built from Slack's published material in /work/shared/specs/slack/: error codes from each method's
`default` error enum in slack_web_openapi_v2.json, object shapes from api-response-shapes/, limits and
rate-limit tiers from the specs README. One class, SlackStandIn, assembled from one mixin per API
family so that no file grows past 400 lines:

    slack_core.py           server, journal, auth, rate limits, seeding (add_user, add_channel, ...)
    slack_chat.py           auth.test, chat.*
    slack_conversations.py  conversations.*
    slack_views.py          views.*
    slack_users.py          users.*, usergroups.*, guests, deactivate_user/reactivate_user
    slack_admin.py          admin.users.session.reset, sessions
    slack_files.py          add_file() and the private file URLs that serve it
    slack_scim.py           SCIM v1 /Users (read, filter, PATCH active, DELETE = deactivate)
    slack_mentions.py       live_mentions(): every live <!channel>, <@U..>, link... the stand-in received

Import from here: `from standins.slack_api import SlackStandIn` (names below stay importable).
"""

from __future__ import annotations

from aiohttp import web

from standins.slack_admin import AdminMethods
from standins.slack_chat import ChatMethods
from standins.slack_conversations import ConversationsMethods
from standins.slack_core import ADMIN_METHODS, ADMIN_SCOPES, MAX_TEXT, TIER_LIMITS, SlackCore, SlackError
from standins.slack_files import FilesMixin
from standins.slack_mentions import MentionScan, live_tokens
from standins.slack_scim import ScimUsers
from standins.slack_users import UsersMethods
from standins.slack_views import ViewsMethods

__all__ = [
    "ADMIN_METHODS", "ADMIN_SCOPES", "MAX_TEXT", "TIER_LIMITS", "SlackCore", "SlackError", "SlackStandIn",
    "live_tokens",
]  # fmt: skip


class SlackStandIn(
    ChatMethods,
    ConversationsMethods,
    ViewsMethods,
    ScimUsers,
    UsersMethods,
    AdminMethods,
    FilesMixin,
    MentionScan,
):
    """Slack Web API + SCIM stand-in holding one workspace in memory; seed it with add_user/add_channel/...

    Admin calls (SCIM, admin.users.*) need an org admin's user token: pass `admin_tokens=["xoxp-..."]`
    or call `add_admin_token(token, scopes)`. SCIM is served at `scim_url` (.../scim/v1/).
    """

    def routes(self, app: web.Application) -> None:
        super().routes(app)
        self.file_routes(app)
        self.scim_routes(app)
