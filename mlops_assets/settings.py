"""Where a run keeps its data: one store folder, moved with MLOPS_ASSETS_HOME."""

from __future__ import annotations

import os
from pathlib import Path

STORE_ENV = "MLOPS_ASSETS_HOME"
DEFAULT_STORE = ".store"


def store_root() -> Path:
    """The store folder: $MLOPS_ASSETS_HOME, else ``.store`` in the working folder."""
    return Path(os.environ.get(STORE_ENV) or Path.cwd() / DEFAULT_STORE).resolve()


def landing_root() -> Path:
    """The landing zone upstream systems (or ``cli replay``) drop daily files into."""
    return store_root() / "landing"


def raw_root() -> Path:
    """The raw tables: the checked copy of each source the feature pipeline reads."""
    return store_root() / "raw"
