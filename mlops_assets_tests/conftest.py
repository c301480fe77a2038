"""Shared test set-up: nothing is written to the working folder or the home folder."""

import tempfile

import dagster as dg
import pytest
from hypothesis import configuration, settings

from mlops_assets.definitions import defs
from mlops_assets.orchestration import instance
from mlops_assets_tests.pipeline import materialize_year, sample_resources, store_home

SAMPLE_DAYS = [1, 15]
# As `cli` sets it for its runs.
instance.set_environment()

# Hypothesis keeps an example database and constants under ./.hypothesis by default.
configuration.set_hypothesis_home_dir(tempfile.mkdtemp(prefix="hypothesis-"))
settings.register_profile("mlops_assets", database=None)
settings.load_profile("mlops_assets")


@pytest.fixture(scope="session")
def trained_store(tmp_path_factory):
    """A store folder after the whole graph ran on two days of every month, its Dagster
    instance (runs, partitions) kept in ``<store>/dagster`` as ``cli run`` keeps it."""
    root = tmp_path_factory.mktemp("served")
    home = root / "dagster"
    instance.prepare(home)
    resources = sample_resources(root, SAMPLE_DAYS)
    with store_home(root), dg.DagsterInstance.from_config(str(home)) as dagster:
        result = materialize_year(list(defs.assets), resources=resources, instance=dagster)
        assert result.success
    return root
