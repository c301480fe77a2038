"""Declarative feature-group definitions that any backend's feature store can create."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class FeatureGroupSpec:
    """What a pipeline needs to get or create one feature group version."""

    name: str
    version: int
    primary_key: list[str]
    description: str
    event_time: str | None = None
    online_enabled: bool = True
    partition_key: list[str] = field(default_factory=list)
    # Builds the Great Expectations suite every insert is validated against (a function, so
    # that defining a spec does not import Great Expectations).
    expectation_suite: Callable | None = None
    validation_ingestion_policy: str = "STRICT"

    def get_or_create(self, feature_store):
        """The feature group in ``feature_store`` (local or Hopsworks), created if new, with
        this spec's expectation suite and policy attached (replacing an older suite)."""
        group = feature_store.get_or_create_feature_group(
            name=self.name,
            version=self.version,
            description=self.description,
            primary_key=self.primary_key,
            event_time=self.event_time,
            online_enabled=self.online_enabled,
            partition_key=self.partition_key or None,
        )
        if self.expectation_suite is not None:
            group.save_expectation_suite(
                self.expectation_suite(),
                validation_ingestion_policy=self.validation_ingestion_policy,
                overwrite=True,
            )
        return group
