"""Data from known causal models, for tests and benchmarks.

`random_scm` draws an additive-noise SCM (`AdditiveSCM`) on a random DAG; its `sample_pairs` gives
paired samples that share all exogenous noise except k resampled noises ("noise" mode, Locatello et
al. 2020) or except k perfect interventions ("intervention" mode, Brehmer et al. 2022); `measure`
turns exact tables into an encoder's noisy estimates. `random_linear_sem` draws observational
samples of a linear-Gaussian SEM on a random DAG (the discovery benchmark's data).
"""
from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd

_FUNCS = {
    "linear": lambda x: x,
    "tanh": lambda x: 1.5 * np.tanh(x),
    "quad": lambda x: x + 0.25 * x**2,  # monotone over x > -2 (98% of a standard normal)
}


@dataclass
class AdditiveSCM:
    """x_j = sum_i w_ij * f_ij(x_i) + s_j * n_j in topological order; variables standardised."""

    graph: nx.DiGraph
    weights: dict[tuple[str, str], float]
    funcs: dict[tuple[str, str], str]
    noise_scale: dict[str, float]

    def __post_init__(self) -> None:
        self.order = list(nx.topological_sort(self.graph))
        d = len(self.order)
        self._mean, self._std = np.zeros(d), np.ones(d)
        self._forward(np.random.default_rng(12345).standard_normal((20000, d)), calibrate=True)

    def _forward(self, noise: np.ndarray, do_mask: np.ndarray | None = None,
                 do_values: np.ndarray | None = None, calibrate: bool = False) -> np.ndarray:
        x = np.zeros_like(noise)
        index = {v: k for k, v in enumerate(self.order)}
        for k, v in enumerate(self.order):
            total = self.noise_scale[v] * noise[:, k]
            for u in self.graph.predecessors(v):
                total = total + self.weights[u, v] * _FUNCS[self.funcs[u, v]](x[:, index[u]])
            if calibrate:  # unit scale, so every f_ij gets standard inputs whatever the depth
                self._mean[k], self._std[k] = total.mean(), total.std()
            total = (total - self._mean[k]) / self._std[k]
            x[:, k] = total if do_mask is None or do_values is None else np.where(do_mask[:, k], do_values[:, k], total)
        return x

    def _known(self, sources: list[str]) -> list[str]:
        """`sources` checked against the variables, duplicates dropped."""
        unknown = [v for v in sources if v not in self.order]
        if unknown or not sources:
            raise ValueError(f"sources: expected a non-empty list of variables from {self.order}, got {sources!r}")
        return list(dict.fromkeys(sources))

    def sample_pairs(self, n: int, k: int | str = 1, mode: str = "noise", seed: int = 0,
                     sources: list[str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Return (before, after) tables of n pairs; k sources per pair (an int, or "random": 1..m-1),
        drawn from `sources` (default: every variable; m of them)."""
        if mode not in ("noise", "intervention"):
            raise ValueError(f"mode: expected 'noise' or 'intervention', got {mode!r}")
        d = len(self.order)
        pool = list(range(d)) if sources is None else [self.order.index(v) for v in self._known(sources)]
        m = len(pool)
        if k != "random" and not 1 <= int(k) <= m:
            raise ValueError(f"k: expected 'random' or an integer in [1, {m}], got {k!r}")
        rng = np.random.default_rng(seed)
        noise = rng.standard_normal((n, d))
        ks = rng.integers(1, max(m, 2), size=n) if k == "random" else np.full(n, int(k))
        chosen = np.zeros((n, d), dtype=bool)
        for p in range(n):
            chosen[p, rng.choice(pool, size=ks[p], replace=False)] = True
        fresh = rng.standard_normal((n, d))
        before = self._forward(noise)
        if mode == "noise":
            after = self._forward(np.where(chosen, fresh, noise))
        else:  # do(x_v = value ~ N(0, 1)), the variable's own standardised scale
            after = self._forward(noise, do_mask=chosen, do_values=fresh)
        names = list(self.graph.nodes)  # the graph's own column order, not a topological one
        return (pd.DataFrame(before, columns=self.order)[names],
                pd.DataFrame(after, columns=self.order)[names])


def random_scm(d: int, edge_prob: float = 0.4, nonlinear: bool = False, seed: int = 0) -> AdditiveSCM:
    """An additive-noise SCM on an Erdos-Renyi DAG over x0..x{d-1}.

    Parameters
    ----------
    d : int
        Number of variables.
    edge_prob : float
        Probability of each edge along a random order.
    nonlinear : bool
        Each edge's function is 1.5 tanh(x) or x + x^2/4 (else linear).
    seed : int
        Seed of the graph, weights (+-U(0.5, 1.5)), functions and noise scales (U(0.5, 1)).

    Returns
    -------
    AdditiveSCM
    """
    rng = np.random.default_rng(seed)
    names = [f"x{i}" for i in range(d)]
    perm = rng.permutation(d)
    g = nx.DiGraph()
    g.add_nodes_from(names)
    for a in range(d):
        for b in range(a + 1, d):
            if rng.random() < edge_prob:
                g.add_edge(names[perm[a]], names[perm[b]])
    weights = {e: float(rng.choice([-1, 1]) * rng.uniform(0.5, 1.5)) for e in g.edges}
    kinds = ["tanh", "quad"] if nonlinear else ["linear"]
    funcs = {e: str(rng.choice(kinds)) for e in g.edges}
    scales = {v: float(rng.uniform(0.5, 1.0)) for v in names}
    return AdditiveSCM(g, weights, funcs, scales)


def random_linear_sem(d: int, n: int, seed: int) -> tuple[nx.DiGraph, pd.DataFrame]:
    """An Erdos-Renyi DAG over x0..x{d-1} with 2d expected edges and `n` rows of its linear SEM.

    Weights are +-U(0.5, 2) and noise unit Gaussian; the rows are not standardised, so their
    variances grow along the causal order as in the benchmarks of the continuous methods.

    Parameters
    ----------
    d, n : int
        Number of variables and of rows.
    seed : int
        Seed of the graph, the weights and the noise.

    Returns
    -------
    (networkx.DiGraph, DataFrame)
        The true DAG and the samples, one column per node.
    """
    rng = np.random.default_rng(seed)
    p = min(1.0, 2 * 2 / (d - 1))
    upper = np.triu(rng.random((d, d)) < p, k=1)
    perm = rng.permutation(d)
    adjacency = upper[np.ix_(perm, perm)]
    weights = adjacency * rng.uniform(0.5, 2.0, (d, d)) * rng.choice([-1.0, 1.0], (d, d))
    names = [f"x{i}" for i in range(d)]
    graph = nx.DiGraph()
    graph.add_nodes_from(names)
    graph.add_edges_from((names[i], names[j]) for i, j in zip(*np.nonzero(adjacency)))
    x = np.zeros((n, d))
    for j in nx.topological_sort(nx.relabel_nodes(graph, {nm: k for k, nm in enumerate(names)})):
        x[:, j] = x @ weights[:, j] + rng.standard_normal(n)
    return graph, pd.DataFrame(x, columns=names)


def measure(before: pd.DataFrame, after: pd.DataFrame, error: float,
            seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """An encoder's estimates of both tables of pairs.

    Each standardised column goes through the same mild monotone distortion z + 0.5 tanh(z) and gets
    independent Gaussian noise of sd `error` times the column's std (at 0.15 the estimates correlate
    ~0.97-0.99 with the truth).

    Parameters
    ----------
    before, after : DataFrame
        Exact tables of the pairs.
    error : float
        Noise sd in column stds.
    seed : int
        Seed of the noise.

    Returns
    -------
    (DataFrame, DataFrame)
        The estimated before and after tables.
    """
    rng = np.random.default_rng(seed)
    mean, std = before.mean(), before.std()
    out = []
    for table in (before, after):
        z = (table - mean) / std
        out.append(z + 0.5 * np.tanh(z))
    scale = out[0].std()
    return tuple(t + error * scale.to_numpy() * rng.standard_normal(t.shape) for t in out)
