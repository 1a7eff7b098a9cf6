"""What the person can reach, and proof that it is gone.

Inventory: when the room opens (and on demand), each system is read and summarised; whatever no
revocation step ends becomes a manual checklist item for IT. Verification: after the steps, and
again an hour after cutoff, each system is read again and the case records "access verified gone"
or exactly what remains. A case cannot close while something remains, unless security accepts it
with a written reason.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import asdict, dataclass
from typing import Any

from bot import permissions
from bot.cases.models import Case
from bot.cases.service import CaseService
from bot.errors import NotAllowed
from bot.evidence.service import Evidence
from bot.revocation.contract import AccessState, LookupFailed
from bot.revocation.pacing import low_priority
from bot.revocation.service import RevocationService

log = logging.getLogger(__name__)
INVENTORY, VERIFIED, ACCEPTED = "access.inventory", "access.verified", "remainder.accepted"


@dataclass(frozen=True)
class SystemCheck:
    system: str
    gone: bool
    remaining: tuple[str, ...]
    notes: tuple[str, ...]
    error: str | None = None


def _entries(state: AccessState) -> list[dict[str, str]]:
    return [asdict(e) for e in state.entries]


def manual_key(system: str, entry: dict[str, str]) -> str:
    digest = hashlib.sha1(f"{entry['kind']}:{entry['id'] or entry['name']}".encode()).hexdigest()[:10]
    return f"manual.{system}.{entry['kind']}.{digest}"


class AccessReview:
    def __init__(self, service: RevocationService, cases: CaseService, evidence: Evidence) -> None:
        self.service = service
        self.cases = cases
        self.evidence = evidence

    async def _read(self, case: Case) -> dict[str, AccessState | str]:
        options = await self.service.options_for(case)
        found: dict[str, AccessState | str] = {}
        for name, system in self.service.systems.items():
            try:
                with low_priority():  # inventory and verification reads wait for revocations
                    subject = await self.service.subject(system, case)
                    if subject is None:
                        found[name] = f"no {name} user with login {case.subject_email}"
                        continue
                    found[name] = await system.read_access(subject, options)
            except LookupFailed as e:
                found[name] = f"could not be read: {e}"
            except Exception as e:  # a read must never break the case
                log.exception("reading %s failed", name)
                found[name] = f"could not be read ({type(e).__name__})"
        return found

    async def inventory(self, case: Case, actor: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """Read and record the inventory; returns it and the difference from the previous one."""
        previous = await self.latest(case.id, INVENTORY)
        current = {
            name: state
            if isinstance(state, str)
            else {"entries": _entries(state), "notes": list(state.notes)}
            for name, state in (await self._read(case)).items()
        }
        await self.evidence.record(case.id, INVENTORY, actor, systems=current)
        manual = [
            (manual_key(name, e), f"Remove {e['kind']} “{e['name']}” by hand ({e['detail'] or name})")
            for name, state in current.items()
            if isinstance(state, dict)
            for e in state["entries"]
            if e["ends_by"] == "manual"
        ]
        if manual:
            await self.cases.add_items(case, manual, role="it", kind="manual", actor=actor)
        return current, diff(previous, current)

    async def verify(self, case: Case, actor: str, reason: str) -> list[SystemCheck]:
        checks = []
        for name, state in (await self._read(case)).items():
            if isinstance(state, str):
                checks.append(SystemCheck(name, False, (f"{name} {state}",), (), error=state))
            else:
                checks.append(
                    SystemCheck(name, not state.remaining, tuple(state.remaining), tuple(state.notes))
                )
        await self.evidence.record(
            case.id, VERIFIED, actor, reason=reason, systems={c.system: asdict(c) for c in checks}
        )
        return checks

    async def latest(self, case_id: int, kind: str) -> dict[str, Any] | None:
        for event in reversed(await self.evidence.events(case_id)):
            if event.kind == kind:
                return json.loads(event.data).get("systems")
        return None

    async def blocking(self, case_id: int) -> list[str]:
        """What still blocks closing: remaining access from the latest verification, unless accepted."""
        if not self.service.systems:
            return []
        if not any(i.kind == "revocation" for i in await self.cases.items(case_id)):
            return []  # e.g. a client offboarding: nothing was revoked, nothing to verify
        events = await self.evidence.events(case_id)
        last_verified = next((e for e in reversed(events) if e.kind == VERIFIED), None)
        if last_verified is None:
            return ["access has not been verified yet"]
        if any(e.kind == ACCEPTED and e.seq > last_verified.seq for e in events):
            return []
        systems = json.loads(last_verified.data)["systems"]
        remaining = [r for check in systems.values() for r in check["remaining"]]
        if remaining:
            remaining.append("Security can accept what remains, with a reason, from the verification message")
        return remaining

    async def accept(self, case: Case, actor: str, roles: frozenset[str], reason: str) -> None:
        try:
            permissions.check_accept_remainder(roles)
        except NotAllowed as e:
            await self.evidence.record(case.id, "refused", actor, action="accept remainder", why=e.message)
            raise
        remaining = await self.blocking(case.id)
        await self.evidence.record(case.id, ACCEPTED, actor, reason=reason, remaining=remaining)

    async def record_lines(self, case_id: int) -> list[str]:
        """For the archive post: the latest verification per system, with its time."""
        lines = []
        events = await self.evidence.events(case_id)
        for event in reversed(events):
            if event.kind == VERIFIED:
                when = event.at.strftime("%Y-%m-%dT%H:%M:%SZ")
                for name, check in json.loads(event.data)["systems"].items():
                    state = (
                        "access verified gone"
                        if check["gone"]
                        else "remaining: " + "; ".join(check["remaining"])
                    )
                    lines.append(f"Verification {name}: {state} ({when})")
                break
        for event in events:
            if event.kind == ACCEPTED:
                reason = json.loads(event.data).get("reason", "")
                lines.append(f"Remainder accepted by {event.actor}: {reason}")
        return lines


def diff(before: dict[str, Any] | None, after: dict[str, Any]) -> dict[str, Any]:
    """Entries added and removed per system since the previous inventory."""
    if before is None:
        return {}
    changes: dict[str, Any] = {}
    for name, state in after.items():
        old = before.get(name)
        if not isinstance(state, dict) or not isinstance(old, dict):
            continue
        key = lambda e: (e["kind"], e["name"], e["id"])  # noqa: E731
        new_set, old_set = {key(e) for e in state["entries"]}, {key(e) for e in old["entries"]}
        added, removed = sorted(new_set - old_set), sorted(old_set - new_set)
        if added or removed:
            changes[name] = {
                "added": [f"{k} {n}" for k, n, _ in added],
                "removed": [f"{k} {n}" for k, n, _ in removed],
            }
    return changes
