"""Intune behind the Graph stand-in: managed devices, and the retire and wipe remote actions.

Follows the Graph v1.0 Intune reference: `POST /deviceManagement/managedDevices/{id}/retire` (no body)
and `.../wipe` (keepEnrollmentData, keepUserData, macOsUnlockCode, persistEsimDataPlan) answer
204 No Content; the device then shows managementState retirePending / wipePending and a
deviceActionResults entry (actionName, actionState pending). When the device checks in the action
completes and the device leaves Intune management (retire removes company data and unenrolls it;
wipe factory-resets it), so it is no longer listed and a later action finds nothing: Intune answers
404 with its own error shape (code, and a message that is itself JSON with "_version": 3, as seen in
microsoftgraph/powershell-intune-samples#45 and microsoft/Intune-PowerShell-SDK#51).

Completion happens on `complete_device_actions()` or, when `device_action_reads` is set, after that
many reads of the device. Harms Intune accepts silently are recorded in `harms`:
- "company_device_retired_unwiped": a company device retired before any wipe: once the retire
  completes it can no longer be wiped through Intune.
- "personal_device_wiped": a full wipe of a personally owned device (the employee's own phone/PC).
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from aiohttp import web

from standins.graph_routes import not_found, odata_error
from standins.graph_state import Device, User, now_iso

WIPE_PARAMETERS = frozenset({"keepEnrollmentData", "keepUserData", "macOsUnlockCode", "persistEsimDataPlan"})
PENDING = {"retire": "retirePending", "wipe": "wipePending"}


def intune_error(status: int, code: str, url: str) -> web.Response:
    """Intune's error: Graph's envelope around a JSON string from the Intune service."""
    inner = {
        "_version": 3,
        "Message": f"An error has occurred - Operation ID (for customer support): "
        f"00000000-0000-0000-0000-000000000000 - Activity ID: {uuid.uuid4()} - Url: "
        f"https://fef.msub01.manage.microsoft.com/DeviceFE/StatelessDeviceFEService/{url}",
        "CustomApiErrorPhrase": "",
        "RetryAfter": None,
        "ErrorSourceService": "",
        "HttpHeaders": "{}",
    }
    return odata_error(status, code, json.dumps(inner, indent=2))


class IntuneMixin:
    """Device routes and hooks; GraphStandIn mixes it in."""

    users: dict[str, User]
    devices: dict[str, Device]
    harms: list[dict[str, Any]]
    find_user: Any
    violation: Any
    _page: Any
    device_json: Any

    def _init_intune(self) -> None:
        self.device_action_reads: int | None = None  # None: actions complete only by the hook

    # -- hooks -------------------------------------------------------------------------------------
    def complete_device_actions(self, device_id: str | None = None) -> None:
        """The device(s) checked in: pending retire/wipe actions finish and leave Intune management."""
        for device in self.devices.values():
            if device_id in (None, device.id) and device.state in PENDING.values():
                self._complete(device)

    def device_history(self, device_id: str) -> dict[str, Any]:
        """For assertions: when it was retired/wiped, its state, and whether Intune still manages it."""
        d = self.devices[device_id]
        return {
            "retired_at": d.retired_at,
            "wiped_at": d.wiped_at,
            "state": d.state,
            "managed": not d.gone,
            "actions": [a["actionName"] for a in d.actions],
        }

    def _complete(self, device: Device) -> None:
        for action in device.actions:
            if action["actionState"] == "pending":
                action.update(actionState="done", lastUpdatedDateTime=now_iso())
        device.gone = True

    def _seen(self, device: Device) -> None:
        """One read of a device; its pending action completes after `device_action_reads` of them."""
        if device.state not in PENDING.values():
            return
        device.reads += 1
        if self.device_action_reads is not None and device.reads >= self.device_action_reads:
            self._complete(device)

    def _managed(self, d: str) -> Device | None:
        device = self.devices.get(d)
        return None if device is None or device.gone else device

    # -- routes ------------------------------------------------------------------------------------
    async def list_devices(self, request: web.Request, body: Any, u: str) -> web.Response:
        user = self.find_user(u)
        if user is None:
            return not_found(u)
        mine = [d for d in self.devices.values() if d.user_id == user.id and not d.gone]
        items = [self.device_json(d) for d in mine]  # as they were when read
        for d in mine:
            self._seen(d)
        return self._page(request, items, f"users('{user.id}')/managedDevices")

    async def get_device(self, request: web.Request, body: Any, d: str) -> web.Response:
        device = self._managed(d)
        if device is None:
            return intune_error(404, "ResourceNotFound", f"deviceManagement/managedDevices('{d}')")
        answer = self.device_json(device)
        self._seen(device)
        context = "https://graph.microsoft.com/v1.0/$metadata#deviceManagement/managedDevices/$entity"
        return web.json_response({"@odata.context": context, **answer})

    async def retire(self, request: web.Request, body: Any, d: str) -> web.Response:
        if body not in (None, {}):
            return self.violation("retire takes no parameters")
        return self._act(d, "retire")

    async def wipe(self, request: web.Request, body: Any, d: str) -> web.Response:
        if body is not None and (not isinstance(body, dict) or set(body) - WIPE_PARAMETERS):
            return self.violation(f"wipe: unknown parameters in {body!r}")
        return self._act(d, "wipe")

    def _act(self, d: str, action: str) -> web.Response:
        url = f"deviceManagement/managedDevices('{d}')/microsoft.management.services.api.{action}"
        device = self.devices.get(d)
        if device is None or device.gone:
            return intune_error(404, "ResourceNotFound", url)
        if device.state == PENDING[action]:
            return web.Response(status=204)  # sent again while pending: nothing new
        if device.state != "managed":
            # Another action is under way (stand-in's rule: Intune runs one remote action at a time).
            return intune_error(400, "BadRequest", url)
        stamp = now_iso()
        device.state, device.reads = PENDING[action], 0
        device.actions.append(
            {
                "actionName": action,
                "actionState": "pending",
                "startDateTime": stamp,
                "lastUpdatedDateTime": stamp,
            }
        )
        harm = None
        if action == "retire":
            device.retired_at = stamp
            if device.owner == "company" and device.wiped_at is None:
                harm = "company_device_retired_unwiped"
        else:
            device.wiped_at = stamp
            if device.owner == "personal":
                harm = "personal_device_wiped"
        if harm:
            self.harms.append(
                {"kind": harm, "device": d, "user": device.user_id, "at": stamp, "time": time.time()}
            )
        return web.Response(status=204)
