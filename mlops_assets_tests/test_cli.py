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
