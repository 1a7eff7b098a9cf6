"""Who may do what. Every rule lives here so the permission matrix can be read in one place."""

from __future__ import annotations

from collections.abc import Iterable

from bot.checklist.templates import ROLE_NAMES
from bot.errors import NotAllowed


def _names(roles: Iterable[str]) -> str:
    names = [ROLE_NAMES.get(r, r) for r in roles]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def item_roles(item_role: str, kind: str) -> tuple[str, ...]:
    """Roles that may complete an item: its owner; security may also act on IT's items."""
    if kind == "revocation":
        return ("it", "security")
    if item_role == "it":
        return ("it", "security")
    return (item_role,)


def check_item(roles: frozenset[str], item_role: str, kind: str, title: str) -> None:
    allowed = item_roles(item_role, kind)
    if "subject" in roles or not roles.intersection(allowed):
        raise NotAllowed(f"Only {_names(allowed)} can do this: “{title}”.")


def check_open(roles: frozenset[str], *, is_self: bool) -> None:
    """`/offboard @x`: HR, x's manager, or an admin; never oneself."""
    if is_self:
        raise NotAllowed("You cannot offboard yourself.")
    if not roles.intersection({"hr", "manager", "admin"}):
        raise NotAllowed("Only HR, the person's manager or an offboarding admin can start an offboarding.")


def check_case_admin(roles: frozenset[str], action: str) -> None:
    """Changing the last day or cancelling: the case's manager or HR."""
    if "subject" in roles or not roles.intersection({"hr", "manager"}):
        raise NotAllowed(f"Only the manager or HR can {action}.")


def check_accept_remainder(roles: frozenset[str]) -> None:
    if "subject" in roles or "security" not in roles:
        raise NotAllowed("Only Security can accept remaining access.")
