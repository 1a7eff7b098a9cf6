"""`offboard-bot demo` as a person runs it: a subprocess, its stdout and stderr read whole.

The demo is the first thing a newcomer runs; these tests keep it a readable story (no log lines, no
raw Slack markup) that still shows every step, and keep `--verbose` for when it goes wrong."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from standins.slack_text import SlackText, slack_date

ROOT = Path(__file__).resolve().parents[1]
LOG_LINE = re.compile(
    r"(^|\s)(INFO|WARNING|DEBUG|ERROR|CRITICAL)[\s:]|alembic|slack_bolt|apscheduler|aiohttp\.|httpx:",
    re.MULTILINE,
)
STORY_LINE = re.compile(r"^\d\d:\d\d  \S")


def run_demo(*flags: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "wiring", "demo", *flags],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=110,
    )


@pytest.fixture(scope="module")
def demo() -> subprocess.CompletedProcess[str]:
    return run_demo()


def test_demo_exits_0_and_says_nothing_on_stderr(demo: subprocess.CompletedProcess[str]) -> None:
    assert demo.returncode == 0, demo.stderr[-3000:]
    assert demo.stderr == ""


def test_demo_has_no_log_lines(demo: subprocess.CompletedProcess[str]) -> None:
    found = [line for line in demo.stdout.splitlines() if LOG_LINE.search(line)]
    assert found == []


def test_demo_shows_no_raw_slack_markup(demo: subprocess.CompletedProcess[str]) -> None:
    out = demo.stdout
    for raw in ("<!date^", "<@U", "<!subteam^", "<#C", "&lt;", "&gt;", ":white_check_mark:"):
        assert raw not in out, raw
    # mrkdwn bold is gone: "*Last day:*" reads "Last day:"
    assert not re.search(r"(?<!\w)\*\w[^*\n]*\*(?!\w)", out)
    assert "Last day: " in out


def test_demo_tells_each_step_with_actor_and_time(demo: subprocess.CompletedProcess[str]) -> None:
    out = demo.stdout
    story = [line for line in out.splitlines() if STORY_LINE.match(line)]
    assert story[0].startswith("09:00  Maria (manager)")
    assert "/offboard @Jane Doe" in story[0] and "form opened" in story[0]
    # Form, channel, checklist, revocation, refusal, items, equipment, archive: in that order.
    steps = [
        r"Maria \(manager\)\s+submits the form: last day .*case 1 opened",
        r"bot\s+opens private channel #offboard-jane-doe-.*invites Hana HR, Ivan IT, Maria Manager, Sam Security; not Jane",
        r"bot\s+posts the checklist",
        r"Ivan \(IT\)\s+clicks \[Revoke all\]",
        r"bot\s+runs each call, then reads every system again",
        r"Ivan \(IT\)\s+clicks \[Done\] on .*refused",
        r"Hana \(HR\)\s+\[Done\] Final pay confirmed with payroll .*checklist updated in place, \d+/\d+ done",
        r"Ivan \(IT\)\s+marks JANE-LAPTOP \(Windows\) retired",
        r"bot\s+posts the record to #offboarding-archive\s+→ case 1 closed",
        r"bot\s+closes the case channel .*archived",
    ]
    at = 0
    for step in steps:
        at = next((i for i, line in enumerate(story) if i >= at and re.search(step, line)), -1)
        assert at >= 0, f"missing, or out of order: {step}"
    times = [line[:5] for line in story]
    assert times == sorted(times), "the demo clock only moves forward"


def test_demo_shows_what_the_bot_posted(demo: subprocess.CompletedProcess[str]) -> None:
    out = demo.stdout
    assert "│ == Offboarding: Jane Doe ==" in out
    assert re.search(
        r"│ Last day: \w{3} \d\d \w{3} \d{4} · Access cutoff: \w{3} \d\d \w{3} \d{4} at \d\d:\d\d UTC", out
    )
    assert "Manager: @Maria Manager" in out
    assert re.search(
        r"│ ☐ Final pay confirmed with payroll · HR · due \w{3} \d\d \w{3} \d{4}\s+\[Done\]", out
    )
    assert "[Revoke all]" in out
    # Revocation results, each with the vendor's request ids; then the verification.
    results = re.findall(
        r"│ ✅ (Okta|Microsoft 365|Intune): .* \d\d:\d\d UTC · request id `[0-9a-f-]{32,36}`", out
    )
    assert {"Okta", "Microsoft 365", "Intune"} <= set(results)
    assert "│ ✅ Okta: access verified gone" in out
    assert "│ ✅ Microsoft 365: access verified gone" in out
    assert "only Ivan sees" in out and "│ ⛔ Only HR can do this" in out
    # The archive post, ending with the hash the record was posted at.
    assert "│ == Offboarding record: Jane Doe ==" in out
    assert "Person: Jane Doe (@Jane Doe)" in out
    assert re.search(r"│ Evidence record: case 1, event \d+, SHA-256 `[0-9a-f]{64}`", out)


def test_verbose_shows_the_logs() -> None:
    verbose = run_demo("--verbose")
    assert verbose.returncode == 0, verbose.stderr[-3000:]
    logs = verbose.stderr.splitlines()
    assert any(re.search(r" INFO alembic", line) for line in logs)
    assert any(re.search(r" INFO (aiohttp\.access|apscheduler)", line) for line in logs)
    # Bolt is given only its client now, so its "`token` will be unused" warning is gone for good.
    assert not any("will be unused" in line for line in logs)
    assert "│ == Offboarding record: Jane Doe ==" in verbose.stdout


class Directory:
    users = {"UMARIA": {"real_name": "Maria Manager"}}
    usergroup_meta = {"SHR": {"handle": "hr", "name": "hr"}}
    channels = {"CARCHIVE": {"name": "offboarding-archive"}}


@pytest.mark.parametrize(
    ("mrkdwn", "text"),
    [
        ("*Manager:* <@UMARIA>", "Manager: @Maria Manager"),
        ("<@UNOBODY|nobody> and <!subteam^SHR> in <#CARCHIVE>", "@nobody and @hr in #offboarding-archive"),
        ("<!subteam^SGONE|@it> <#CGONE|old> <!here>", "@it #old @here"),
        ("_the clear_sessions answer is the evidence_", "the clear_sessions answer is the evidence"),
        ("2*3*4 stays; *<@UMARIA> did it*", "2*3*4 stays; @Maria Manager did it"),
        (
            "<https://example.com/a_b|the docs> &lt;not a token&gt; &amp;",
            "the docs (https://example.com/a_b) <not a token> &",
        ),
        (":white_check_mark: :no_entry: :custom:", "✅ ⛔ :custom:"),
        (
            "<!date^1796864400^{date_short_pretty} at {time}|2026-12-10 01:00 UTC>",
            "Thu 10 Dec 2026 at 01:00 UTC",
        ),
        ("<!date^1796864400^{date_num}^https://x.example|fallback>", "2026-12-10"),
        ("<!date^soon^{date}|the fallback>", "the fallback"),
    ],
)
def test_mrkdwn_as_text(mrkdwn: str, text: str) -> None:
    assert SlackText(Directory()).mrkdwn(mrkdwn) == text  # type: ignore[arg-type]


def test_blocks_as_text() -> None:
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "Offboarding: Jane"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "*Item* · due <!date^1796864400^{date_short}|x>"},
         "accessory": {"type": "button", "text": {"type": "plain_text", "text": "Done"}}},
        {"type": "divider"},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "_by_ <@UMARIA>"}, {"type": "image"}]},
        {"type": "actions", "elements": [
            {"type": "button", "text": {"type": "plain_text", "text": "Preview"}},
            {"type": "static_select", "placeholder": {"type": "plain_text", "text": "Pick"}},
            {"type": "overflow"},
        ]},
    ]  # fmt: skip
    assert SlackText(Directory()).blocks(blocks) == [  # type: ignore[arg-type]
        "== Offboarding: Jane ==",
        "Item · due Thu 10 Dec 2026   [Done]",
        "─" * 40,
        "by @Maria Manager",
        "[Preview] [Pick ▾] [⋯]",
    ]
    assert slack_date(1796864400, "{date_short_pretty} {time_secs}") == "Thu 10 Dec 2026 01:00:00 UTC"
