"""Fixtures shared by the feature-store tests: a fresh embedded store per test."""

from __future__ import annotations

import pytest

from mlops_assets import featurestore


@pytest.fixture
def store(tmp_path):
    """An empty embedded feature store under the test's temporary folder."""
    return featurestore.connect(root=tmp_path / "featurestore")
