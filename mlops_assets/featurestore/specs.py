"""Declarative feature-group definitions that any backend's feature store can create."""

from __future__ import annotations

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

    def get_or_create(self, feature_store):
        """The feature group in ``feature_store`` (local or Hopsworks), created if new."""
        return feature_store.get_or_create_feature_group(
            name=self.name,
            version=self.version,
            description=self.description,
            primary_key=self.primary_key,
            event_time=self.event_time,
            online_enabled=self.online_enabled,
            partition_key=self.partition_key or None,
        )
