"""live_mentions(): every live Slack control sequence the stand-in received, sent through slack_sdk's
AsyncWebClient exactly as the bot would send it."""

from __future__ import annotations

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from standins.slack_api import SlackStandIn
from standins.slack_mentions import live_tokens

TOKEN = "xoxb-test"
HOSTILE = "<!channel> <!here|here> <!everyone> <!subteam^S1|@it> <@U1> <@W2|x> <#C1|general> <https://evil.example|click>"
ESCAPED = "&lt;!channel&gt; &lt;@U1&gt; &lt;https://evil.example|click&gt;"


@pytest.fixture
async def slack():
    standin = SlackStandIn(token=TOKEN)
    standin.add_user("U1", "alice", "alice@example.com")
    standin.add_channel("C1", "general", members={"UBOT", "U1"})
    standin.add_usergroup("S1", ["U1"], handle="it-admins")
    await standin.start()
    yield standin
    await standin.stop()


@pytest.fixture
def client(slack: SlackStandIn) -> AsyncWebClient:
    return AsyncWebClient(token=TOKEN, base_url=slack.url)


def mrkdwn(text: str) -> dict:
    return {"type": "mrkdwn", "text": text}


def plain(text: str) -> dict:
    return {"type": "plain_text", "text": text}


def test_live_tokens_finds_each_kind_and_skips_escaped_text() -> None:
    assert live_tokens(HOSTILE) == HOSTILE.split(" ")
    assert live_tokens(ESCAPED) == []
    assert live_tokens("<mailto:a@example.com|mail> <!date^1392734382^{date}|x> <foo> @channel") == [
        "<mailto:a@example.com|mail>"
    ]


async def test_nothing_sent_nothing_found(slack, client) -> None:
    await client.chat_postMessage(channel="C1", text="Offboarding for Alice Archer has started")
    await client.chat_postMessage(
        channel="C1", text=ESCAPED, blocks=[{"type": "section", "text": mrkdwn(ESCAPED)}]
    )
    assert slack.live_mentions() == []


async def test_message_text_blocks_and_attachments(slack, client) -> None:
    blocks = [
        {"type": "section", "text": mrkdwn("hi <@U1>"), "fields": [mrkdwn("<!here>"), plain("<!channel>")]},
        {"type": "context", "elements": [mrkdwn("<#C1>"), plain("<@U9>")]},
        {"type": "header", "text": plain("<!everyone>")},  # plain_text never renders mentions
    ]
    await client.chat_postMessage(channel="C1", text="fallback <!channel>", blocks=blocks)
    attachments = [{"fallback": "f", "text": "<@U1>", "pretext": "<!here>", "fields": [{"title": "t", "value": "<#C1>"}],
                    "blocks": [{"type": "section", "text": mrkdwn("<https://x.example|x>")}]}]  # fmt: skip
    await client.chat_postMessage(channel="C1", text="see below", attachments=attachments)
    assert slack.live_mentions() == [
        ("chat.postMessage", "<!channel>"),
        ("chat.postMessage", "<@U1>"),
        ("chat.postMessage", "<!here>"),
        ("chat.postMessage", "<#C1>"),
        ("chat.postMessage", "<@U1>"),
        ("chat.postMessage", "<!here>"),
        ("chat.postMessage", "<#C1>"),
        ("chat.postMessage", "<https://x.example|x>"),
    ]


async def test_rich_text_elements_are_structural_mentions(slack, client) -> None:
    rich = {"type": "rich_text", "elements": [{"type": "rich_text_section", "elements": [
        {"type": "text", "text": "<!channel> as literal rich text"},
        {"type": "broadcast", "range": "here"}, {"type": "user", "user_id": "U1"},
        {"type": "usergroup", "usergroup_id": "S1"}, {"type": "channel", "channel_id": "C1"},
        {"type": "link", "url": "https://evil.example", "text": "docs"},
    ]}]}  # fmt: skip
    await client.chat_postMessage(channel="C1", text="x", blocks=[rich])
    assert [t for _, t in slack.live_mentions()] == [
        "<!here>", "<@U1>", "<!subteam^S1>", "<#C1>", "<https://evil.example|docs>",
    ]  # fmt: skip


async def test_update_ephemeral_dm_topic_purpose_and_bookmarks(slack, client) -> None:
    posted = await client.chat_postMessage(channel="C1", text="ok")
    await client.chat_update(channel="C1", ts=posted["ts"], text="now <!channel>")
    await client.chat_postEphemeral(channel="C1", user="U1", text="psst <@U1>")
    await client.chat_postMessage(channel="U1", text="DM <!here>")  # a DM, opened by user id
    await client.conversations_setTopic(channel="C1", topic="<!everyone> topic")
    await client.conversations_setPurpose(channel="C1", purpose="<@U1>")
    await client.bookmarks_add(channel_id="C1", title="<!channel>", type="link", link="https://x.example")
    assert slack.live_mentions() == [
        ("chat.update", "<!channel>"),
        ("chat.postEphemeral", "<@U1>"),
        ("chat.postMessage", "<!here>"),
        ("conversations.setTopic", "<!everyone>"),
        ("conversations.setPurpose", "<@U1>"),
        ("bookmarks.add", "<!channel>"),
    ]


async def test_modals_and_app_home(slack, client) -> None:
    view = {
        "type": "modal",
        "title": plain("<!channel>"),  # plain_text: walked, never live
        "submit": plain("<!here>"),
        "blocks": [
            {"type": "input", "label": plain("<@U1>"), "element": {"type": "checkboxes", "action_id": "a",
             "options": [{"text": mrkdwn("<@U1> owns it"), "value": "1"}, {"text": plain("<!here>"), "value": "2"}]}},
            {"type": "section", "text": mrkdwn("<!subteam^S1>")},
        ],
    }  # fmt: skip
    opened = await client.views_open(trigger_id="t1", view=view)
    await client.views_update(view_id=opened["view"]["id"], view={**view, "blocks": view["blocks"][1:]})
    home = {"type": "home", "blocks": [{"type": "section", "text": mrkdwn("<#C1>")}]}
    await client.views_publish(user_id="U1", view=home)
    assert slack.live_mentions() == [
        ("views.open", "<@U1>"),
        ("views.open", "<!subteam^S1>"),
        ("views.update", "<!subteam^S1>"),
        ("views.publish", "<#C1>"),
    ]


async def test_parse_full_and_link_names_make_bare_names_live(slack, client) -> None:
    await client.chat_postMessage(channel="C1", text="@channel and @it-admins")
    assert slack.live_mentions() == []  # bare names stay text by default
    await client.chat_postMessage(channel="C1", text="@channel and @it-admins", link_names=True)
    await client.chat_postMessage(channel="C1", text="email@here.example and @here", parse="full")
    assert slack.live_mentions() == [
        ("chat.postMessage", "<!channel>"),
        ("chat.postMessage", "<!subteam^S1>"),
        ("chat.postMessage", "<!here>"),
    ]


async def test_refused_requests_count_too(slack, client) -> None:
    slack.inject(r"chat\.postMessage", 500)
    with pytest.raises(Exception):  # noqa: B017 - any client error; only the journal matters here
        await client.chat_postMessage(channel="C1", text="<!channel>")
    assert slack.live_mentions() == [("chat.postMessage", "<!channel>")]
