"""The case's room in Slack: a private channel, its checklist messages, and the archive post."""

from __future__ import annotations

import logging
import re
import secrets
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from anyascii import anyascii
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.cases.models import Case
from bot.checklist.models import ChecklistItem
from bot.clock import Clock, SystemClock
from bot.notices import Notice
from handlers.render import checklist as render
from handlers.render.notices import in_revocation_thread, notice_text
from handlers.render.text import clip, escape

log = logging.getLogger(__name__)
MAX_CHANNEL_NAME = 80
INVITE_BATCH = 100  # conversations.invite takes at most 100 users a call


def room_thread(case: Case, pages: list[dict[str, Any]] | None = None) -> str | None:
    """In a batch's shared channel, everything about a person (further checklist pages included) goes
    in the thread under their first checklist page; `pages`: the pages posted so far, when not saved yet."""
    if pages is None:
        pages = case.messages.get("checklist") or []
    return pages[0]["ts"] if case.messages.get("shared_room") and pages else None


def _ascii(name: str) -> str:
    """A name in any script as readable ASCII: each syllable of a script written without spaces
    (李小龍 → "Li Xiao Long") stands apart; emoji and symbols are dropped; apostrophes vanish."""
    parts = []
    for ch in unicodedata.normalize("NFC", name):
        if ch.isascii():
            parts.append(ch)
            continue
        kind = unicodedata.category(ch)
        if kind[0] in "SC":  # symbols (emoji), controls, format characters (zero-width, bidi)
            continue
        latin = anyascii(ch)
        parts.append(f" {latin} " if kind == "Lo" and len(latin) > 1 else latin)
    return re.sub(r"['`]", "", "".join(parts))


def channel_slug(name: str) -> str:
    """Slack's channel-name rules: lowercase a–z, 0–9, '-' and '_' only; "" when nothing is left."""
    slug = re.sub(r"[^a-z0-9_]+", "-", _ascii(name).lower())
    return re.sub(r"[-_]{2,}", "-", slug).strip("-_")


def channel_name(subject: str, day: str, suffix: str = "", fallback: str = "") -> str:
    """`offboard-<name>-<day><suffix>` within Slack's 80 characters: the name gives way, never the day
    or the suffix; an empty name (only emoji, say) falls back to `fallback` (the Slack user id)."""
    fixed = f"offboard--{day}{suffix}"
    room = MAX_CHANNEL_NAME - len(fixed)
    slug = channel_slug(subject)[:room].strip("-_")
    slug = slug or channel_slug(fallback)[:room].strip("-_") or "person"
    return f"offboard-{slug}-{day}{suffix}"


class SlackWorkspace:
    def __init__(
        self,
        client: AsyncWebClient,
        archive_channel: str,
        bot_user_id: str = "",
        clock: Clock | None = None,
        role_groups: Mapping[str, str] | None = None,
    ) -> None:
        self.role_groups = dict(role_groups or {})
        self.clock = clock or SystemClock()
        self.client = client
        self.archive_channel = archive_channel
        self.bot_user_id = bot_user_id

    async def open_room(self, case: Case, invitees: Sequence[str]) -> tuple[str, str]:
        day = case.last_day.isoformat()
        # The name gives way to Slack's 250-character topic, never the day or the case number.
        topic = f"Offboarding {clip(escape(case.subject_name), 180)} · last day {day} · case {case.id}"
        return await self.private_channel(
            lambda suffix: channel_name(case.subject_name, day, suffix, case.subject_id),
            [u for u in invitees if u != case.subject_id],
            topic,
        )

    async def private_channel(
        self, name_for: Callable[[str], str], invitees: Sequence[str], topic: str
    ) -> tuple[str, str]:
        """A new private channel (a free name: -2, -3 … on `name_taken`), its people and its topic
        (escaped by the caller: a topic is shown like any message text)."""
        channel: dict[str, Any] | None = None
        for attempt in range(12):
            suffix = "" if attempt == 0 else f"-{attempt + 1}" if attempt < 10 else f"-{secrets.token_hex(3)}"
            try:
                channel = (await self.client.conversations_create(name=name_for(suffix), is_private=True))[
                    "channel"
                ]
                break
            except SlackApiError as e:
                if e.response.get("error") != "name_taken":
                    raise
        if channel is None:
            raise RuntimeError("could not find a free channel name")
        people = [u for u in invitees if u and u != self.bot_user_id]
        for i in range(0, len(people), INVITE_BATCH):
            try:
                await self.client.conversations_invite(
                    channel=channel["id"], users=people[i : i + INVITE_BATCH]
                )
            except SlackApiError as e:
                if e.response.get("error") != "already_in_channel":
                    raise
        await self.client.conversations_setTopic(channel=channel["id"], topic=clip(topic, 250))
        return channel["id"], channel["name"]

    async def show_checklist(
        self, case: Case, items: Sequence[ChecklistItem], changed: Sequence[str] | None = None
    ) -> dict[str, Any]:
        if not case.channel_id:
            return {}
        text = render.page_text(case, items)
        posted = case.messages.get("checklist")
        if not posted:
            pages = []
            for n, keys in enumerate(render.pages(items)):
                blocks = render.page_blocks(case, items, keys, first=n == 0, now=self.clock.now())
                resp = await self.client.chat_postMessage(
                    channel=case.channel_id, text=text, blocks=blocks, thread_ts=room_thread(case, pages)
                )
                pages.append({"ts": resp["ts"], "keys": keys})
            return {"checklist": pages}
        placed = {key for page in posted for key in page["keys"]}
        late = [i.key for i in render.ordered(items) if i.key not in placed]
        refs: dict[str, Any] = {}
        if late:
            # Items added after the checklist was posted (e.g. manual removals from the inventory).
            posted = [dict(page, keys=list(page["keys"])) for page in posted]
            room = render.ITEMS_PER_PAGE - len(posted[-1]["keys"])
            posted[-1]["keys"] += late[:room]
            changed = None
            for start in range(room, len(late), render.ITEMS_PER_PAGE):
                keys = late[start : start + render.ITEMS_PER_PAGE]
                blocks = render.page_blocks(case, items, keys, first=False)
                resp = await self.client.chat_postMessage(
                    channel=case.channel_id, text=text, blocks=blocks, thread_ts=room_thread(case, posted)
                )
                posted.append({"ts": resp["ts"], "keys": keys})
            refs = {"checklist": posted}
        for n, page in enumerate(posted):
            # The first page carries the progress line, so it changes with every item.
            if changed is None or n == 0 or set(changed) & set(page["keys"]):
                blocks = render.page_blocks(case, items, page["keys"], first=n == 0, now=self.clock.now())
                await self.client.chat_update(
                    channel=case.channel_id, ts=page["ts"], text=text, blocks=blocks
                )
        return refs

    async def notify(self, case: Case, notice: Notice) -> None:
        if not case.channel_id:
            return
        thread = room_thread(case)
        if in_revocation_thread(notice):
            thread = (case.messages.get("revocation") or {}).get("thread_ts") or thread
        text = notice_text(notice, self.role_groups, case.manager_id)
        await self.client.chat_postMessage(channel=case.channel_id, text=text, thread_ts=thread)

    async def notify_person(self, user_id: str, notice: Notice) -> None:
        await self.client.chat_postMessage(channel=user_id, text=notice_text(notice, self.role_groups))

    async def post_archive(
        self,
        case: Case,
        items: Sequence[ChecklistItem],
        final_hash: str,
        final_seq: int,
        notes: Sequence[str] = (),
    ) -> None:
        messages = render.archive_messages(case, items, final_hash, final_seq, notes)
        text = f"Offboarding record: {clip(escape(case.subject_name), 1000)} ({escape(case.status)})"
        first = await self.client.chat_postMessage(
            channel=self.archive_channel, text=text, blocks=messages[0]
        )
        for blocks in messages[1:]:
            await self.client.chat_postMessage(
                channel=self.archive_channel, text=text, blocks=blocks, thread_ts=first["ts"]
            )

    async def close_room(self, case: Case) -> None:
        """Archive the case's own channel; a batch's shared channel stays for the other cases."""
        own = (case.messages.get("person_channel") or {}).get("id")
        for channel in (own, None if case.messages.get("shared_room") else case.channel_id):
            if not channel:
                continue
            try:
                await self.client.conversations_archive(channel=channel)
            except SlackApiError as e:
                if e.response.get("error") != "already_archived":
                    raise
