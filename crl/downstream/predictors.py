"""The classifiers of disentanglement_lib's downstream tasks (`evaluation/metrics/utils.py`).

- "logistic_regression": ``LogisticRegressionCV(Cs=10, cv=KFold(n_splits=5))``, its
  `logistic_regression_cv`: ten inverse regularisation strengths chosen by 5-fold cross-validated
  accuracy (folds in row order, unshuffled), then refit on all training points. Inputs are the
  raw representation, not standardised, as there.
- "gbt": ``GradientBoostingClassifier()`` with scikit-learn's defaults, its
  `gradient_boosting_classifier`; here seeded (``random_state=seed``) so results repeat.

One difference: where the training labels hold a single class, disentanglement_lib stops with
scikit-learn's error; here the prediction is that class (``DummyClassifier``), so a tiny training
set (10 points of a factor with few values) still gets a score.
"""
from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegressionCV
from sklearn.model_selection import KFold
from threadpoolctl import threadpool_limits

PREDICTORS = ("logistic_regression", "gbt")
CV_FOLDS = 5
"""Folds of the logistic regression's cross-validation: it needs at least this many training points."""


def check_predictor(predictor: str) -> None:
    """Raise ValueError unless `predictor` names one of `PREDICTORS`."""
    if predictor not in PREDICTORS:
        raise ValueError(f"predictor must be one of {PREDICTORS}; got {predictor!r}")


def fit_predictor(predictor: str, x: np.ndarray, y: np.ndarray, seed: int) -> Any:
    """A fitted classifier of labels `y` (N,) from features `x` (N, d).

    Parameters
    ----------
    predictor : {"logistic_regression", "gbt"}
        See the module docstring.
    x : numpy.ndarray
        Features (N, d): the representation.
    y : numpy.ndarray
        Integer class labels (N,).
    seed : int
        The boosted trees' random_state.

    Returns
    -------
    fitted scikit-learn classifier
    """
    if len(np.unique(y)) == 1:
        return DummyClassifier(strategy="most_frequent").fit(x, y)
    if predictor == "logistic_regression":
        # accuracy is the scoring disentanglement_lib's scikit-learn used by default; named so a newer default cannot change it
        model: Any = LogisticRegressionCV(Cs=10, cv=KFold(n_splits=CV_FOLDS), scoring="accuracy")
    else:
        model = GradientBoostingClassifier(random_state=seed)
    # small matrices: one BLAS thread is faster than many; lbfgs' iteration cap and
    # scikit-learn's notices of future defaults are not errors of the score
    with warnings.catch_warnings(), threadpool_limits(limits=1, user_api="blas"):
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", FutureWarning)
        return model.fit(x, y)
