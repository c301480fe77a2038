"""Where a run keeps its data: one store folder, moved with MLOPS_ASSETS_HOME."""

from __future__ import annotations

import os
from pathlib import Path

STORE_ENV = "MLOPS_ASSETS_HOME"
DEFAULT_STORE = ".store"


def store_root() -> Path:
    """The store folder: $MLOPS_ASSETS_HOME, else ``.store`` in the working folder."""
    return Path(os.environ.get(STORE_ENV) or Path.cwd() / DEFAULT_STORE).resolve()


def raw_path(source: str) -> Path:
    """Where the raw copy of one source lands."""
    return store_root() / "raw" / f"{source}.parquet"
