"""Errors crl's estimators share.

`ModelFileError` (a ValueError) is raised by every load of a saved model (CausalModel, encoder, oracle)
whose folder holds no such model, a damaged or foreign file, or an older pickle format; its message
names the file and the remedy. It is defined in `encoders.model_files`, which crl's models share.
`OutsideDataWarning` says a query asked for cases the training data never showed.
"""
from __future__ import annotations

from sklearn.exceptions import NotFittedError as SklearnNotFittedError

from encoders.model_files import ModelFileError

__all__ = ["ModelFileError", "NotFittedError", "OutsideDataWarning"]


class NotFittedError(SklearnNotFittedError, RuntimeError):
    """An estimator was used before `fit`.

    A `sklearn.exceptions.NotFittedError`, so code written for scikit-learn estimators catches it, and a
    `RuntimeError`, as crl raised before it followed scikit-learn's contract.
    """


class OutsideDataWarning(UserWarning):
    """A query set a concept where the training data never was (`QueryResult.in_support`): its images extrapolate.

    A category of its own, so that code that reads `in_support` itself (`crl.evaluate`) can silence it.
    """
