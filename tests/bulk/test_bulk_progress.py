"""`offboard-bot bulk` at a terminal: a bar for the Slack set-up on stderr, stdout as without one."""

from __future__ import annotations

import sys

from bot.config import Settings
from standins.cast import seed_departures
from tests.bulk.conftest import csv_of
from tests.bulk.test_batch_end_to_end import graph, okta, settings_env  # noqa: F401  (fixtures)
from tests.bulk.test_bulk_cli import bulk  # wherever the CLI lives (it is moving to wiring/)
from tests.test_progress import Terminal


async def test_bar_on_stderr(settings_env, slack, cast, okta, graph, tmp_path, capsys, monkeypatch):  # noqa: F811
    people = seed_departures(slack, okta, graph, 3, cast)
    path = tmp_path / "layoff.csv"
    path.write_text(csv_of([f"{p},2026-12-04,employee,voluntary," for p in people]))
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    code = await bulk(Settings.from_env(settings_env), str(path), cast.hr)
    out = capsys.readouterr().out
    assert code == 0, out
    assert "3 rows valid (0 involuntary)" in out and "threads 3/3" in out
    assert "\r" not in out and "Slack rooms" not in out
    assert "Slack rooms" in terminal.getvalue() and "/3 " in terminal.getvalue()
