"""Intune by ownership for GraphSystem: at cutoff only `personal` devices are retired (company data and
management removed, the person's own data kept); company devices stay managed until the equipment
flow records them returned, and are then wiped with `wipe_device`.

Both are remote actions a device carries out at its next check-in, so an outcome says "pending" until
a read-back (managementState, deviceActionResults) shows them done. Sources: Graph v1.0 managedDevice
(managedDeviceOwnerType, managementState, deviceActionResults) and the retire and wipe actions
(/work/shared/specs/graph/graph-v1.0-csdl-offboarding-slice.xml).
"""

from __future__ import annotations

from typing import Any

from bot.revocation.contract import CallRecord, DeviceAction, PlannedCall, StepOutcome, Subject
from bot.revocation.graph_client import CALLS, GraphFailure, Op, Prepared
from bot.revocation.graph_reads import GraphReads, _text

# deviceActionResult.actionState -> our word
ACTION_STATES = {"pending": "pending", "active": "pending", "done": "done", "none": "none"}
# What the msgraph-sdk WipePostRequestBody sends (it always writes persistEsimDataPlan, default False).
WIPE_BODY = {"keepEnrollmentData": False, "keepUserData": False, "persistEsimDataPlan": False}


class GraphDeviceSteps(GraphReads):
    """Mixin for GraphSystem: graph.retire_devices, wipe_device, device_action_state."""

    def _device_item(self, device_id: str) -> Any:
        return self._graph().device_management.managed_devices.by_managed_device_id(device_id)

    @staticmethod
    def _label(device: Any) -> str:
        return f"{device.device_name} ({device.operating_system})"

    async def _devices_step(self, subject: Subject, options: Any) -> Prepared:
        ops, already, company = [], [], []
        rows: list[dict[str, Any]] = []
        for device in await self._devices(subject.id):
            label, owner = self._label(device), _text(device.managed_device_owner_type) or "unknown"
            row = {"id": device.id, "name": label, "owner": owner, "action": None, "state": "kept"}
            rows.append(row)
            if owner != "personal":  # company (or unknown): stays managed until returned, then wiped
                company.append(label)
                continue
            row["action"] = "retire"
            if self._device_retiring(device):
                already.append(label)
                row["state"] = "pending"
                continue
            call = PlannedCall("POST", f"/deviceManagement/managedDevices/{device.id}/retire", device.id)
            ops.append(Op(call, self._device_item(device.id).retire.post, label))
        parts = []
        if ops:
            parts.append(
                f"Retire sent for {len(ops)} personal device(s): {', '.join(op.label for op in ops)}. Intune "
                "removes company data and management at each device's next check-in."
            )
        if already:
            parts.append(f"Already being retired or wiped: {', '.join(already)}.")
        if company:
            parts.append(
                f"Not retired, company-owned or of unknown owner: {', '.join(company)}; they stay managed "
                "until recorded returned, then are wiped."
            )

        async def read_back() -> tuple[str, dict[str, Any]]:
            states = {d.device_id: d for d in await self._device_states(subject.id)}
            for row in rows:
                if row["action"] == "retire":
                    found = states.get(row["id"])
                    row["state"] = found.state if found else "gone"
            waiting = [r["name"] for r in rows if r["action"] == "retire" and r["state"] == "pending"]
            note = f" Pending until the device checks in: {', '.join(waiting)}." if waiting else ""
            return note, {"devices": rows}

        summary = " ".join(parts) or "No Intune-managed devices."
        return Prepared(ops, summary, data={"devices": rows}, read_back=read_back if ops or already else None)

    async def _device_states(self, user_id: str) -> list[DeviceAction]:
        return [self._action_of(d) for d in await self._devices(user_id)]

    def _action_of(self, device: Any, request_ids: tuple[str, ...] = ()) -> DeviceAction:
        results = [r for r in device.device_action_results or [] if r.action_name in ("retire", "wipe")]
        latest = max(results, key=lambda r: r.start_date_time or 0, default=None) if results else None
        management = _text(device.management_state) or "unknown"
        if latest is not None:
            state = ACTION_STATES.get(_text(latest.action_state) or "none", "failed")
        else:
            state = "pending" if self._device_retiring(device) else "none"
        return DeviceAction(
            device.id,
            self._label(device),
            _text(device.managed_device_owner_type) or "unknown",
            management,
            latest.action_name if latest is not None else None,
            state,
            request_ids,
        )

    async def device_action_state(self, device_id: str) -> DeviceAction:
        """Where retire/wipe of one device stands; state "gone" when Intune no longer has it (a
        finished retire or wipe removes the device record)."""
        calls = CALLS.get()
        calls = [] if calls is None else calls  # inside wipe_device: its calls record this read too
        start, token = len(calls), CALLS.set(calls)
        try:
            device = await self._call(self._device_item(device_id).get)
        except GraphFailure as failure:
            if failure.status != 404:
                raise
            device = None
        finally:
            CALLS.reset(token)
        ids = tuple(c.request_id for c in calls[start:] if c.request_id)
        if device is None:
            return DeviceAction(device_id, state="gone", request_ids=ids)
        return self._action_of(device, ids)

    def plan_wipe(self, device_id: str) -> list[PlannedCall]:
        return [
            PlannedCall("POST", f"/deviceManagement/managedDevices/{device_id}/wipe", device_id, WIPE_BODY)
        ]

    async def wipe_device(self, device_id: str) -> StepOutcome:
        """Factory-reset a returned company device (keepEnrollmentData and keepUserData false); sent once:
        a wipe already pending is not sent again."""
        from msgraph.generated.device_management.managed_devices.item.wipe.wipe_post_request_body import (
            WipePostRequestBody,
        )

        calls: list[CallRecord] = []
        token = CALLS.set(calls)
        try:
            before = await self.device_action_state(device_id)
            if before.state == "gone":
                return StepOutcome(
                    True, "The device is no longer managed by Intune.", tuple(calls), already_done=True
                )
            if before.action == "wipe" and before.state in ("pending", "done"):
                return StepOutcome(
                    True,
                    f"Wipe of {before.name} is already {before.state}.",
                    tuple(calls),
                    data=_data(before),
                )
            body = WipePostRequestBody(
                keep_enrollment_data=False, keep_user_data=False, persist_esim_data_plan=False
            )
            wipe = self._device_item(device_id).wipe
            try:
                await self._call(lambda: wipe.post(body), idempotent=False)
            except GraphFailure as failure:
                return StepOutcome(False, f"Wipe not sent: {failure.words()}", tuple(calls))
            after = await self.device_action_state(device_id)
        finally:
            CALLS.reset(token)
        word = "done" if after.state in ("done", "gone") else "pending until the device checks in"
        return StepOutcome(True, f"Wipe sent for {before.name}: {word}.", tuple(calls), data=_data(after))


def _data(action: DeviceAction) -> dict[str, Any]:
    return {"device": action.device_id, "action": action.action, "state": action.state}
