"""The one escaping rule (handlers/render/text.py) and the guard on every outgoing call."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.render.guard import guard_call
from handlers.render.text import clip, defuse, escape, mention, plain, slack_date

LIVE = re.compile(r"<[^<>]*>")
WHEN = datetime(2026, 12, 4, 17, 0, tzinfo=UTC)


def test_escape_makes_control_sequences_inert() -> None:
    raw = "<!channel> <@U123> <#C1|x> <https://evil|y> & @here"
    shown = escape(raw)
    assert not LIVE.search(shown) and "<" not in shown and ">" not in shown
    assert shown.startswith("&lt;!channel&gt; &lt;@U123&gt;") and "&amp; @\u2060here" in shown
    assert escape("jo@here.com") == "jo@here.com"  # an address is not a broadcast
    assert escape("a\u202eb\x00c") == "abc"  # spoofing and control characters go


def test_defuse_keeps_the_bots_own_sequences_only() -> None:
    own = f"<@UMARIA> <!subteam^SIT> <#C0ROOM> {slack_date(WHEN)}"
    assert defuse(own) == own
    assert defuse("<!channel> <@UEVIL|x> <!subteam^SEVIL|h> <mailto:a@b|c>") == (
        "&lt;!channel&gt; &lt;@UEVIL|x&gt; &lt;!subteam^SEVIL|h&gt; &lt;mailto:a@b|c&gt;"
    )
    assert defuse(escape("<!here> & <@U1>")) == escape("<!here> & <@U1>")  # idempotent


def test_mentions_only_for_slack_ids() -> None:
    assert mention("UJANE") == "<@UJANE>" and mention("bot") == "the bot" and mention(None) == "the bot"
    assert mention("UJANE><!channel") == "UJANE&gt;&lt;!channel"


def test_clip_never_cuts_an_entity_or_a_sequence() -> None:
    text = "ab" + "&amp;" * 10
    for limit in range(2, len(text)):
        cut = clip(text, limit)
        assert len(cut) <= limit and re.fullmatch(r"ab(&amp;)*…?|a…|…", cut), (limit, cut)
    dated = "x" * 10 + slack_date(WHEN)
    assert clip(dated, 20) == "x" * 10 + "…"
    assert clip("a < b " + "c" * 50, 20) == "a < b " + "c" * 13 + "…"  # raw text is cut where asked


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("<>&!@#|ab\u202e ")), max_size=400), st.integers(1, 300))
def test_escaped_and_clipped_text_fits_and_stays_inert(raw: str, limit: int) -> None:
    shown = plain(raw, limit)
    assert len(shown) <= limit
    assert "<" not in shown and ">" not in shown
    assert not re.search(r"&(?!amp;|lt;|gt;)", shown)  # every & starts a whole entity


def test_guard_defuses_every_shown_text_and_leaves_data_alone() -> None:
    blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": "<!channel> hi <@UMARIA>"}},
        {"type": "actions", "elements": [{"type": "button", "value": "<!here>",
                                          "text": {"type": "plain_text", "text": "<!here>"}}]},
    ]  # fmt: skip
    sent = guard_call(
        "chat.postMessage", {"json": {"channel": "C1", "text": "<!everyone>", "blocks": blocks}}
    )
    args = sent["json"]
    assert args["text"] == "&lt;!everyone&gt;"
    assert args["blocks"][0]["text"]["text"] == "&lt;!channel&gt; hi <@UMARIA>"
    assert args["blocks"][1]["elements"][0]["text"]["text"] == "&lt;!here&gt;"
    assert args["blocks"][1]["elements"][0]["value"] == "<!here>"  # a button value is data
    assert blocks[0]["text"]["text"] == "<!channel> hi <@UMARIA>"  # the caller's payload is not changed
    topic = guard_call("conversations.setTopic", {"params": {"channel": "C1", "topic": "<!here>"}})
    assert topic["params"]["topic"] == "&lt;!here&gt;"
    view = guard_call("views.open", {"json": {"view": {"title": {"type": "plain_text", "text": "<@U1>"}}}})
    assert view["json"]["view"]["title"]["text"] == "&lt;@U1&gt;"  # not an id of Slack's shape
