"""Interventional error: does the model's do(X=x) shift the other variables as the scene's does?

For each intervention, the model and the scene each draw `n` samples; for every other
factor we compare the two means (continuous, in label units and divided by the factor's
observational std) or the two category frequency vectors (categorical, total variation
distance). `se` is the standard error of the difference of the two means, the size of
error that sampling noise alone produces.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from crl.evaluation.factors import describe, is_categorical, relations

COLUMNS = ["intervention", "variable", "relation", "model_mean", "scene_mean", "abs_error", "abs_error_norm", "se"]


def _compare(model: pd.Series, scene: pd.Series, factor: Any) -> tuple[float, float, float, float]:
    if is_categorical(factor):
        codes = np.arange(len(factor.categories))
        p = (np.rint(model.to_numpy(dtype=float))[:, None] == codes).mean(axis=0)
        q = (scene.to_numpy(dtype=float)[:, None] == codes).mean(axis=0)
        return np.nan, np.nan, float(0.5 * np.abs(p - q).sum()), np.nan
    m, s = model.to_numpy(dtype=float), scene.to_numpy(dtype=float)
    se = float(np.sqrt(m.var(ddof=1) / len(m) + s.var(ddof=1) / len(s))) if min(len(m), len(s)) > 1 else np.nan
    return float(m.mean()), float(s.mean()), float(abs(m.mean() - s.mean())), se


def interventional_table(draws: Sequence[tuple[Mapping[str, Any], pd.DataFrame, pd.DataFrame]],
                         graph: nx.DiGraph, definitions: Mapping[str, Any],
                         scales: Mapping[str, float]) -> pd.DataFrame:
    """Tidy table of mean differences from (do, model latents, scene factors) triples; pure function."""
    rows = []
    for do, model_df, scene_df in draws:
        others = [name for name in definitions if name not in do]
        for name, relation in relations(graph, do, others).items():
            model_mean, scene_mean, error, se = _compare(model_df[name], scene_df[name], definitions[name])
            norm = error if is_categorical(definitions[name]) else error / scales[name]
            rows.append([describe(do), name, relation, model_mean, scene_mean, error, norm, se])
    return pd.DataFrame(rows, columns=COLUMNS)


def interventional_error(model: Any, scene: Any, interventions: Sequence[Mapping[str, Any]],
                         definitions: Mapping[str, Any], scales: Mapping[str, float],
                         n: int, seeds: Sequence[int]) -> pd.DataFrame:
    """Draw `n` interventional samples from model and scene per intervention and tabulate the mean errors."""
    draws = []
    for do, seed in zip(interventions, seeds):
        model_latents = model.intervene(dict(do), n, seed=seed).latents
        scene_factors = scene.intervene(dict(do), n, seed=seed).factors
        draws.append((do, model_latents, scene_factors))
    return interventional_table(draws, scene.graph, definitions, scales)
