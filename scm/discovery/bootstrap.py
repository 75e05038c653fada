"""Bootstrap a discovery method: how often each edge appears over resampled rows."""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from scm.discovery.dispatch import prepare_options, run_method
from scm.graph import add_undirected
from scm.notes import DiscoveryNotes
from scm.tables import validate_table
from scm.thresholds import CONSENSUS


@dataclass
class BootstrapResult:
    """Edge frequencies over the resamples and the consensus graph they imply."""

    frequencies: pd.DataFrame  # columns u, v, directed (u -> v), undirected (u — v), adjacency (any edge)
    graph: nx.DiGraph  # pairs with adjacency frequency >= threshold, in their most frequent mark


def bootstrap(data: pd.DataFrame | np.ndarray, method: str = "pc", n: int = 50, threshold: float = CONSENSUS,
              seed: int = 0, **options: Any) -> BootstrapResult:
    """Run `method` on `n` row resamples (with replacement) and count each edge mark.

    The consensus summarises the runs; it is not guaranteed to be a DAG or a CPDAG (check
    `scm.graph.is_dag`).

    Parameters
    ----------
    data : DataFrame or array
        Observations, one column per variable.
    method : str
        An `scm.discover` method.
    n : int
        Number of resamples.
    threshold : float
        The consensus keeps a pair whose adjacency frequency reaches it (default
        `scm.thresholds.CONSENSUS`), marked as its most frequent mark.
    seed : int
        Seed of the resampling; run k gets seed + k.
    **options
        `scm.discover` options (alpha, required, ...).

    Returns
    -------
    BootstrapResult
        Frequencies per ordered pair (u, v): `directed` is the share of runs with u -> v,
        `undirected` with u — v, `adjacency` with any edge; and the consensus graph, whose edge
        `confidence` is the share of runs with the kept mark (the orientation share, as `scm.notes`
        defines it) and whose notes name method "bootstrap".
    """
    if n < 1:
        raise ValueError(f"n must be >= 1; got {n}")
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must be in (0, 1]; got {threshold}")
    frame = validate_table(data)
    names = list(frame.columns)
    values = frame.to_numpy()
    knowledge_args = {k: options.pop(k, None) for k in ("alpha", "indep_test", "required", "forbidden", "tiers")}
    device = options.pop("device", "auto")
    knowledge, opts = prepare_options(method, values, names, seed=seed, device=device, options=options,
                                      **knowledge_args)
    directed, undirected = _mark_counts(method, values, names, knowledge, opts, n, seed)
    adjacency = directed + directed.T + undirected
    rows_out = [{"u": names[i], "v": names[j], "directed": directed[i, j], "undirected": undirected[i, j],
                 "adjacency": adjacency[i, j]}
                for i, j in itertools.permutations(range(len(names)), 2) if adjacency[i, j] > 0]
    frequencies = pd.DataFrame(rows_out, columns=["u", "v", "directed", "undirected", "adjacency"])
    consensus = _consensus(directed, undirected, names, threshold)
    consensus.graph["notes"] = DiscoveryNotes("bootstrap", {"base": method, "n": n, "threshold": threshold, "seed": seed})
    return BootstrapResult(frequencies, consensus)


def _mark_counts(method: str, values: np.ndarray, names: list[str], knowledge: Any, opts: dict[str, Any], n: int,
                 seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Shares of the `n` resampled runs with u -> v, and with u — v, per ordered pair."""
    index = {name: k for k, name in enumerate(names)}
    directed = np.zeros((len(names), len(names)))
    undirected = np.zeros((len(names), len(names)))
    rng = np.random.default_rng(seed)
    for run in range(n):
        rows = rng.integers(0, len(values), len(values))
        run_opts = {**opts, "seed": seed + run} if "seed" in opts else opts
        g = run_method(method, values[rows], names, knowledge, run_opts)
        for u, v, marked in g.edges(data="undirected", default=False):
            (undirected if marked else directed)[index[u], index[v]] += 1
    return directed / n, undirected / n


def _consensus(directed: np.ndarray, undirected: np.ndarray, names: list[str], threshold: float) -> nx.DiGraph:
    """Pairs adjacent in at least `threshold` of the runs, in their most frequent mark, whose share is the
    edge's `confidence`."""
    adjacency = directed + directed.T + undirected
    consensus = nx.DiGraph()
    consensus.add_nodes_from(names)
    for i, j in itertools.combinations(range(len(names)), 2):
        if adjacency[i, j] < threshold:
            continue
        marks = {"forward": directed[i, j], "backward": directed[j, i], "undirected": undirected[i, j]}
        best = max(marks, key=marks.__getitem__)
        confidence = float(marks[best])
        if best == "forward":
            consensus.add_edge(names[i], names[j], confidence=confidence)
        elif best == "backward":
            consensus.add_edge(names[j], names[i], confidence=confidence)
        else:
            add_undirected(consensus, names[i], names[j], confidence=confidence)
    return consensus
