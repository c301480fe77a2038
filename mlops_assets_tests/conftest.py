"""Shared test set-up: nothing is written to the working folder or the home folder."""

import tempfile

from hypothesis import configuration, settings

# Hypothesis keeps an example database and constants under ./.hypothesis by default.
configuration.set_hypothesis_home_dir(tempfile.mkdtemp(prefix="hypothesis-"))
settings.register_profile("mlops_assets", database=None)
settings.load_profile("mlops_assets")
