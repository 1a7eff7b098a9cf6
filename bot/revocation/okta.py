"""Okta behind the IdentitySystem interface, through the official okta SDK 3.x (see okta_client)."""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Iterable
from typing import Any

from bot.revocation.contract import (
    AccessEntry,
    AccessState,
    CallRecord,
    LookupFailed,
    PlannedCall,
    StepOptions,
    StepOutcome,
    Subject,
)
from bot.revocation.gone import already_done
from bot.revocation.okta_client import OktaClient, OktaReply
from bot.revocation.okta_rules import (
    AFTER_CUTOFF,
    CUTOFF_STEPS,
    DEACTIVATE,
    SUSPEND,
    _group_name,
    _lifecycle,
    _membership,
    _sessions,
    _skip_cutoff,
    _sort_groups,
    _user_not_found,
)

log = logging.getLogger(__name__)

# Within a step run or plan: every exchange so far; set only there, so a 404 on the user means "gone".
_scope: contextvars.ContextVar[list[CallRecord] | None] = contextvars.ContextVar("okta_scope", default=None)


class UserGone(Exception):
    """Okta answered 404 E0000007 for the user itself: deleted (or deactivated) meanwhile."""


class OktaSystem:
    name = "okta"
    # False since deactivate mode ends with okta.deactivate, which must wait for the others; step_after
    # says what may run at once (in suspend mode: the four clean-up steps once suspended).
    independent_after_first = False

    def __init__(
        self, org_url: str, token: str, *, provisioned_apps: Iterable[str] = (), **client_options: Any
    ) -> None:
        """client_options: OktaClient's retry, timeout and pacing settings (max_retries is the SDK's
        own 429/503/504 retries; attempts/backoff are ours around each call; max_concurrency bounds
        the HTTP requests in flight, all calls of this system together).

        provisioned_apps: appName or appInstanceId of apps Okta provisions (appLinks do not say).
        """
        self.client = OktaClient(org_url, token, **client_options)
        self.provisioned_apps = {a.lower() for a in provisioned_apps}

    async def _call(self, operation: str, *args: Any, **kwargs: Any) -> OktaReply:
        reply = await self.client.call(operation, *args, **kwargs)
        scope = _scope.get()
        if scope is not None:
            scope += reply.records
            # A membership 404 may name the group; remove_groups handles it per group.
            if operation != "unassign_user_from_group" and _user_not_found(reply):
                raise UserGone(reply.words)
        return reply

    async def aclose(self) -> None:
        await self.client.aclose()

    # -- IdentitySystem -------------------------------------------------------------------------
    def step_names(self, options: StepOptions) -> list[str]:
        """suspend mode: suspend, then the clean-up. deactivate mode: suspend (the cutoff itself), the
        clean-up while the user still exists, and deactivate last: Okta cannot unenroll factors of a
        deactivated user (Okta management API, unenrollFactor: "You can't unenroll a factor from a
        deactivated user") and deactivation is final."""
        if options.cutoff_action not in CUTOFF_STEPS:
            raise ValueError(f"unknown Okta cutoff action {options.cutoff_action!r}")
        return [SUSPEND, *AFTER_CUTOFF, *([DEACTIVATE] if options.cutoff_action == "deactivate" else [])]

    def step_after(self, options: StepOptions) -> dict[str, tuple[str, ...]]:
        after: dict[str, tuple[str, ...]] = {SUSPEND: (), **{s: (SUSPEND,) for s in AFTER_CUTOFF}}
        if options.cutoff_action == "deactivate":
            after[DEACTIVATE] = (SUSPEND, *AFTER_CUTOFF)
        return {step: after[step] for step in self.step_names(options)}

    async def find_subject(self, email: str) -> Subject | None:
        value = email.strip().replace("\\", "\\\\").replace('"', '\\"')
        reply = await self._call(
            "list_users", search=f'profile.login eq "{value}" or profile.email eq "{value}"'
        )
        if not reply.ok:
            raise LookupFailed(reply.words)
        users = [u for u in reply.data or [] if isinstance(u, dict)]
        wanted = email.strip().casefold()

        def rank(u: dict[str, Any]) -> tuple[bool, bool]:
            profile = u.get("profile") or {}
            return (str(profile.get("login", "")).casefold() != wanted, u.get("status") == "DEPROVISIONED")

        if not users:
            return None
        user = min(users, key=rank)
        profile = user.get("profile") or {}
        display = " ".join(p for p in (profile.get("firstName"), profile.get("lastName")) if p)
        return Subject("okta", user["id"], profile.get("login", email), display, user)

    async def manager_of(self, subject: Subject) -> str | None:
        """The manager's email from profile.managerId (an Okta id or login); None when not set or unknown."""
        profile = (subject.raw or {}).get("profile")
        if profile is None:
            profile = (await self._read("user", "get_user", subject.id)).get("profile") or {}
        ref = str(profile.get("managerId") or "").strip()
        if not ref:
            return None
        reply = await self._call("get_user", ref)
        if reply.ok and isinstance(reply.data, dict):
            manager = reply.data.get("profile") or {}
            return manager.get("email") or manager.get("login")
        if reply.status == 404:  # not an Okta user: an email is still useful, an HR number is not
            return ref if "@" in ref else None
        raise LookupFailed(f"could not read the Okta manager: {reply.words}")

    async def plan(self, step: str, subject: Subject, options: StepOptions) -> list[PlannedCall]:
        token = _scope.set([])
        try:
            return await self._plan(step, subject, options)
        except UserGone:
            return []  # nothing left to send
        finally:
            _scope.reset(token)

    async def _plan(self, step: str, subject: Subject, options: StepOptions) -> list[PlannedCall]:
        uid = subject.id
        if step in (SUSPEND, DEACTIVATE):
            status = (await self._read("user status", "get_user", uid)).get("status")
            if _skip_cutoff(step, status, options):
                return []
            return [PlannedCall("POST", _lifecycle(uid, step.removeprefix("okta.")), uid)]
        if step == "okta.clear_sessions":
            return [PlannedCall("DELETE", _sessions(uid), uid)]
        if step == "okta.revoke_grants":
            grants = await self._read("grants", "list_user_grants", uid, limit=200)
            return [PlannedCall("DELETE", f"/api/v1/users/{uid}/grants", uid)] if grants else []
        if step == "okta.reset_factors":
            factors = await self._read("factors", "list_factors", uid)
            return [PlannedCall("DELETE", f"/api/v1/users/{uid}/factors/{f['id']}", f["id"]) for f in factors]
        if step == "okta.remove_groups":
            sorted_groups = _sort_groups(await self._read("groups", "list_user_groups", uid), options)
            return [
                PlannedCall("DELETE", _membership(g["id"], uid), g["id"]) for g in sorted_groups["remove"]
            ]
        raise ValueError(f"unknown Okta step {step!r}")

    async def _read(self, what: str, operation: str, *args: Any, **kwargs: Any) -> Any:
        reply = await self._call(operation, *args, **kwargs)
        if not reply.ok:
            raise LookupFailed(f"could not read Okta {what}: {reply.words}")
        return reply.data if reply.data is not None else {}

    async def run(self, step: str, subject: Subject, options: StepOptions) -> StepOutcome:
        steps = {
            "okta.suspend": self._cutoff,
            "okta.deactivate": self._cutoff,
            "okta.clear_sessions": self._clear_sessions,
            "okta.revoke_grants": self._revoke_grants,
            "okta.reset_factors": self._reset_factors,
            "okta.remove_groups": self._remove_groups,
        }
        if step not in steps:
            return StepOutcome(False, f"Unknown Okta step {step!r}")
        token = _scope.set([])
        try:
            return await steps[step](step, subject.id, options)
        except UserGone:  # never retried: a 404 is permanent (retry.py)
            return already_done("Okta", _scope.get() or [], "the user was deleted; no access is left")
        except Exception as exc:  # a bug here must not stop the other steps; it is reported instead
            log.exception("Okta step %s failed unexpectedly", step)
            return StepOutcome(False, f"The Okta step failed unexpectedly: {exc!r}")
        finally:
            _scope.reset(token)

    async def _cutoff(self, step: str, uid: str, options: StepOptions) -> StepOutcome:
        action = step.removeprefix("okta.")
        past = {"suspend": "suspended", "deactivate": "deactivated"}[action]
        read = await self._call("get_user", uid)
        calls = read.records
        if not read.ok:
            return StepOutcome(False, f"Could not read the Okta user's status: {read.words}", tuple(calls))
        before = read.data.get("status")
        if before == "DEPROVISIONED" or (before == "SUSPENDED" and action == "suspend"):
            summary = f"Okta user was already {before.lower().replace('deprovisioned', 'deactivated')}"
            return StepOutcome(True, summary, tuple(calls), data={"status": before}, already_done=True)
        if _skip_cutoff(step, before, options):  # deactivate mode, not ACTIVE: deactivate ends it
            summary = (
                f"Not suspended: Okta suspends only ACTIVE users and this one is {before}; "
                "okta.deactivate ends the account after the clean-up"
            )
            return StepOutcome(True, summary, tuple(calls), data={"status": before})
        try:
            write = await self._call("suspend_user" if action == "suspend" else "deactivate_user", uid)
        except UserGone:
            # Okta answers 404 E0000007 to deactivating a user who is already DEPROVISIONED
            # (okta/okta-sdk-java#721): look again before calling it deleted.
            again = await self._call("get_user", uid)
            now = again.data.get("status") if again.ok and isinstance(again.data, dict) else None
            if now != "DEPROVISIONED":
                raise
            calls = list(_scope.get() or [])
            return StepOutcome(
                True,
                "Okta user was already deactivated",
                tuple(calls),
                data={"status": now},
                already_done=True,
            )
        calls += write.records
        if write.ok:
            return StepOutcome(True, f"Okta user {past}", tuple(calls), data={"status_before": before})
        if write.status == 400:  # e.g. the status changed under us: look again before calling it a failure
            again = await self._call("get_user", uid)
            calls += again.records
            now = again.data.get("status") if again.ok and isinstance(again.data, dict) else None
            if now == "DEPROVISIONED" or (now == "SUSPENDED" and action == "suspend"):
                return StepOutcome(
                    True,
                    f"Okta user is already {now.lower()}",
                    tuple(calls),
                    data={"status": now},
                    already_done=True,
                )
            if now and now != "ACTIVE" and action == "suspend":
                write.words += f"; Okta suspends only ACTIVE users and this one is {now}: deactivate instead"
        return StepOutcome(False, f"Okta user not {past}: {write.words}", tuple(calls))

    async def _clear_sessions(self, step: str, uid: str, options: StepOptions) -> StepOutcome:
        reply = await self._call("revoke_user_sessions", uid, oauth_tokens=True, forget_devices=True)
        if reply.ok:
            summary = "Okta sessions ended, OAuth tokens revoked and remembered devices forgotten"
            return StepOutcome(True, summary, tuple(reply.records))
        return StepOutcome(False, f"Okta sessions not cleared: {reply.words}", tuple(reply.records))

    async def _revoke_grants(self, step: str, uid: str, options: StepOptions) -> StepOutcome:
        read = await self._call("list_user_grants", uid, limit=200)
        calls = read.records
        if not read.ok:
            return StepOutcome(False, f"Could not read Okta grants: {read.words}", tuple(calls))
        scopes = [g.get("scopeId", "?") for g in read.data or []]
        if not scopes:
            return StepOutcome(True, "No Okta OAuth grants to revoke", tuple(calls), data={"grants": []})
        write = await self._call("revoke_user_grants", uid)
        calls += write.records
        if not write.ok:
            return StepOutcome(False, f"Okta grants not revoked: {write.words}", tuple(calls))
        summary = f"Revoked {len(scopes)} Okta OAuth grant(s): {', '.join(sorted(set(scopes)))}"
        return StepOutcome(True, summary, tuple(calls), data={"grants": scopes})

    async def _reset_factors(self, step: str, uid: str, options: StepOptions) -> StepOutcome:
        read = await self._call("list_factors", uid)
        calls = read.records
        if not read.ok:
            return StepOutcome(False, f"Could not read Okta MFA factors: {read.words}", tuple(calls))
        factors = read.data or []
        if not factors:
            return StepOutcome(True, "No Okta MFA factors enrolled", tuple(calls), data={"removed": []})
        removed, failed = [], []
        for f in factors:
            reply = await self._call("unenroll_factor", uid, f["id"])
            calls += reply.records
            label = f"{f.get('factorType', '?')} ({f.get('provider', '?')})"
            # 404: it went with another one (unenrolling Okta Verify push takes Okta's TOTP too)
            if reply.ok or reply.status == 404:
                removed.append(label)
            else:
                failed.append(f"{label}: {reply.words}")
        data = {"removed": removed, "failed": failed}
        if failed:
            return StepOutcome(
                False, f"Okta MFA factors not all removed. {'; '.join(failed)}", tuple(calls), data=data
            )
        return StepOutcome(
            True, f"Removed {len(removed)} Okta MFA factor(s): {', '.join(removed)}", tuple(calls), data=data
        )

    async def _remove_groups(self, step: str, uid: str, options: StepOptions) -> StepOutcome:
        read = await self._call("list_user_groups", uid)
        calls = read.records
        if not read.ok:
            return StepOutcome(False, f"Could not read Okta groups: {read.words}", tuple(calls))
        sorted_groups = _sort_groups(read.data or [], options)
        removed, gone, failed = [], [], []
        for g in sorted_groups["remove"]:
            reply = await self._call("unassign_user_from_group", g["id"], uid)
            calls += reply.records
            name = _group_name(g)
            if reply.ok:
                removed.append(name)
            elif reply.status == 404:
                gone.append(name)
            else:
                failed.append(f"{name}: {reply.words}")
        parts = [f"Removed from {len(removed)} Okta group(s): {', '.join(removed)}" if removed else ""]
        if not (removed or gone or failed):
            parts = ["No Okta group memberships to remove"]
        if gone:
            parts.append(f"Already gone (Okta said 404): {', '.join(gone)}")
        if sorted_groups["keep"]:
            parts.append(f"Kept as asked: {', '.join(map(_group_name, sorted_groups['keep']))}")
        if failed:
            parts.append(f"Not removed: {'; '.join(failed)}")
        manual = None
        if sorted_groups["directory"]:
            names = ", ".join(map(_group_name, sorted_groups["directory"]))
            manual = f"Remove from directory-managed groups in their source directory: {names}"
            parts.append(f"Managed by their source directory, not Okta: {names}")
        kept = [_group_name(g) for g in sorted_groups["keep"]]
        data = {"removed": removed, "already_gone": gone, "failed": failed, "kept": kept}
        return StepOutcome(not failed, ". ".join(p for p in parts if p), tuple(calls), manual, data)

    async def read_access(self, subject: Subject, options: StepOptions) -> AccessState:
        uid = subject.id
        user = await self._call("get_user", uid)
        if not user.ok:
            raise LookupFailed(f"could not read the Okta user: {user.words}")
        reads = ("list_app_links", "list_user_groups", "list_factors")
        links, groups, factors, grants = await asyncio.gather(
            *(self._call(op, uid) for op in reads), self._call("list_user_grants", uid, limit=200)
        )
        cutoff = CUTOFF_STEPS.get(options.cutoff_action, "okta.suspend")
        status = user.data.get("status", "?")
        entries = [AccessEntry("status", status, uid, cutoff, "Okta account status")]
        remaining: list[str] = []
        notes = ["Okta cannot say whether sessions were cleared: the clear_sessions answer is the evidence"]
        if status not in ("SUSPENDED", "DEPROVISIONED"):
            remaining.append(f"Okta account is {status}")
        for what, reply in (
            ("app links", links),
            ("groups", groups),
            ("factors", factors),
            ("grants", grants),
        ):
            if not reply.ok:
                notes.append(f"Could not read Okta {what}: {reply.words}")
                remaining.append(f"Okta {what} could not be checked")
        for a in links.data or [] if links.ok else []:
            provisioned = {str(a.get("appName", "")).lower(), str(a.get("appInstanceId", "")).lower()}
            ends = cutoff if provisioned & self.provisioned_apps else "manual"
            how = "provisioned by Okta" if ends != "manual" else "not provisioned by Okta: its account stays"
            entries.append(AccessEntry("app", a.get("label", "?"), a.get("appInstanceId", ""), ends, how))
        sorted_groups = _sort_groups(groups.data or [] if groups.ok else [], options)
        for kind, ends, detail in (
            ("remove", "okta.remove_groups", "Okta group"),
            ("keep", "manual", "kept as asked"),
            ("directory", "manual", "managed by its source directory"),
            ("builtin", cutoff, "built-in group every user is in"),
        ):
            for g in sorted_groups[kind]:
                entries.append(AccessEntry("group", _group_name(g), g["id"], ends, detail))
                if kind in ("remove", "directory"):
                    remaining.append(f"member of Okta group {_group_name(g)}")
        for f in factors.data or [] if factors.ok else []:
            name = f"{f.get('factorType', '?')} ({f.get('provider', '?')})"
            entries.append(
                AccessEntry("factor", name, f.get("id", ""), "okta.reset_factors", f.get("status", ""))
            )
            remaining.append(f"MFA factor {name}")
        for g in grants.data or [] if grants.ok else []:
            entries.append(AccessEntry("grant", g.get("scopeId", "?"), g.get("id", ""), "okta.revoke_grants"))
            remaining.append(f"OAuth grant {g.get('scopeId', '?')}")
        return AccessState("okta", tuple(entries), tuple(remaining), tuple(notes))
