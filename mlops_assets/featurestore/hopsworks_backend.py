"""The Hopsworks backend: the same contract, served by a Hopsworks cluster through its SDK.

The local backend mirrors the SDK's names and semantics, so this backend hands out the SDK's
own feature store. ``hopsworks`` is imported only here and only when this backend is chosen,
because importing it reconfigures the root logger.
"""

from __future__ import annotations

import logging

from mlops_assets.featurestore.errors import FeatureStoreError

logger = logging.getLogger(__name__)


def connect(host: str | None, project: str | None, api_key: str | None, port: int = 443):
    """Log in with an API key and return the project's feature store.

    Never logs in without a key: the SDK would otherwise wait for an interactive prompt.
    """
    if not api_key:
        raise FeatureStoreError(
            "the Hopsworks backend needs an API key and got none: set HOPSWORKS_API_KEY (and "
            "HOPSWORKS_HOST, HOPSWORKS_PROJECT), or choose the local backend"
        )
    if not host or not project:
        raise FeatureStoreError(
            f"the Hopsworks backend needs a host and a project, got host={host!r} "
            f"project={project!r}: set HOPSWORKS_HOST and HOPSWORKS_PROJECT"
        )
    import hopsworks  # deferred: the import reconfigures logging

    logger.info("logging in to Hopsworks project %r at %s:%d", project, host, port)
    return hopsworks.login(host=host, port=port, project=project, api_key_value=api_key)
