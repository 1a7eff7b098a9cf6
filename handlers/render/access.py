"""The access inventory and verification messages in the revocation thread."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.cases.models import Case
from handlers import ids
from handlers.render.text import clip, escape

SYSTEM = {"okta": "Okta", "graph": "Microsoft 365"}
KIND_LABEL = {"status": "status", "account": "account", "app": "apps", "group": "groups", "factor": "MFA factors",
              "grant": "grants", "license": "licenses", "auth_method": "sign-in methods", "device": "devices"}  # fmt: skip


def _system_lines(name: str, state: Any) -> str:
    title = f"*{SYSTEM.get(name) or escape(name)}*"
    if isinstance(state, str):
        return f"{title}: {escape(state)}"
    by_kind: dict[str, list[str]] = {}
    for e in state["entries"]:
        label = escape(e["name"]) + (" _(manual)_" if e["ends_by"] == "manual" else "")
        by_kind.setdefault(e["kind"], []).append(label)
    parts = [f"{KIND_LABEL.get(k, k)}: {', '.join(v)}" for k, v in by_kind.items()]
    return title + "\n" + "\n".join(f"• {clip(p, 400)}" for p in parts)


def inventory_blocks(case: Case, inventory: dict[str, Any], changes: dict[str, Any]) -> list[dict[str, Any]]:
    blocks: list[Any] = [SectionBlock(text=f"*Access inventory* for {clip(escape(case.subject_name), 2000)}")]
    for name, state in inventory.items():
        blocks.append(SectionBlock(text=clip(_system_lines(name, state), 3000)))
    if changes:
        lines = []
        for name, change in changes.items():
            for what in change["added"]:
                lines.append(f"➕ {SYSTEM.get(name) or escape(name)}: {escape(what)}")
            for what in change["removed"]:
                lines.append(f"➖ {SYSTEM.get(name) or escape(name)}: {escape(what)}")
        blocks.append(SectionBlock(text=clip("*Changes since the last read*\n" + "\n".join(lines), 3000)))
    blocks.append(
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text="_(manual)_: no revocation step ends it; it is an IT item on the checklist."
                )
            ]
        )
    )
    return [b.to_dict() for b in blocks]


def verification_blocks(case: Case, checks: Sequence[Any], blocking: list[str]) -> list[dict[str, Any]]:
    blocks: list[Any] = [SectionBlock(text="*Verification*")]
    for check in checks:
        name = SYSTEM.get(check.system) or escape(check.system)
        if check.gone:
            text = f":white_check_mark: *{name}*: access verified gone"
        else:
            text = f":x: *{name}*: still there —\n" + "\n".join(
                f"• {escape(r)}" for r in check.remaining[:20]
            )
        if check.notes:
            text += "\n_" + "; ".join(escape(n) for n in check.notes) + "_"
        blocks.append(SectionBlock(text=clip(text, 3000)))
    if blocking and case.is_open:
        blocks.append(
            ActionsBlock(
                elements=[
                    ButtonElement(
                        text="Accept remainder",
                        action_id=ids.ACCEPT_REMAINDER,
                        value=ids.item_value(case.id, "accept"),
                    )
                ]
            )
        )
    return [b.to_dict() for b in blocks]
