"""`offboard-bot bulk FILE.csv` on the server: row errors on stderr, exit 1; a clean file starts."""

from __future__ import annotations

from bot.config import Settings
from standins.cast import seed_departures
from tests.bulk.conftest import csv_of
from tests.bulk.test_batch_end_to_end import graph, okta, settings_env  # noqa: F401  (fixtures)
from wiring.bulk_cli import bulk


async def test_the_command_lists_bad_rows_and_starts_nothing(settings_env, slack, cast, tmp_path, capsys):  # noqa: F811
    people = seed_departures(slack, None, None, 2, cast)
    path = tmp_path / "layoff.csv"
    path.write_text(
        csv_of([f"{people[0]},2026-12-04,employee,voluntary,", f"{people[1]},2026-12-05,employee,quit,"])
    )
    code = await bulk(Settings.from_env(settings_env), str(path), cast.hr)
    err = capsys.readouterr().err
    assert code == 1
    assert f"{path}: Row 3, last_day: Sat 05 Dec 2026 is Saturday, not a working day." in err
    assert f"{path}: Row 3, reason: must be voluntary or involuntary; got 'quit'" in err
    assert slack.api_calls("conversations.create") == []


async def test_the_command_starts_a_clean_batch(settings_env, slack, cast, okta, graph, tmp_path, capsys):  # noqa: F811
    people = seed_departures(slack, okta, graph, 3, cast)
    path = tmp_path / "layoff.csv"
    path.write_text(csv_of([f"{p},2026-12-04,employee,voluntary," for p in people]))
    code = await bulk(Settings.from_env(settings_env), str(path), cast.hr)
    out = capsys.readouterr().out
    assert code == 0, out
    assert "3 rows valid (0 involuntary)" in out and "threads 3/3" in out
    assert [c["name"] for c in slack.api_calls("conversations.create")] == ["offboard-batch-1-2026-12-04"]
    assert not [r for r in okta.requests if r.method != "GET"]  # the cutoff is the serving bot's job


async def test_only_hr_may_start_a_batch_from_the_command(settings_env, slack, cast, tmp_path, capsys):  # noqa: F811
    path = tmp_path / "layoff.csv"
    path.write_text(csv_of([f"{cast.subject},2026-12-04,employee,voluntary,"]))
    code = await bulk(Settings.from_env(settings_env), str(path), cast.manager)
    assert code == 1
    assert "Only HR or an offboarding admin can start a batch offboarding." in capsys.readouterr().err
