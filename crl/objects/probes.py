"""Probes between slots and object attributes, fitted on a few labelled objects.

Forward probes read each attribute from a slot vector (ridge for a continuous attribute, logistic regression for a
categorical one), an objectness probe tells object slots from background slots, and a light probe reads a scene
factor from the mean of an image's object slots. The inverse map is one linear regression from the attributes
(continuous values, one-hot categories) to the slot vector: its coefficients are the slot direction of each
attribute, along which queries move a slot to edit that attribute.

Every probe is linear, so once fitted (with scikit-learn's scaler, ridge and logistic regression) it is kept as a
`LinearReader`: its weights in slot units, which predict as the fitted pipeline did and save as arrays (no pickle).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit
from sklearn.base import clone
from sklearn.linear_model import LinearRegression, LogisticRegression, RidgeCV
from sklearn.metrics import r2_score
from sklearn.model_selection import KFold, cross_val_predict
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

ALPHAS = np.logspace(-3, 3, 13)


def _regressor() -> Pipeline:
    return make_pipeline(StandardScaler(), RidgeCV(alphas=ALPHAS))


def _classifier() -> Pipeline:
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))


@dataclass(frozen=True)
class LinearReader:
    """A fitted linear probe: ``coef`` (outputs, D) and ``intercept`` (outputs,) over slot vectors; with ``classes``
    a classifier (the class of the largest score; one output: classes[1] where the score is positive)."""

    coef: np.ndarray
    intercept: np.ndarray
    classes: np.ndarray | None = None

    @classmethod
    def of(cls, fitted: Any) -> LinearReader:
        """The reader of a fitted linear estimator, or of a pipeline of a StandardScaler and one."""
        scale, shift, model = 1.0, 0.0, fitted
        if isinstance(fitted, Pipeline):
            scaler, model = fitted[0], fitted[-1]
            scale, shift = scaler.scale_, scaler.mean_
        coef = np.atleast_2d(model.coef_) / scale
        intercept = np.atleast_1d(model.intercept_) - coef @ np.broadcast_to(shift, coef.shape[1:])
        classes = getattr(model, "classes_", None)
        return cls(coef.astype(np.float64), intercept.astype(np.float64), classes)

    def scores(self, slots: np.ndarray) -> np.ndarray:
        """The linear outputs (M, outputs) of slot vectors (M, D): a classifier's decision scores (logits)."""
        return np.asarray(slots, dtype=np.float64) @ self.coef.T + self.intercept

    def predict(self, slots: np.ndarray) -> np.ndarray:
        """Outputs of slot vectors (M, D): (M,) for one output or a class, else (M, outputs)."""
        scores = self.scores(slots)
        if self.classes is not None:
            return self.classes[(scores[:, 0] > 0).astype(np.int64) if scores.shape[1] == 1 else scores.argmax(axis=1)]
        return scores[:, 0] if scores.shape[1] == 1 else scores


@dataclass
class Probes:
    """Fitted probes, each a `LinearReader`: ``readers`` (attribute -> reader of slots), ``objectness``, ``light``
    (scene factor name -> reader of mean object slots), ``inverse`` (design -> slot) with its ``categories`` per
    categorical attribute, and ``scores`` (cross-validated R^2, or accuracy for a category, of each reader on the
    labelled objects)."""

    attributes: list[str]
    categories: dict[str, list]
    readers: dict[str, LinearReader]
    objectness: LinearReader | None
    light: dict[str, LinearReader]
    inverse: LinearReader
    scores: dict[str, float]

    def read(self, slots: np.ndarray) -> pd.DataFrame:
        """Attributes of slot vectors (M, D): one column per attribute (category codes for categorical ones)."""
        return pd.DataFrame({name: self.readers[name].predict(slots).astype(
            np.int64 if name in self.categories else np.float64) for name in self.attributes})

    def is_object(self, slots: np.ndarray) -> np.ndarray:
        """Whether each slot (M, D) holds an object (all True without an objectness probe)."""
        if self.objectness is None:
            return np.ones(len(slots), dtype=bool)
        return self.objectness.predict(slots).astype(bool)

    def object_probability(self, slots: np.ndarray) -> np.ndarray:
        """The objectness probe's probability that each slot (M, D) holds an object (all 1 without that probe)."""
        if self.objectness is None:
            return np.ones(len(slots))
        return expit(self.objectness.scores(slots)[:, 0])

    def read_factors(self, pooled: np.ndarray) -> pd.DataFrame:
        """Scene factors of images from their mean object slot (N, D)."""
        return pd.DataFrame({name: probe.predict(pooled).astype(np.float64) for name, probe in self.light.items()})

    def design(self, table: pd.DataFrame) -> np.ndarray:
        """The inverse map's inputs: continuous attributes as they are, categorical ones one-hot."""
        parts = []
        for name in self.attributes:
            values = table[name].to_numpy()
            if name in self.categories:
                parts.append((values[:, None] == np.asarray(self.categories[name])[None]).astype(np.float64))
            else:
                parts.append(values.astype(np.float64)[:, None])
        return np.concatenate(parts, axis=1)

    @property
    def columns(self) -> list[str]:
        """Names of the inverse map's inputs (``shape=2`` for a category), the order of its coefficients' columns."""
        return [column for name in self.attributes
                for column in ([f"{name}={c}" for c in self.categories[name]] if name in self.categories else [name])]

    def to_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """JSON-ready metadata and named arrays that `from_state` rebuilds these probes from."""
        readers = {f"reader.{name}": reader for name, reader in self.readers.items()}
        readers.update({f"light.{name}": reader for name, reader in self.light.items()})
        readers["inverse"] = self.inverse
        if self.objectness is not None:
            readers["objectness"] = self.objectness
        arrays = {f"{key}.{part}": value for key, reader in readers.items()
                  for part, value in (("coef", reader.coef), ("intercept", reader.intercept), ("classes", reader.classes))
                  if value is not None}
        meta = {"attributes": self.attributes, "categories": self.categories, "light": list(self.light),
                "objectness": self.objectness is not None, "scores": self.scores}
        return meta, arrays

    @classmethod
    def from_state(cls, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> Probes:
        """The probes `to_state` described; KeyError or ValueError when a part is missing or malformed."""
        def reader(key: str) -> LinearReader:
            coef, intercept = arrays[f"{key}.coef"], arrays[f"{key}.intercept"]
            if coef.ndim != 2 or intercept.shape != coef.shape[:1]:
                raise ValueError(f"{key}: coef {coef.shape} and intercept {intercept.shape} do not fit together")
            return LinearReader(coef.astype(np.float64), intercept.astype(np.float64), arrays.get(f"{key}.classes"))

        attributes = [str(name) for name in meta["attributes"]]
        return cls(attributes, {str(k): list(v) for k, v in meta["categories"].items()},
                   {name: reader(f"reader.{name}") for name in attributes},
                   reader("objectness") if meta["objectness"] else None,
                   {str(name): reader(f"light.{name}") for name in meta["light"]}, reader("inverse"),
                   {str(k): float("nan") if v is None else float(v) for k, v in meta["scores"].items()})

    def shift(self, before: pd.DataFrame, after: pd.DataFrame) -> np.ndarray:
        """The slot change (M, D) that moves objects' attributes from `before` to `after` along the inverse map."""
        return (self.design(after) - self.design(before)) @ self.inverse.coef.T


def fit_probes(slots: np.ndarray, table: pd.DataFrame, categorical: list[str], seed: int = 0) -> Probes:
    """Probes from matched slot vectors (M, D) to the attributes in `table` (M rows); `categorical` names codes."""
    attributes = list(table.columns)
    readers, scores = {}, {}
    folds = KFold(n_splits=min(5, len(table)), shuffle=True, random_state=seed)
    for name in attributes:
        target = table[name].to_numpy()
        if name in categorical:
            if len(np.unique(target)) < 2:
                raise ValueError(f"objects: attribute {name!r} has one value in the labelled objects; a probe "
                                 "needs at least two")
            probe, target = _classifier(), target.astype(np.int64)
            try:
                scores[name] = float(np.mean(cross_val_predict(probe, slots, target, cv=folds) == target))
            except ValueError:  # a fold's training part holds one category only
                scores[name] = float("nan")
        else:
            probe, target = _regressor(), target.astype(np.float64)
            scores[name] = float(r2_score(target, cross_val_predict(probe, slots, target, cv=folds)))
        readers[name] = LinearReader.of(clone(probe).fit(slots, target))
    categories = {name: sorted(np.unique(table[name]).tolist()) for name in categorical}
    probes = Probes(attributes, categories, readers, None, {}, LinearReader(np.zeros((0, 0)), np.zeros(0)), scores)
    probes.inverse = LinearReader.of(LinearRegression().fit(probes.design(table), slots))
    return probes


def fit_objectness(slots: np.ndarray, is_object: np.ndarray) -> LinearReader | None:
    """A classifier of object slots against the rest (None when the labelled slots hold one class only)."""
    if len(np.unique(is_object)) < 2:
        return None
    return LinearReader.of(_classifier().fit(slots, is_object.astype(np.int64)))


def fit_factor_probes(pooled: np.ndarray, factors: pd.DataFrame) -> dict[str, LinearReader]:
    """A ridge probe per scene factor column, from each labelled image's mean object slot (N, D)."""
    return {str(name): LinearReader.of(_regressor().fit(pooled, factors[name].to_numpy(dtype=np.float64)))
            for name in factors.columns}


def pooled_slots(slots: np.ndarray, is_object: np.ndarray) -> np.ndarray:
    """Each image's mean over its object slots (all slots where it has none): (N, D) from (N, K, D) and (N, K)."""
    weights = np.where(is_object.any(axis=1, keepdims=True), is_object, True).astype(np.float64)
    return (slots * weights[..., None]).sum(axis=1) / weights.sum(axis=1, keepdims=True)
