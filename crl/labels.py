"""The few labels a model is fitted with: the held-out split, and each column's kind, categories and codes.

Labels are a DataFrame indexed by image row, one column per concept. Categorical columns (by the
encoder's rule, or as the user says) are coded 0..K-1 for calibration and the checks; an encoder
that trained on the labels fixed their kinds and category order, and those win.
"""
from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from crl.thresholds import LABEL_HOLDOUT, MIN_HELD_OUT, MIN_LABELLED_ROWS
from encoders.objectives.supervision import infer_kind


@dataclass(frozen=True)
class LabelSplit:
    """Labelled rows to train and calibrate on, and rows held out to measure the concepts on.

    Attributes
    ----------
    train : DataFrame or None
        Rows the encoder and the calibration see (all of them when nothing is held out).
    held_out : DataFrame or None
        Rows kept from both; None when the held-out checks are off or would measure nothing.
    """

    train: pd.DataFrame | None
    held_out: pd.DataFrame | None


def numeric_labels(labels: pd.DataFrame) -> pd.DataFrame:
    """`labels` with each text column whose every value is a finite number written as text ("0.5", "1e-3": a CSV
    read as text) converted to numbers, with a warning naming the columns; other text columns stay categories.

    Parameters
    ----------
    labels : DataFrame
        Labels indexed by image row; missing values (None, NaN) stay missing.

    Returns
    -------
    DataFrame
        `labels` itself when no column was converted, else a converted copy.
    """
    converted = {}
    for name in labels.columns:
        column = labels[name]
        if not (pd.api.types.is_object_dtype(column.dtype) or pd.api.types.is_string_dtype(column.dtype)):
            continue
        given = column.dropna()
        if len(given) == 0 or not all(isinstance(value, str) for value in given):
            continue
        numbers = pd.to_numeric(given, errors="coerce")
        if numbers.notna().all() and np.isfinite(numbers.to_numpy(dtype=float)).all():
            converted[name] = pd.to_numeric(column, errors="coerce")
    if not converted:
        return labels
    warnings.warn(f"labels column(s) {list(converted)} hold numbers written as text; they were read as numbers "
                  "(pass numeric columns, or a category dtype to keep them as categories)", stacklevel=4)
    return labels.assign(**converted)


def split_labels(labels: pd.DataFrame | None, holdout: float = LABEL_HOLDOUT, seed: int = 0) -> LabelSplit:
    """Hold out a share of the labelled rows, so that the concepts can be measured on images whose labels
    neither the encoder nor the calibration saw.

    Parameters
    ----------
    labels : DataFrame or None
        Labels indexed by image row.
    holdout : float
        Share of the rows to hold out (0: none).
    seed : int
        Seed of the random choice of rows.

    Returns
    -------
    LabelSplit
        Nothing is held out when that would be fewer than `crl.thresholds.MIN_HELD_OUT` rows, or when it
        would leave a (sparse) column fewer than `crl.thresholds.MIN_LABELLED_ROWS` values to calibrate on
        (with a warning).
    """
    if labels is None or not holdout:
        return LabelSplit(labels, None)
    n_held = int(round(holdout * len(labels)))
    if n_held < MIN_HELD_OUT:
        return LabelSplit(labels, None)
    order = np.random.default_rng(seed).permutation(len(labels))
    train, held_out = labels.iloc[np.sort(order[n_held:])], labels.iloc[np.sort(order[:n_held])]
    short = [name for name in labels.columns if train[name].notna().sum() < MIN_LABELLED_ROWS]
    if short:  # sparse columns (partial labels): every labelled row is needed to calibrate them
        warnings.warn(f"label_holdout skipped: holding out {n_held} rows would leave labels column(s) {short} "
                      f"fewer than {MIN_LABELLED_ROWS} values; the model's notes get no concept_fit", stacklevel=3)
        return LabelSplit(labels, None)
    return LabelSplit(train, held_out)


def encoder_label_spec(encoder: Any) -> dict[str, Any] | None:
    """The label spec an `encoders` encoder trained with (names, kinds, categories), or None (no labels, or an
    encoder of the user's own without a ``config``)."""
    return (getattr(encoder, "config", None) or {}).get("labels")


def label_kinds(labels: pd.DataFrame, spec: Mapping[str, Any] | None = None,
                overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """Each label's kind, "continuous" or "categorical": the encoder's rule (`infer_kind`), then the user's
    `overrides`, then the encoder's label `spec` (what it trained with) where it has one."""
    kinds = {name: infer_kind(labels[name]) for name in labels.columns}
    kinds.update(overrides or {})
    if spec:
        kinds.update(zip(spec["names"], spec["kinds"]))
    return kinds


def label_categories(labels: pd.DataFrame, spec: Mapping[str, Any] | None = None,
                     reference: pd.DataFrame | None = None) -> dict[str, list]:
    """Each label's categories in code order: the encoder's (`spec`) when it has them, else the sorted
    categories of `reference` (default: `labels` itself)."""
    reference = labels if reference is None else reference
    categories = {name: sorted(reference[name].dropna().unique()) for name in labels.columns}
    if spec:
        categories.update(zip(spec["names"], spec["categories"]))
    return categories


def label_codes(labels: pd.DataFrame, spec: Mapping[str, Any] | None = None, overrides: Mapping[str, str] | None = None,
                reference: pd.DataFrame | None = None) -> pd.DataFrame:
    """`labels` with categorical columns as codes 0..K-1 (in `label_categories` order); a category the
    reference never had becomes NaN."""
    kinds = label_kinds(labels, spec, overrides)
    categories = label_categories(labels, spec, reference)
    codes = labels.copy()
    for name in labels.columns:
        if kinds[name] == "categorical":
            index = {str(c): float(i) for i, c in enumerate(categories[name])}  # the encoder stores categories as text
            codes[name] = np.array([index.get(str(v), np.nan) for v in labels[name]], dtype=float)
    return codes
