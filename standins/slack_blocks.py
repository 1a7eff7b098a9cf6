"""Block Kit limit checks for the Slack stand-in.

Problems are worded the way Slack words them in `response_metadata.messages`
(`[ERROR] <what> [json-pointer:<where>]`), so a test failure reads like the real refusal.
Limits: Slack's Block Kit reference, as summarised in /work/shared/specs/README.md.
"""

from __future__ import annotations

import json
from typing import Any

MESSAGE_MAX_BLOCKS = 50
SURFACE_MAX_BLOCKS = 100  # modals and the Home tab
MSG_BLOCKS_MAX_JSON = 13_000  # reported by Bolt users as where `msg_blocks_too_long` starts

KNOWN_BLOCKS = {
    "actions", "context", "divider", "file", "header", "image", "input", "markdown",
    "rich_text", "section", "table", "video", "call", "context_actions",
}  # fmt: skip
# Elements whose option text must be plain_text, and their option-count limits.
OPTION_LIMITS = {
    "static_select": 100,
    "multi_static_select": 100,
    "overflow": 5,
    "radio_buttons": 10,
    "checkboxes": 10,
}
PLAIN_OPTIONS = {"static_select", "multi_static_select", "overflow"}


class _Checker:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def err(self, what: str, ptr: str) -> None:
        self.problems.append(f"[ERROR] {what} [json-pointer:{ptr}]")

    def max_len(self, value: Any, limit: int, ptr: str) -> None:
        if isinstance(value, str) and len(value) > limit:
            self.err(f"must be less than {limit + 1} characters", ptr)

    def count(self, items: Any, limit: int, ptr: str, minimum: int = 0) -> list[Any]:
        if not isinstance(items, list):
            if minimum:
                self.err("missing required field: " + ptr.rsplit("/", 1)[-1], ptr)
            return []
        if len(items) > limit:
            self.err(f"no more than {limit} items allowed", ptr)
        elif len(items) < minimum:
            self.err(f"must provide at least {minimum} items", ptr)
        return items

    def text(self, obj: Any, limit: int, ptr: str, *, plain: bool = False, required: bool = True) -> None:
        if obj is None:
            if required:
                self.err("missing required field: " + ptr.rsplit("/", 1)[-1], ptr)
            return
        if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
            self.err("must be a text object with a `text` string", ptr)
            return
        kind = obj.get("type")
        if kind not in ("plain_text", "mrkdwn") or (plain and kind != "plain_text"):
            self.err(f"must be {'plain_text' if plain else 'plain_text or mrkdwn'}", ptr + "/type")
        if not obj["text"]:
            self.err("must be more than 0 characters", ptr + "/text")
        self.max_len(obj["text"], limit, ptr + "/text")

    # -- blocks ---------------------------------------------------------------------------------
    def block(self, block: Any, ptr: str, seen_ids: set[str]) -> None:
        if not isinstance(block, dict) or "type" not in block:
            self.err("missing required field: type", ptr)
            return
        kind = block["type"]
        if kind not in KNOWN_BLOCKS:
            self.err(f"unsupported type: {kind}", ptr + "/type")
            return
        block_id = block.get("block_id")
        if block_id is not None:
            self.max_len(block_id, 255, ptr + "/block_id")
            if block_id in seen_ids:
                self.err(f"duplicate block_id: {block_id}", ptr + "/block_id")
            seen_ids.add(block_id)
        if kind == "section":
            if "text" not in block and "fields" not in block:
                self.err("must provide either `text` or `fields`", ptr)
            self.text(block.get("text"), 3000, ptr + "/text", required=False)
            for i, f in enumerate(self.count(block.get("fields"), 10, ptr + "/fields")):
                self.text(f, 2000, f"{ptr}/fields/{i}")
            if block.get("accessory") is not None:
                self.element(block["accessory"], ptr + "/accessory")
        elif kind == "header":
            self.text(block.get("text"), 150, ptr + "/text", plain=True)
        elif kind == "actions":
            for i, el in enumerate(self.count(block.get("elements"), 25, ptr + "/elements", 1)):
                self.element(el, f"{ptr}/elements/{i}")
        elif kind == "context":
            for i, el in enumerate(self.count(block.get("elements"), 10, ptr + "/elements", 1)):
                if isinstance(el, dict) and el.get("type") in ("plain_text", "mrkdwn"):
                    self.text(el, 3000, f"{ptr}/elements/{i}")
        elif kind == "input":
            self.text(block.get("label"), 2000, ptr + "/label", plain=True)
            self.text(block.get("hint"), 2000, ptr + "/hint", plain=True, required=False)
            if block.get("element") is None:
                self.err("missing required field: element", ptr + "/element")
            else:
                self.element(block["element"], ptr + "/element")

    def element(self, el: Any, ptr: str) -> None:
        if not isinstance(el, dict) or "type" not in el:
            self.err("missing required field: type", ptr)
            return
        kind = el["type"]
        self.max_len(el.get("action_id"), 255, ptr + "/action_id")
        self.text(el.get("placeholder"), 150, ptr + "/placeholder", plain=True, required=False)
        if kind == "plain_text_input" and el.get("max_length", 0) > 3000:
            self.err("must be less than 3001", ptr + "/max_length")
        if kind == "file_input" and not 1 <= el.get("max_files", 10) <= 10:
            self.err("must be between 1 and 10", ptr + "/max_files")
        if kind == "button":
            self.text(el.get("text"), 75, ptr + "/text", plain=True)
            self.max_len(el.get("value"), 2000, ptr + "/value")
            self.max_len(el.get("url"), 3000, ptr + "/url")
        if kind in OPTION_LIMITS and "option_groups" not in el:
            minimum = 0 if kind == "multi_static_select" else 1
            options = self.count(el.get("options"), OPTION_LIMITS[kind], ptr + "/options", minimum)
            self.options(options, ptr + "/options", plain=kind in PLAIN_OPTIONS)
        for g, group in enumerate(self.count(el.get("option_groups"), 100, ptr + "/option_groups")):
            gptr = f"{ptr}/option_groups/{g}"
            self.text(
                group.get("label") if isinstance(group, dict) else None, 75, gptr + "/label", plain=True
            )
            options = self.count(
                group.get("options") if isinstance(group, dict) else None, 100, gptr + "/options", 1
            )
            self.options(options, gptr + "/options", plain=True)

    def options(self, options: list[Any], ptr: str, *, plain: bool) -> None:
        for i, opt in enumerate(options):
            optr = f"{ptr}/{i}"
            if not isinstance(opt, dict):
                self.err("must be an option object", optr)
                continue
            self.text(opt.get("text"), 75, optr + "/text", plain=plain)
            if not isinstance(opt.get("value"), str):
                self.err("missing required field: value", optr + "/value")
            self.max_len(opt.get("value"), 150, optr + "/value")
            self.text(opt.get("description"), 75, optr + "/description", required=False)


def blocks_size_problem(blocks: Any) -> str | None:
    """The `msg_blocks_too_long` condition: the blocks' JSON is past about 13k characters."""
    size = len(json.dumps(blocks, separators=(",", ":"), ensure_ascii=False))
    if size > MSG_BLOCKS_MAX_JSON:
        return (
            f"[ERROR] blocks total {size} characters, more than {MSG_BLOCKS_MAX_JSON} [json-pointer:/blocks]"
        )
    return None


def check_blocks(blocks: Any, surface: str = "message", pointer: str | None = None) -> list[str]:
    """Problems with `blocks` on `surface` ("message", "modal" or "home"); [] when Slack would accept."""
    ptr = pointer or ("/blocks" if surface == "message" else "/view/blocks")
    c = _Checker()
    if not isinstance(blocks, list):
        c.err("must be an array", ptr)
        return c.problems
    c.count(blocks, MESSAGE_MAX_BLOCKS if surface == "message" else SURFACE_MAX_BLOCKS, ptr)
    seen_ids: set[str] = set()
    for i, block in enumerate(blocks):
        c.block(block, f"{ptr}/{i}", seen_ids)
    if surface == "message" and (too_long := blocks_size_problem(blocks)):
        c.problems.append(too_long)
    return c.problems


def check_view(view: Any, pointer: str = "/view") -> list[str]:
    """Problems with a modal or Home tab view, as views.open/push/update/publish would report them."""
    c = _Checker()
    if not isinstance(view, dict):
        c.err("must be an object", pointer)
        return c.problems
    kind = view.get("type")
    if kind not in ("modal", "home"):
        c.err(f"unsupported type: {kind}", pointer + "/type")
        return c.problems
    if kind == "modal":
        c.text(view.get("title"), 24, pointer + "/title", plain=True)
        c.text(view.get("submit"), 24, pointer + "/submit", plain=True, required=False)
        c.text(view.get("close"), 24, pointer + "/close", plain=True, required=False)
        blocks = view.get("blocks") if isinstance(view.get("blocks"), list) else []
        for i, block in enumerate(blocks):
            if isinstance(block, dict) and block.get("type") == "input" and not view.get("submit"):
                c.err("must define `submit` to use an `input` block in modals", f"{pointer}/blocks/{i}/input")
    c.max_len(view.get("private_metadata"), 3000, pointer + "/private_metadata")
    c.max_len(view.get("callback_id"), 255, pointer + "/callback_id")
    c.max_len(view.get("external_id"), 255, pointer + "/external_id")
    if "blocks" not in view:
        c.err("missing required field: blocks", pointer + "/blocks")
        return c.problems
    return c.problems + check_blocks(view["blocks"], kind, pointer + "/blocks")
