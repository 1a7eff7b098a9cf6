"""Microsoft Graph (Entra ID, Exchange Online, OneDrive, Intune) behind the IdentitySystem interface.

Uses the official msgraph-sdk, imported lazily (see graph_client). Every step first reads what it would
change, so `plan()` and `run()` share one list of calls and a repeated run finds nothing left to do.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from bot.revocation.contract import (
    CallRecord,
    LookupFailed,
    NotReady,
    PlannedCall,
    StepOptions,
    StepOutcome,
    Subject,
)
from bot.revocation.gone import already_done
from bot.revocation.graph_client import (
    CALLS,
    GraphFailure,
    GraphHandle,
    Op,
    Prepared,
    build_client,
    call_with_retries,
)
from bot.revocation.graph_devices import GraphDeviceSteps
from bot.revocation.graph_mail import GraphMailSteps
from bot.revocation.graph_reads import METHOD_KINDS
from bot.revocation.pacing import Pacer
from bot.revocation.retry import DEFAULT, RetryPolicy

BLOCK = "graph.block_sign_in"
REVOKE = "graph.revoke_sessions"
MAILBOX = "graph.mailbox"
AUTO_REPLY = "graph.auto_reply"
FORWARD_MAIL = "graph.forward_mail"
ONEDRIVE = "graph.onedrive_access"
LICENSES = "graph.remove_licenses"
GROUPS = "graph.remove_groups"
AUTH_METHODS = "graph.remove_auth_methods"
DEVICES = "graph.retire_devices"
USER_FIELDS = ["id", "userPrincipalName", "mail", "displayName", "accountEnabled", "licenseAssignmentStates"]


class GraphSystem(GraphMailSteps, GraphDeviceSteps):
    """Offboarding steps against Microsoft Graph v1.0."""

    name = "graph"
    independent_after_first = False  # mailbox and OneDrive need the licences that a later step removes

    def __init__(
        self,
        base_url: str = "https://graph.microsoft.com/v1.0",
        *,
        access_token: str | None = None,
        tenant_id: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        retry: RetryPolicy = DEFAULT,
        timeout: float = 30.0,
        max_concurrency: int = 20,
        backoff: float | None = None,
        retries: int | None = None,
        max_rate_wait: float | None = None,
    ) -> None:
        """retry: the shared RetryPolicy (bot/revocation/retry.py); backoff, retries (tries after the
        first, ours and the SDK RetryHandler's) and max_rate_wait tune single fields of it.
        max_concurrency: HTTP requests in flight at once, all calls of this system together."""
        if not access_token and not (tenant_id and client_id and client_secret):
            raise ValueError("GraphSystem needs access_token, or tenant_id + client_id + client_secret")
        self.base_url = base_url.rstrip("/")
        self._auth = dict(access_token=access_token, tenant_id=tenant_id, client_id=client_id)
        self._secret = client_secret
        self.timeout = timeout
        self.retry = retry.tuned(
            backoff=backoff,
            attempts=None if retries is None else retries + 1,
            sdk_retries=retries,
            rate_wait=max_rate_wait,
        )
        self.pacer = Pacer("graph", max_concurrency=max_concurrency)  # outlives rebuilt clients
        self._handle: GraphHandle | None = None
        self._sku_cache: dict[str, str] | None = None

    @classmethod
    def from_settings(
        cls,
        base_url: str,
        *,
        access_token: str | None = None,
        tenant_id: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        **tuning: Any,
    ) -> GraphSystem:
        return cls(
            base_url,
            access_token=access_token,
            tenant_id=tenant_id,
            client_id=client_id,
            client_secret=client_secret,
            **tuning,
        )

    def _graph(self) -> Any:
        if self._handle is None:
            self._handle = build_client(
                self.base_url,
                **self._auth,
                client_secret=self._secret,
                retry=self.retry,
                timeout=self.timeout,
                pacer=self.pacer,
            )
        return self._handle.client

    async def _call(self, send: Callable[[], Awaitable[Any]], *, idempotent: bool = True) -> Any:
        return await call_with_retries(send, policy=self.retry, idempotent=idempotent)

    async def aclose(self) -> None:
        if self._handle is not None:
            await self._handle.aclose()
            self._handle = None

    # -- interface -----------------------------------------------------------------------------
    def step_names(self, options: StepOptions) -> list[str]:
        """Which steps exist follows the form's choices only: the people they need (manager, who gets
        the mail) may be known later; a step run without them fails and says what is missing."""
        return [BLOCK, REVOKE, *self._data_steps(options), LICENSES, GROUPS, AUTH_METHODS, DEVICES]

    @staticmethod
    def _data_steps(options: StepOptions) -> list[str]:
        chosen = {
            MAILBOX: options.mailbox != "none",
            AUTO_REPLY: bool(options.auto_reply),
            FORWARD_MAIL: options.forward_mail or bool(options.mail_forward_to_email),
            ONEDRIVE: options.backup_data,
        }
        return [step for step, wanted in chosen.items() if wanted]

    def step_after(self, options: StepOptions) -> dict[str, tuple[str, ...]]:
        """Sign-in blocked first; the mailbox, auto-reply, forwarding and OneDrive steps before the
        licences and groups go: they need the Exchange / OneDrive licences those remove (directly, or
        through a licensing group). Intune device steps need only the block."""
        data = tuple(self._data_steps(options))
        after = {BLOCK: (), REVOKE: (BLOCK,), **{s: (BLOCK,) for s in data}}
        after |= {LICENSES: (BLOCK, *data), GROUPS: (BLOCK, *data), AUTH_METHODS: (BLOCK,), DEVICES: (BLOCK,)}
        return after

    async def find_subject(self, email: str) -> Subject | None:
        calls: list[CallRecord] = []
        token = CALLS.set(calls)
        try:
            user = await self._find_user(email, USER_FIELDS)
        except GraphFailure as failure:
            raise LookupFailed(failure.words()) from None
        finally:
            CALLS.reset(token)
        if user is None:
            return None
        raw = {"mail": user.mail, "accountEnabled": user.account_enabled}
        return Subject("graph", user.id, user.user_principal_name or email, user.display_name or "", raw)

    async def plan(self, step: str, subject: Subject, options: StepOptions) -> list[PlannedCall]:
        token = CALLS.set([])
        try:
            prepared = await self._prepare(step, subject, options)
        finally:
            CALLS.reset(token)
        return [op.call for op in prepared.ops]

    async def run(self, step: str, subject: Subject, options: StepOptions) -> StepOutcome:
        calls: list[CallRecord] = []
        token = CALLS.set(calls)
        try:
            try:
                prepared = await self._prepare(step, subject, options)
            except NotReady as missing:
                return StepOutcome(False, f"Not run: {missing}.", tuple(calls))
            except GraphFailure as failure:
                if failure.status == 404 and await self._user_gone(subject.id):
                    return already_done("Microsoft Graph", calls, "the user was deleted; no access is left")
                return StepOutcome(False, f"Could not read what to change. {failure.words()}", tuple(calls))
            failed = await self._send_all(prepared)
            if any(f.status == 404 for _, f in failed) and await self._user_gone(subject.id):
                return already_done("Microsoft Graph", calls, "the user was deleted meanwhile")
            summary, data = prepared.summary, {**prepared.data}
            if not failed and prepared.read_back is not None:
                try:
                    note, found = await prepared.read_back()
                    summary, data = summary + note, {**data, **found}
                except GraphFailure as failure:
                    summary += f" Could not read back how far it got: {failure.words()}"
        finally:
            CALLS.reset(token)
        if not failed:
            data = {**data, **prepared.data_if_ok}
            return StepOutcome(True, summary, tuple(calls), prepared.manual, data)
        if len(prepared.ops) == 1:
            summary = failed[0][1].words()
        else:
            done = len(prepared.ops) - len(failed)
            what = "; ".join(f"{op.label}: {f.words()}" for op, f in failed)
            summary = f"{done} of {len(prepared.ops)} changes made. Not done: {what}"
        return StepOutcome(False, summary, tuple(calls), prepared.manual, prepared.data)

    async def _send_all(self, prepared: Prepared) -> list[tuple[Op, GraphFailure]]:
        failed: list[tuple[Op, GraphFailure]] = []
        for op in prepared.ops:
            try:
                await self._call(op.send, idempotent=op.idempotent)
            except GraphFailure as failure:
                if failure.status == 404 and (
                    op.call.method == "DELETE" or "/managedDevices/" in op.call.path
                ):
                    continue  # gone already (membership, method or device removed meanwhile): goal met
                failed.append((op, failure))
                if failure.status in (None, 401, 403, 429) or failure.network:
                    break  # the next calls would fail the same way
        if prepared.retry_400_last and failed and all(f.status == 400 for _, f in failed):
            retry, failed = failed, []
            for op, _ in retry:
                try:
                    await self._call(op.send, idempotent=op.idempotent)
                except GraphFailure as failure:
                    failed.append((op, failure))
        return failed

    async def _prepare(self, step: str, subject: Subject, options: StepOptions) -> Prepared:
        steps = {
            BLOCK: self._block,
            REVOKE: self._revoke,
            MAILBOX: self._mailbox,
            AUTO_REPLY: self._auto_reply,
            FORWARD_MAIL: self._forward_mail,
            ONEDRIVE: self._onedrive,
            LICENSES: self._licenses,
            GROUPS: self._groups_step,
            AUTH_METHODS: self._auth_methods,
            DEVICES: self._devices_step,
        }
        if step not in steps:
            raise ValueError(f"unknown Graph step {step!r}")
        return await steps[step](subject, options)

    async def _user_gone(self, user_id: str) -> bool:
        """Graph answers 404 Request_ResourceNotFound for a user it no longer has (deleted)."""
        try:
            await self._read_user(user_id, ["id"])
        except GraphFailure as failure:
            return failure.status == 404
        return False

    # -- steps ---------------------------------------------------------------------------------
    async def _block(self, subject: Subject, options: StepOptions) -> Prepared:
        from msgraph.generated.models.user import User

        user = await self._read_user(subject.id, ["id", "userPrincipalName", "accountEnabled"])
        if user.account_enabled is False:
            return Prepared([], f"Sign-in was already blocked for {subject.login}; nothing to change.")
        item = self._graph().users.by_user_id(subject.id)
        call = PlannedCall("PATCH", f"/users/{subject.id}", subject.id, {"accountEnabled": False})
        op = Op(call, lambda: item.patch(User(account_enabled=False)), "block sign-in")
        return Prepared([op], f"Sign-in blocked for {subject.login} (accountEnabled set to false).")

    async def _revoke(self, subject: Subject, options: StepOptions) -> Prepared:
        item = self._graph().users.by_user_id(subject.id)

        async def send() -> None:
            answer = await item.revoke_sign_in_sessions.post()
            if answer is not None and answer.value is False:
                raise GraphFailure(200, "false", "revokeSignInSessions answered false")

        call = PlannedCall("POST", f"/users/{subject.id}/revokeSignInSessions", subject.id)
        summary = (
            f"Sign-in sessions and refresh tokens revoked for {subject.login}. Microsoft says this can take "
            "a few minutes to take effect everywhere; blocked sign-in stops new sign-ins meanwhile."
        )
        return Prepared([Op(call, send, "revoke sessions")], summary)

    async def _licenses(self, subject: Subject, options: StepOptions) -> Prepared:
        from msgraph.generated.users.item.assign_license.assign_license_post_request_body import (
            AssignLicensePostRequestBody,
        )

        user = await self._read_user(subject.id, ["id", "assignedLicenses", "licenseAssignmentStates"])
        direct, through = self._license_split(user)
        names = await self._sku_names([*direct, *through])
        group_names = {g.id: g.display_name for g in await self._groups(subject.id)} if through else {}
        inherited = [
            f"{names.get(sku, sku)} (through group '{group_names.get(gid, gid)}')"
            for sku, gids in through.items()
            for gid in gids
        ]
        data: dict[str, Any] = {
            "group_assigned": [
                {"sku_id": sku, "part_number": names.get(sku, sku), "group_id": gid}
                for sku, gids in through.items()
                for gid in gids
            ]
        }
        note = ""
        if inherited:
            note = (
                " Licences assigned through a group cannot be removed per user: "
                + ", ".join(inherited)
                + ". They end when the membership ends (graph.remove_groups) or the group's licence is changed."
            )
        if not direct:
            return Prepared([], "No directly assigned licences to remove." + note, data=data)
        removed = [{"sku_id": sku, "part_number": names.get(sku, sku)} for sku in direct]
        body = {"addLicenses": [], "removeLicenses": list(direct)}
        call = PlannedCall("POST", f"/users/{subject.id}/assignLicense", subject.id, body)
        request = AssignLicensePostRequestBody(
            add_licenses=[], remove_licenses=[uuid.UUID(s) for s in direct]
        )
        item = self._graph().users.by_user_id(subject.id)
        op = Op(call, lambda: item.assign_license.post(request), "remove licences")
        parts = ", ".join(r["part_number"] for r in removed)
        summary = (
            f"Removed {len(removed)} directly assigned licence(s): {parts}; the seats can be reused." + note
        )
        return Prepared([op], summary, data=data, data_if_ok={"removed_skus": removed})

    async def _groups_step(self, subject: Subject, options: StepOptions) -> Prepared:
        ops: list[Op] = []
        kept, dynamic, lists = [], [], []
        for group in await self._groups(subject.id):
            verdict = self._group_verdict(group, options)
            if verdict == "kept":
                kept.append(group.display_name)
            elif verdict == "dynamic":
                dynamic.append(group.display_name)
            elif verdict == "mail":
                lists.append(group.display_name)
            else:
                ref = (
                    self._graph().groups.by_group_id(group.id).members.by_directory_object_id(subject.id).ref
                )
                call = PlannedCall("DELETE", f"/groups/{group.id}/members/{subject.id}/$ref", group.id)
                ops.append(Op(call, ref.delete, f"group '{group.display_name}'"))
        removed = ", ".join(op.label.removeprefix("group ") for op in ops)
        parts = [f"Removed from {len(ops)} group(s): {removed}." if ops else ""]
        if not (ops or kept or dynamic or lists):
            parts = ["Not a member of any group; nothing to remove."]
        if dynamic:
            parts.append(
                f"Not removed, dynamic membership: {', '.join(dynamic)} (the rule adds them back; "
                "change the rule or the person's attributes)."
            )
        if lists:
            parts.append(
                f"Not removed, distribution lists / mail-enabled security groups: {', '.join(lists)} "
                "(Graph cannot change these; use Exchange Online)."
            )
        if kept:
            parts.append(f"Kept as asked: {', '.join(kept)}.")
        manual = "\n".join(
            f"Remove-DistributionGroupMember -Identity '{n}' -Member {subject.login}" for n in lists
        )
        return Prepared(ops, " ".join(p for p in parts if p), manual or None)

    async def _auth_methods(self, subject: Subject, options: StepOptions) -> Prepared:
        methods = await self._methods(subject.id)
        default_id = await self._default_method_id(subject.id, methods)
        ops: list[Op] = []
        unknown = []
        ordered = sorted(methods, key=lambda m: m.id == default_id)  # the default goes last
        for method in ordered:
            kind = self._method_kind(method)
            if kind == "password":
                continue
            builder = self._method_builder(subject.id, kind, method.id)
            if builder is None:
                unknown.append(kind)
                continue
            path = f"/users/{subject.id}/authentication/{METHOD_KINDS[kind][0]}/{method.id}"
            label = kind + (" (default)" if method.id == default_id else "")
            ops.append(Op(PlannedCall("DELETE", path, method.id), builder.delete, label))
        if ops:
            summary = f"Removed {len(ops)} sign-in method(s): {', '.join(op.label for op in ops)}."
            if default_id:
                summary += " The default method was removed last, as Graph requires."
        else:
            summary = "No sign-in methods to remove besides the password."
        summary += " The password itself cannot be deleted through Graph; blocked sign-in covers it."
        if unknown:
            summary += f" Not removable through this step: {', '.join(unknown)}."
        return Prepared(ops, summary, retry_400_last=True)
