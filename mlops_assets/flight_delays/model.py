"""The model recipe of the flight-delay use case: gradient-boosted trees from scikit-learn.

It knows nothing of the feature store. X is numeric and selected by column name: categorical
columns hold integer codes (negative for unseen or missing, which the trees treat as
missing), other columns floats with NaN for missing. y is the `is_late` label; flights
that never arrived have no label, so fit and evaluate on `labelled(X, y)`.
"""

import logging

import numpy as np
import pandas as pd
from pandas.api.types import is_numeric_dtype
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import f1_score, log_loss, roc_auc_score

logger = logging.getLogger(__name__)

DECISION_THRESHOLD = 0.5


def labelled(X: pd.DataFrame, y: pd.Series) -> tuple[pd.DataFrame, pd.Series]:
    """The rows whose label is known, with the label as plain bool.

    Cancelled and diverted flights never arrive, so their label is NA; they can be predicted
    but neither learnt from nor scored.
    """
    known = y.notna().to_numpy()
    return X.loc[known], y.loc[known].astype(bool)


def model_input(X: pd.DataFrame) -> pd.DataFrame:
    """X with every column as float64, missing values as NaN.

    Label-encoded categories arrive as nullable integers and counts as int64; as floats the
    model sees missing values the same way in training and serving, and the registered
    signature states doubles, which accept missing values at serving time.
    """
    return X.astype("float64")


def train_model(
    X: pd.DataFrame, y: pd.Series, categorical: list[str], seed: int = 0
) -> HistGradientBoostingClassifier:
    """Fit the delay classifier; the same data and seed give the same model."""
    _require_numeric(X)
    _require_labels(y)
    missing = sorted(set(categorical) - set(X.columns))
    if missing:
        raise ValueError(f"categorical columns {missing} are not in X; pass names of X's columns")
    # Small trees with well-populated leaves (about 0.4% of the rows): weather and traffic
    # single out days, and finer trees learn the disruptions of particular training days
    # rather than what carries over to new ones.
    model = HistGradientBoostingClassifier(
        learning_rate=0.1,
        max_iter=200,
        max_leaf_nodes=15,
        min_samples_leaf=max(20, len(X) // 250),
        l2_regularization=1.0,
        categorical_features=list(categorical) or None,
        early_stopping=True,
        validation_fraction=0.1,
        n_iter_no_change=20,
        random_state=seed,
    )
    model.fit(model_input(X), y.astype(bool))
    logger.info("fitted %d boosting rounds on %d rows", model.n_iter_, len(X))
    return model


def evaluate(
    model: HistGradientBoostingClassifier, X: pd.DataFrame, y: pd.Series
) -> dict[str, float]:
    """ROC AUC, log loss and F1 (at the decision threshold) of the model on labelled rows."""
    _require_labels(y)
    truth = y.astype(bool).to_numpy()
    probability = _delay_probability(model, X)
    return {
        "roc_auc": float(roc_auc_score(truth, probability)),
        "log_loss": float(log_loss(truth, probability, labels=[False, True])),
        "f1": float(f1_score(truth, probability >= DECISION_THRESHOLD)),
    }


def predict(model: HistGradientBoostingClassifier, X: pd.DataFrame) -> pd.DataFrame:
    """Delay probability and the late/not-late call for each row of X, on X's index."""
    return pd.DataFrame(_calls(_delay_probability(model, X)), index=X.index)


def predict_matrix(model, X: np.ndarray) -> dict[str, np.ndarray]:
    """:func:`predict` for the online path: X as floats (NaN for missing) in the order of
    ``model.feature_names_in_``, the predictions as arrays by name; no frames, which would
    cost more than the trees for a few rows."""
    return _calls(model.predict_proba(X)[:, 1])


def _calls(probability: np.ndarray) -> dict[str, np.ndarray]:
    return {
        "delay_probability": probability.astype("float64"),
        "predicted_late": probability >= DECISION_THRESHOLD,
    }


def _delay_probability(model: HistGradientBoostingClassifier, X: pd.DataFrame) -> np.ndarray:
    # Columns are taken by name, so a feature view may return them in any order.
    return model.predict_proba(model_input(X[list(model.feature_names_in_)]))[:, 1]


def _require_numeric(X: pd.DataFrame) -> None:
    text = [column for column in X.columns if not is_numeric_dtype(X[column])]
    if text:
        raise ValueError(
            f"columns {text} are not numeric; encode categorical columns as integer codes "
            "(the feature view's label encoder does) before training"
        )


def _require_labels(y: pd.Series) -> None:
    unknown = int(y.isna().sum())
    if unknown:
        raise ValueError(
            f"the label has {unknown} missing values; keep labelled rows with labelled(X, y)"
        )
