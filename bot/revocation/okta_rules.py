"""OktaSystem's rules that need no HTTP: step names, which answers mean what, paths, group sorting."""

from __future__ import annotations

from typing import Any

from bot.revocation.contract import StepOptions
from bot.revocation.okta_client import OktaReply

SUSPEND, DEACTIVATE = "okta.suspend", "okta.deactivate"
CUTOFF_STEPS = {"suspend": SUSPEND, "deactivate": DEACTIVATE}
AFTER_CUTOFF = ("okta.clear_sessions", "okta.revoke_grants", "okta.reset_factors", "okta.remove_groups")


def _user_not_found(reply: OktaReply) -> bool:
    """404 E0000007 about a User (not a group or factor): Okta no longer has this user."""
    data = reply.data if isinstance(reply.data, dict) else {}
    summary = str(data.get("errorSummary", ""))
    return reply.status == 404 and data.get("errorCode") == "E0000007" and summary.endswith("(User)")


def _skip_cutoff(step: str, status: str | None, options: StepOptions) -> bool:
    """True when the step has nothing to send for a user in `status`."""
    if status == "DEPROVISIONED" or (step == SUSPEND and status == "SUSPENDED"):
        return True
    # Okta suspends only ACTIVE users (suspendUser); in deactivate mode the last step ends the rest.
    return step == SUSPEND and options.cutoff_action == "deactivate" and status != "ACTIVE"


def _lifecycle(uid: str, action: str) -> str:
    return f"/api/v1/users/{uid}/lifecycle/{action}"


def _sessions(uid: str) -> str:
    return f"/api/v1/users/{uid}/sessions?oauthTokens=true&forgetDevices=true"


def _membership(gid: str, uid: str) -> str:
    return f"/api/v1/groups/{gid}/users/{uid}"


def _group_name(g: dict[str, Any]) -> str:
    return str((g.get("profile") or {}).get("name") or g.get("id", "?"))


def _sort_groups(groups: list[dict[str, Any]], options: StepOptions) -> dict[str, list[dict[str, Any]]]:
    """remove: OKTA_GROUP memberships to end; keep: named in keep_groups; directory: APP_GROUP; builtin: Everyone."""
    keep = {k.casefold() for k in options.keep_groups}
    out: dict[str, list[dict[str, Any]]] = {"remove": [], "keep": [], "directory": [], "builtin": []}
    for g in groups:
        if g.get("type") == "BUILT_IN":
            out["builtin"].append(g)
        elif g.get("id", "").casefold() in keep or _group_name(g).casefold() in keep:
            out["keep"].append(g)
        elif g.get("type") == "APP_GROUP":
            out["directory"].append(g)
        else:
            out["remove"].append(g)
    return out
