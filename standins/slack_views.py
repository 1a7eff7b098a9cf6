"""Slack stand-in: views.open, views.push, views.update and views.publish (modals and the Home tab)."""

from __future__ import annotations

import time
from typing import Any

from standins.slack_blocks import check_view
from standins.slack_core import SlackCore, SlackError, _invalid_arguments


class ViewsMethods(SlackCore):
    """Modals opened from trigger_ids and App Home views published per user."""

    def _checked_view(self, p: dict[str, Any], kind: str | None) -> dict[str, Any]:
        view = p.get("view")
        if not isinstance(view, dict):
            raise _invalid_arguments(["[ERROR] missing required field: view [json-pointer:/view]"])
        if problems := check_view(view):
            raise _invalid_arguments(problems)
        if kind and view["type"] != kind:
            raise _invalid_arguments([f"[ERROR] must be `{kind}` [json-pointer:/view/type]"])
        return view

    def _trigger(self, p: dict[str, Any]) -> str:
        trigger = str(p.get("trigger_id") or p.get("interactivity_pointer") or "")
        if not trigger:
            raise _invalid_arguments(["invalid `trigger_id`"])  # the spec's own example refusal
        if trigger in self.expired_trigger_ids:
            raise SlackError("expired_trigger_id")
        if trigger in self.used_trigger_ids:
            raise SlackError("exchanged_trigger_id")
        return trigger

    def _store_view(self, view: dict[str, Any], previous: dict[str, Any] | None = None) -> dict[str, Any]:
        view_id = previous["id"] if previous else self._new_id("V")
        obj = {"id": view_id, "team_id": self.team_id, "private_metadata": "", "callback_id": "",
               "external_id": "", "state": {"values": {}}, "clear_on_close": False,
               "notify_on_close": False, "close": None, "submit": None, "previous_view_id": None,
               "root_view_id": previous["root_view_id"] if previous else view_id, "app_id": self.app_id,
               "app_installed_team_id": self.team_id, "bot_id": self.bot_id, **view,
               "hash": f"{int(time.time())}.{next(self._ids):08x}"}  # fmt: skip
        self.views[view_id] = obj
        return obj

    def _open(self, p: dict[str, Any]) -> dict[str, Any]:
        trigger = self._trigger(p)
        view = self._store_view(self._checked_view(p, "modal"))
        self.used_trigger_ids.add(trigger)
        self.views_opened.append(view)
        return {"view": view}

    _m_views_open = _open
    _m_views_push = _open

    def _m_views_update(self, p: dict[str, Any]) -> dict[str, Any]:
        ref, ext = p.get("view_id"), p.get("external_id")
        if not ref and not ext:
            raise _invalid_arguments(["[ERROR] must provide `view_id` or `external_id`"])
        current = self.views.get(str(ref)) if ref else None
        if ext and current is None:
            current = next((v for v in self.views.values() if v["external_id"] == ext), None)
        if current is None:
            raise SlackError("not_found")
        if p.get("hash") and p["hash"] != current["hash"]:
            raise SlackError("hash_conflict")
        return {"view": self._store_view(self._checked_view(p, current["type"]), current)}

    def _m_views_publish(self, p: dict[str, Any]) -> dict[str, Any]:
        user = self._user(p.get("user_id"))["id"]
        view = self._checked_view(p, "home")
        current = self.home_views.get(user)
        if current and p.get("hash") and p["hash"] != current["hash"]:
            raise SlackError("hash_conflict")
        self.home_views[user] = self._store_view(view, current)
        return {"view": self.home_views[user]}
