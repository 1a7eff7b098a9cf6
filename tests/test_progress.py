"""Progress bars: drawn on stderr at a terminal only; stdout (and, off a terminal, stderr) unchanged."""

from __future__ import annotations

import asyncio
import io
import sys

import pytest

from tests.security.test_evidence_tamper import closed_case, run_cli
from wiring import progress


class Terminal(io.StringIO):
    """A stderr that says it is a TTY, and keeps what was drawn on it."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def org_config(cast):
    return cast.config(admins=[cast.manager])


def test_off_a_terminal_the_loop_is_handed_back_untouched(capsys):
    items = [1, 2, 3]
    assert progress.bar("verify")(items) is items
    assert capsys.readouterr() == ("", "")


def test_at_a_terminal_the_bar_goes_to_stderr(monkeypatch, capsys):
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert list(progress.bar("verify")([1, 2, 3])) == [1, 2, 3]
    assert "verify" in terminal.getvalue() and "/3 " in terminal.getvalue()  # drawn, then cleared
    assert capsys.readouterr().out == ""


async def test_watch_reads_progress_only_at_a_terminal(monkeypatch, capsys):
    reads = 0

    async def read() -> int:
        nonlocal reads
        reads += 1
        return 2

    async def work() -> str:
        await asyncio.sleep(progress.POLL_EVERY * 2.5)
        return "done"

    assert await progress.watch(work(), 2, read, int, "Slack rooms") == "done"
    assert reads == 0 and capsys.readouterr() == ("", "")

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert await progress.watch(work(), 2, read, int, "Slack rooms") == "done"
    assert reads >= 2 and "Slack rooms" in terminal.getvalue() and "2/2" in terminal.getvalue()
    assert capsys.readouterr().out == ""


async def test_watch_survives_a_failing_read(monkeypatch):
    async def read() -> int:
        raise RuntimeError("database went away")

    async def work() -> int:
        await asyncio.sleep(progress.POLL_EVERY * 1.5)
        return 7

    monkeypatch.setattr(sys, "stderr", Terminal())
    assert await progress.watch(work(), 3, read, int, "rooms") == 7


async def test_verify_prints_the_same_with_or_without_a_terminal(bot, database_url, monkeypatch, capsys):
    case = await closed_case(bot)
    expected = f"ok     case {case.id}: chain intact\n"
    code, out = await run_cli(monkeypatch, capsys, database_url, "verify")
    assert (code, out) == (0, expected)
    assert "verify" not in capsys.readouterr().err  # no bar off a terminal

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    code, out = await run_cli(monkeypatch, capsys, database_url, "verify")
    assert (code, out) == (0, expected)
    assert "verify" in terminal.getvalue() and "/1 " in terminal.getvalue()
