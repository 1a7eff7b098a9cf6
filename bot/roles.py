"""Who holds which role: read from the workspace's user groups at the moment of asking (short cache)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.clock import Clock
from bot.config import OrgConfig
from bot.ports import People


class RoleDirectory:
    def __init__(self, people: People, config: OrgConfig, clock: Clock) -> None:
        self.people = people
        self.config = config
        self.clock = clock
        self._cache: dict[str, tuple[object, frozenset[str]]] = {}
        self._lock = asyncio.Lock()

    async def members(self, role: str) -> frozenset[str]:
        group = self.config.role_groups[role]
        ttl = timedelta(seconds=self.config.role_cache_seconds)
        now = self.clock.now()
        cached = self._cache.get(group)
        if cached and now - cached[0] < ttl:  # type: ignore[operator]
            return cached[1]
        async with self._lock:
            cached = self._cache.get(group)
            if cached and now - cached[0] < ttl:  # type: ignore[operator]
                return cached[1]
            members = await self.people.group_members(group)
            self._cache[group] = (now, members)
            return members

    async def roles_of(self, user_id: str) -> frozenset[str]:
        """Organisation roles (hr, it, security, admin) of a person; case roles are added by the caller."""
        roles = {role for role in ("hr", "it", "security") if user_id in await self.members(role)}
        if user_id in self.config.admins:
            roles.add("admin")
        return frozenset(roles)

    def forget(self) -> None:
        self._cache.clear()
