"""Errors raised by the feature store. Each message names the value, what was expected and
what to do about it."""


class FeatureStoreError(Exception):
    """Base class of every feature-store error."""


class InvalidNameError(FeatureStoreError, ValueError):
    """A feature group, feature view or feature name is not a safe identifier."""


class SchemaError(FeatureStoreError, ValueError):
    """A frame does not fit a feature group's schema, keys or event time."""


class NotFoundError(FeatureStoreError, LookupError):
    """A feature group, feature view, training dataset, commit or online row does not exist."""


class DefinitionConflictError(FeatureStoreError, ValueError):
    """An existing, immutable version is asked to change its definition."""


class QueryError(FeatureStoreError, ValueError):
    """A query cannot be built: unknown features, ambiguous names or join keys."""


class DataValidationError(FeatureStoreError, ValueError):
    """A batch failed its feature group's expectation suite under a STRICT policy; nothing was
    written. ``report`` is the stored REJECTED validation report."""

    def __init__(self, message: str, report):
        super().__init__(message)
        self.report = report
