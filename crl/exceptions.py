"""Errors crl's estimators share."""
from __future__ import annotations

from sklearn.exceptions import NotFittedError as SklearnNotFittedError


class NotFittedError(SklearnNotFittedError, RuntimeError):
    """An estimator was used before `fit`.

    A `sklearn.exceptions.NotFittedError`, so code written for scikit-learn estimators catches it, and a
    `RuntimeError`, as crl raised before it followed scikit-learn's contract.
    """
