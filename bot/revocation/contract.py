"""The small interface every identity system (Okta, Microsoft Graph) sits behind.

The domain sees only these types; each adapter normalises its SDK's quirks (tuples, exceptions,
status codes) into them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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
    auto_reply: str | None = None
    forward_to_email: str | None = None
    phone: str = "none"  # none | disable | forward
    backup_data: bool = False
    manager_email: str | None = None
    keep_groups: tuple[str, ...] = ()  # group ids/names never removed
    cutoff_action: str = "suspend"  # Okta: suspend | deactivate


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


class LookupFailed(Exception):
    """The system could not be asked (network, 5xx after retries, auth) — distinct from 'not found'."""


class IdentitySystem(Protocol):
    """Okta or Microsoft Graph, as the revocation service sees it."""

    name: str  # "okta" | "graph"
    # True when the steps after the first (the cutoff itself) do not depend on each other and may run
    # at once: fewer round trips per person, and reads need not queue behind throttled writes.
    independent_after_first: bool

    def step_names(self, options: StepOptions) -> list[str]:
        """The steps this system contributes, in the order they should run."""
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
