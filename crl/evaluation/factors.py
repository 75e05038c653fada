"""Shared helpers over a scene's factor definitions: lookup, per-row error, scale, relations.

Continuous factors are compared by absolute difference in label units; categorical ones
(integer codes 0..K-1, as crl.scenes stores them) by mismatch after rounding to the nearest
code (0 or 1), which is already on a unit scale.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd


def factor_map(scene: Any) -> dict[str, Any]:
    """Return {name: Factor} for the scene's factors, in the scene's order."""
    return {factor.name: factor for factor in scene.factors}


def is_categorical(factor: Any) -> bool:
    """True when the factor's kind is "categorical"."""
    return getattr(factor, "kind", "continuous") == "categorical"


def row_errors(pred: pd.Series, true: pd.Series, factor: Any) -> np.ndarray:
    """Per-row error of `pred` against `true`: |difference| (continuous) or mismatch (categorical)."""
    if is_categorical(factor):
        return (np.rint(np.asarray(pred, dtype=float)) != np.asarray(true, dtype=float)).astype(float)
    return np.abs(np.asarray(pred, dtype=float) - np.asarray(true, dtype=float))


def factor_scales(factors_df: pd.DataFrame, factors: Mapping[str, Any]) -> dict[str, float]:
    """Scale used to normalise errors: the observed std of a continuous factor (NaN when 0); 1 for categorical."""
    scales = {}
    for name, factor in factors.items():
        if is_categorical(factor):
            scales[name] = 1.0
        else:
            std = float(np.std(np.asarray(factors_df[name], dtype=float)))
            scales[name] = std if std > 0 else float("nan")
    return scales


def default_values(factor: Any, quantiles: Sequence[float] = (0.25, 0.5, 0.75)) -> list[Any]:
    """Intervention values for a factor: the given quantiles of its [low, high] range, or each category code."""
    if is_categorical(factor):
        return list(range(len(factor.categories)))
    return [float(factor.low + q * (factor.high - factor.low)) for q in quantiles]


def default_interventions(factors: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One single-factor intervention per factor and default value (25/50/75% of the range)."""
    return [{name: value} for name, factor in factors.items() for value in default_values(factor)]


def normalise_interventions(do: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None,
                            factors: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Validate `do` (one dict, a list of dicts, or None for the defaults) against the factors."""
    if do is None:
        return default_interventions(factors)
    items = [do] if isinstance(do, Mapping) else list(do)
    if not items:
        raise ValueError("do must be a dict of {factor: value}, a non-empty list of such dicts, or None")
    checked = []
    for item in items:
        if not isinstance(item, Mapping) or not item:
            raise ValueError(f"do must contain non-empty dicts of {{factor: value}}; got {item!r}")
        unknown = sorted(set(item) - set(factors))
        if unknown:
            raise ValueError(f"do names unknown factor(s) {unknown}; the scene's factors are {list(factors)}")
        for name, value in item.items():
            factor = factors[name]
            if is_categorical(factor):
                if value not in range(len(factor.categories)):
                    raise ValueError(f"do[{name!r}]={value!r} must be a category code 0..{len(factor.categories) - 1} "
                                     f"(categories {list(factor.categories)})")
            elif not np.isfinite(float(value)) or not factor.low <= float(value) <= factor.high:
                raise ValueError(f"do[{name!r}]={value!r} must be a finite number in [{factor.low}, {factor.high}]")
        checked.append(dict(item))
    return checked


def describe(do: Mapping[str, Any]) -> str:
    """A readable label for an intervention, e.g. "do(a=0.25, shape=1)"."""
    parts = [f"{k}={v:.4g}" if isinstance(v, (float, np.floating)) else f"{k}={v}" for k, v in do.items()]
    return f"do({', '.join(parts)})"


def relations(graph: nx.DiGraph, targets: Iterable[str], names: Iterable[str]) -> dict[str, str]:
    """Label each name "intervened", "descendant" or "non-descendant" of the intervened targets."""
    targets = set(targets)
    below = set().union(*(nx.descendants(graph, t) for t in targets if t in graph)) - targets
    return {n: "intervened" if n in targets else "descendant" if n in below else "non-descendant" for n in names}


def concept_names(model: Any) -> list[str]:
    """The model's concept names (`concept_names`, or `concepts` as in the architecture contract)."""
    names = getattr(model, "concept_names", None)
    return list(names if names is not None else model.concepts)


def evaluation_seeds(seed: int, k: int) -> list[int]:
    """`k` independent integer seeds derived from `seed`, on a stream separate from training seeds."""
    state = np.random.SeedSequence([int(seed), 0x0E7A1]).generate_state(k)
    return [int(s) for s in state]
