"""Counterfactual error: the model's counterfactual images against the scene's true ones.

For the same held-out images and the same do(), the scene gives the true counterfactual
(same exogenous noise). We score the model's images two ways: pixels (MSE, SSIM) and
meaning (an oracle reads the factors from the model's image; the error against the true
counterfactual factors is split into the intervened factor, its descendants and its
non-descendants). The oracle's error on the true counterfactual images is reported as
`oracle_floor_norm`: errors near it are as small as the oracle can measure. Where the model
says which rows stay inside its data (`QueryResult.in_support`), the error over those rows
alone is `error_norm_in_support` and their share `share_in_support`: the rest ask for images
no training image resembles.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from crl.evaluation.factors import describe, relations, row_errors
from crl.evaluation.image_metrics import mse, ssim

FACTOR_COLUMNS = ["intervention", "variable", "relation", "error", "error_norm", "oracle_floor_norm", "share_in_support",
                  "error_norm_in_support"]
IMAGE_COLUMNS = ["intervention", "mse", "ssim", "mse_unchanged", "ssim_unchanged"]


@dataclass
class CounterfactualResult:
    """Per-factor errors, per-intervention image scores, and a few example images per intervention."""

    factors: pd.DataFrame
    images: pd.DataFrame
    examples: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=dict)


def factor_error_table(do: Mapping[str, Any], read_model: pd.DataFrame, read_true: pd.DataFrame,
                       true_factors: pd.DataFrame, graph: nx.DiGraph, definitions: Mapping[str, Any],
                       scales: Mapping[str, float], in_support: np.ndarray | None = None) -> pd.DataFrame:
    """Mean error per factor of the oracle's reading of model (and true) counterfactuals; pure function.

    `in_support` (a bool per row, the model's own judgment) adds the share of rows inside and their mean error
    (NaN where not given or no row is inside).
    """
    inside = np.zeros(len(read_model), bool) if in_support is None else np.asarray(in_support, bool)
    share = float(inside.mean()) if in_support is not None else float("nan")
    rows = []
    for name, relation in relations(graph, do, definitions).items():
        factor, scale = definitions[name], scales[name]
        errors = np.asarray(row_errors(read_model[name], true_factors[name], factor), dtype=float)
        floor = float(row_errors(read_true[name], true_factors[name], factor).mean())
        error_inside = float(errors[inside].mean()) / scale if inside.any() else float("nan")
        rows.append([describe(do), name, relation, errors.mean(), errors.mean() / scale, floor / scale, share,
                     error_inside])
    return pd.DataFrame(rows, columns=FACTOR_COLUMNS)


def counterfactual_error(model: Any, scene: Any, sample: Any, interventions: Sequence[Mapping[str, Any]],
                         oracle: Any, definitions: Mapping[str, Any], scales: Mapping[str, float],
                         n_examples: int = 8) -> CounterfactualResult:
    """Score model.counterfactual against scene.counterfactual on `sample` for every intervention."""
    factor_tables, image_rows, examples = [], [], {}
    for do in interventions:
        answer = model.counterfactual(sample.images, dict(do))
        model_cf = np.asarray(answer.images)
        true_cf = scene.counterfactual(sample, dict(do))
        true_images = np.asarray(true_cf.images)
        factor_tables.append(factor_error_table(do, oracle.read(model_cf), oracle.read(true_images),
                                                true_cf.factors, scene.graph, definitions, scales,
                                                getattr(answer, "in_support", None)))
        image_rows.append([describe(do), float(mse(model_cf, true_images).mean()),
                           float(ssim(model_cf, true_images).mean()),
                           float(mse(sample.images, true_images).mean()),
                           float(ssim(sample.images, true_images).mean())])
        k = min(n_examples, len(true_images))
        examples[describe(do)] = (np.asarray(sample.images[:k]), model_cf[:k], true_images[:k])
    return CounterfactualResult(pd.concat(factor_tables, ignore_index=True),
                                pd.DataFrame(image_rows, columns=IMAGE_COLUMNS), examples)
