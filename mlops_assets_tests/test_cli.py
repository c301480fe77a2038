"""The command line refuses to serve what the registry does not hold, before any server."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ([], "no model named 'flight_delay_model'"),
        (["--alias", "champion"], "no model named 'flight_delay_model'"),
    ],
)
def test_serve_without_a_registered_model_says_what_to_do(tmp_path, arguments, message):
    result = subprocess.run(
        [sys.executable, "-m", "mlops_assets.cli", "serve", "--port", "1", *arguments],
        env={**os.environ, "MLOPS_ASSETS_HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2, result.stderr
    assert message in result.stdout
    assert ("make run" in result.stdout) == (not arguments)


def test_replay_lands_the_next_days_and_says_where(tmp_path, monkeypatch, capsys):
    from mlops_assets import cli

    monkeypatch.setenv("MLOPS_ASSETS_HOME", str(tmp_path))
    assert cli.main(["replay", "--days", "2"]) == 0
    assert cli.main(["replay"]) == 0

    landed = sorted(
        p.relative_to(tmp_path / "landing").as_posix() for p in tmp_path.rglob("*.parquet")
    )
    assert landed == [
        f"{source}/2013-01-0{day}.parquet" for source in ("flights", "weather") for day in (1, 2, 3)
    ]
    assert "landed 2013-01-03..2013-01-03 (2 files)" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--days", "0"], "at least one day"),
        (["--start", "2014-02-01"], "--start 2014-02-01 is outside the archive"),
        (["--start", "20130105"], "'20130105' is not a day; expected YYYY-MM-DD"),
        (["--start", ""], "'' is not a day; expected YYYY-MM-DD"),
        (["--start", "1/2/2013"], "'1/2/2013' is not a day; expected YYYY-MM-DD"),
    ],
)
def test_replay_refuses_days_it_cannot_land(tmp_path, monkeypatch, capsys, arguments, message):
    from mlops_assets import cli

    monkeypatch.setenv("MLOPS_ASSETS_HOME", str(tmp_path))
    assert cli.main(["replay", *arguments]) == 2
    assert message in capsys.readouterr().out
    assert not (tmp_path / "landing").exists()


def test_replay_after_the_last_day_says_there_is_nothing_left(tmp_path, monkeypatch, capsys):
    from mlops_assets import cli

    monkeypatch.setenv("MLOPS_ASSETS_HOME", str(tmp_path))
    assert cli.main(["replay", "--start", "2013-12-30", "--days", "5"]) == 0
    assert "landed 2013-12-30..2013-12-31" in capsys.readouterr().out
    assert cli.main(["replay"]) == 0
    assert (
        "nothing to replay: the latest day landed is the archive's last" in capsys.readouterr().out
    )
