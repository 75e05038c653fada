"""Which rows of a query ask for what the data never showed: a value its parents never gave in training.

A counterfactual or interventional row sets a node to a value. If the noise that value implies given the
row's parents (value - f(parents), `SCM.noise`) lies outside the band the node's fitted residuals cover,
no training row showed the node that far from its parents' prediction: the answer extrapolates the
mechanisms (and, on images, the decoder) beyond their data.
"""
from __future__ import annotations

from collections.abc import Hashable, Iterable

import numpy as np
import pandas as pd
from scipy.stats import norm

from scm.mechanisms.base import AdditiveNoiseMechanism
from scm.model import SCM
from scm.thresholds import SUPPORT_QUANTILE


def noise_band(mechanism: AdditiveNoiseMechanism, quantile: float = SUPPORT_QUANTILE) -> tuple[float, float]:
    """The residuals' (quantile, 1 - quantile) range; a Gaussian's where only the noise scale is known."""
    if mechanism.residuals_ is None:
        half = float(norm.ppf(1 - quantile)) * mechanism.std_
        return -half, half
    low, high = np.quantile(mechanism.residuals_, [quantile, 1 - quantile])
    return float(low), float(high)


def support_distance(model: SCM, rows: pd.DataFrame, nodes: Iterable[Hashable],
                     quantile: float = SUPPORT_QUANTILE) -> pd.DataFrame:
    """How far each row's value of each node lies outside its noise band, in noise stds (0: inside).

    Parameters
    ----------
    model : SCM
        A fitted SCM.
    rows : DataFrame
        Rows under the query (the intervened nodes at their set values, the others as the query left them).
    nodes : iterable
        The intervened nodes. Discrete nodes (any class seen in training is inside) are left out.
    quantile : float
        Each side of the band leaves out this share of the training residuals.

    Returns
    -------
    DataFrame
        One column per continuous node of `nodes`, the index of `rows`.
    """
    if not 0 < quantile < 0.5:
        raise ValueError(f"quantile must lie in (0, 0.5); got {quantile!r}")
    nodes = list(nodes)
    unknown = [node for node in nodes if node not in model.graph_]
    if unknown:
        raise ValueError(f"nodes names unknown node(s) {unknown}; nodes are {list(model.graph_.nodes)}")
    continuous = {node: mechanism for node in nodes
                  if isinstance(mechanism := model.mechanisms_[node], AdditiveNoiseMechanism)}
    noise = model.noise(rows)
    distances = {}
    for node, mechanism in continuous.items():
        low, high = noise_band(mechanism, quantile)
        beyond = np.maximum(np.maximum(low - noise[node], noise[node] - high), 0.0).to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            distances[node] = np.where(beyond > 0, beyond / mechanism.std_, 0.0)
    return pd.DataFrame(distances, index=rows.index, columns=list(continuous))
