"""The small interface every identity system (Okta, Microsoft Graph) sits behind.

The domain sees only these types; each adapter normalises its SDK's quirks (tuples, exceptions,
status codes) into them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class PlannedCall:
    """One HTTP call a step would send: what Preview and dry-run show."""

    method: str
    path: str  # path relative to the system's base URL, ids filled in
    target: str  # the object it acts on (user id, group id, device id, sku id…)
    body: dict[str, Any] | None = None


@dataclass(frozen=True)
class CallRecord:
    """One HTTP call that was sent, with the vendor's answer."""

    method: str
    path: str
    status: int | None  # None: no answer (connection refused, timeout)
    request_id: str | None  # Okta X-Okta-Request-Id, Graph request-id


@dataclass(frozen=True)
class StepOutcome:
    """What running one step ended with."""

    ok: bool
    summary: str  # plain words for the thread, e.g. "Okta user suspended" / "Okta said 403: …"
    calls: tuple[CallRecord, ...] = ()
    manual: str | None = None  # an action a person must take (e.g. Exchange command), if any
    data: dict[str, Any] = field(default_factory=dict)  # e.g. {"removed_skus": [...]} to reclaim
    # ok because the thing was already gone (user deleted or deactivated meanwhile): nothing was changed
    # by this run, and the vendor's request ids in `calls` show what it answered
    already_done: bool = False

    @property
    def request_ids(self) -> list[str]:
        return [c.request_id for c in self.calls if c.request_id]


@dataclass(frozen=True)
class Subject:
    """The departing person as the identity system knows them."""

    system: str  # "okta" | "graph"
    id: str
    login: str
    display: str = ""
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StepOptions:
    """Choices from the offboarding form that some steps need."""

    mailbox: str = "none"  # none | shared | delegate | backup_delete
    mailbox_delegate_email: str | None = None
    auto_reply: str | None = None  # out-of-office text, internal and external (graph.auto_reply)
    forward_to_email: str | None = None  # the phone-forwarding person (not used for mail)
    phone: str = "none"  # none | disable | forward
    backup_data: bool = False  # data handover: graph.onedrive_access exists when True
    manager_email: str | None = None  # who gets the OneDrive; may be known only after the case opens
    keep_groups: tuple[str, ...] = ()  # group ids/names never removed
    cutoff_action: str = "suspend"  # Okta: suspend | deactivate
    cutoff_at: datetime | None = None  # when access ends (aware); the auto-reply is scheduled from it
    forward_mail: bool = False  # mail forwarding chosen on the form: graph.forward_mail exists
    mail_forward_to_email: str | None = None  # who receives the forwarded mail (its own person)


@dataclass(frozen=True)
class AccessEntry:
    """One thing the person can reach, and how it ends."""

    kind: str  # status | app | group | factor | grant | license | auth_method | device | account
    name: str
    id: str = ""
    ends_by: str = "manual"  # a step name, or "manual"
    detail: str = ""


@dataclass(frozen=True)
class AccessState:
    """A read of everything the system says the person can reach now."""

    system: str
    entries: tuple[AccessEntry, ...]
    remaining: tuple[str, ...] = ()  # after revocation: what is still there, in plain words
    notes: tuple[str, ...] = ()  # e.g. "sign-in session revocation cannot be read back"


@dataclass(frozen=True)
class DeviceAction:
    """Where a remote action on one managed device stands, read back from the device management system."""

    device_id: str
    name: str = ""
    owner: str = "unknown"  # company | personal | unknown (Intune managedDeviceOwnerType)
    management_state: str = "unknown"  # Intune managementState: managed, retirePending, wipeIssued…
    action: str | None = None  # the latest remote action: retire | wipe | None
    state: str = "none"  # pending | done | failed | none (nothing sent); gone: no longer managed
    request_ids: tuple[str, ...] = ()

    @property
    def pending(self) -> bool:
        return self.state == "pending"


class LookupFailed(Exception):
    """The system could not be asked (network, 5xx after retries, auth) — distinct from 'not found'."""


class NotReady(LookupFailed):
    """A step cannot be planned yet: a choice it needs is still open (e.g. who receives the mail)."""


class IdentitySystem(Protocol):
    """Okta or Microsoft Graph, as the revocation service sees it."""

    name: str  # "okta" | "graph"
    # Superseded by step_after(): True only when step_after says "everything after the first step waits
    # for the first alone" for every option set.
    independent_after_first: bool

    def step_names(self, options: StepOptions) -> list[str]:
        """The steps this system contributes, in the order they should run. Which steps exist depends
        only on the form's choices, never on whether a person's email is known yet."""
        ...

    def step_after(self, options: StepOptions) -> dict[str, tuple[str, ...]]:
        """For every step of step_names(options): the steps that must have finished (whatever their
        outcome) before it starts. A step may start as soon as those are finished; steps that wait for
        nothing may start at once. Only names from step_names(options) appear."""
        ...

    async def find_subject(self, email: str) -> Subject | None:
        """The user with this login / UPN / mail, or None when there is none. Raises LookupFailed."""
        ...

    async def plan(self, step: str, subject: Subject, options: StepOptions) -> list[PlannedCall]:
        """The exact calls `run` would send (reads allowed, no writes)."""
        ...

    async def run(self, step: str, subject: Subject, options: StepOptions) -> StepOutcome:
        """Send the step's calls. Never raises for vendor errors: they become ok=False outcomes."""
        ...

    async def read_access(self, subject: Subject, options: StepOptions) -> AccessState:
        """Inventory / verification read: what the person can still reach."""
        ...

    async def manager_of(self, subject: Subject) -> str | None:
        """The email of the person's manager, when the directory knows it."""
        ...

    async def aclose(self) -> None: ...


def chain(names: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Each step after the one before it: the order when nothing may run at once."""
    order = list(names)
    return {step: (order[i - 1],) if i else () for i, step in enumerate(order)}


def waves(names: list[str], after: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The steps in rounds: each round's steps wait only for steps of earlier rounds, so a runner may
    start a round's steps together. Keeps step_names order inside a round. ValueError on a step
    waiting for an unknown step, or for itself through others."""
    waits = {step: set(after.get(step, ())) for step in names}
    unknown = {w for ws in waits.values() for w in ws} - set(names)
    if unknown:
        raise ValueError(f"steps wait for steps that do not exist: {sorted(unknown)}")
    done: set[str] = set()
    rounds: list[list[str]] = []
    while len(done) < len(names):
        ready = [s for s in names if s not in done and waits[s] <= done]
        if not ready:
            raise ValueError(f"steps wait for each other: {sorted(set(names) - done)}")
        rounds.append(ready)
        done |= set(ready)
    return rounds


def step_order(system: Any, options: StepOptions) -> dict[str, tuple[str, ...]]:
    """system.step_after(options), or for a system (or wrapper) without it the older rule: everything
    after the first step waits for the first when `independent_after_first`, else a plain chain."""
    names = system.step_names(options)
    declared = getattr(system, "step_after", None)
    if declared is not None:
        return dict(declared(options))
    if getattr(system, "independent_after_first", False):
        return {step: (names[0],) if i else () for i, step in enumerate(names)}
    return chain(names)
