"""Bootstrap a discovery method: how often each edge appears over resampled rows."""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from scm._validate import validate_table
from scm.discovery.dispatch import prepare_options, run_method
from scm.graph import add_undirected


@dataclass
class BootstrapResult:
    """Edge frequencies over the resamples and the consensus graph they imply."""

    frequencies: pd.DataFrame  # columns u, v, directed (u -> v), undirected (u — v), adjacency (any edge)
    graph: nx.DiGraph  # pairs with adjacency frequency >= threshold, in their most frequent mark


def bootstrap(data: pd.DataFrame | np.ndarray, method: str = "pc", n: int = 50, threshold: float = 0.5,
              seed: int = 0, **options: Any) -> BootstrapResult:
    """Run `method` on `n` row resamples (with replacement) and count each edge mark.

    Frequencies are per ordered pair (u, v): `directed` is the share of runs with u -> v,
    `undirected` with u — v, `adjacency` with any edge. The consensus keeps a pair when its
    adjacency frequency is >= `threshold` (default 0.5), marked as its most frequent mark,
    with edge attribute `confidence` = that mark's frequency. The consensus summarises the
    runs; it is not guaranteed to be a DAG or a CPDAG (check scm.graph.is_dag). Options
    (alpha, required, ...) go to scm.discover; the seed of run k is seed + k.
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
    directed /= n
    undirected /= n
    adjacency = directed + directed.T + undirected
    rows_out = [{"u": names[i], "v": names[j], "directed": directed[i, j], "undirected": undirected[i, j],
                 "adjacency": adjacency[i, j]}
                for i, j in itertools.permutations(range(len(names)), 2) if adjacency[i, j] > 0]
    frequencies = pd.DataFrame(rows_out, columns=["u", "v", "directed", "undirected", "adjacency"])
    consensus = nx.DiGraph()
    consensus.add_nodes_from(names)
    for i, j in itertools.combinations(range(len(names)), 2):
        if adjacency[i, j] < threshold:
            continue
        marks = {"forward": directed[i, j], "backward": directed[j, i], "undirected": undirected[i, j]}
        best = max(marks, key=marks.get)
        confidence = float(marks[best])
        if best == "forward":
            consensus.add_edge(names[i], names[j], confidence=confidence)
        elif best == "backward":
            consensus.add_edge(names[j], names[i], confidence=confidence)
        else:
            add_undirected(consensus, names[i], names[j], confidence=confidence)
    consensus.graph["method"] = {"name": "bootstrap", "base": method, "n": n, "threshold": threshold, "seed": seed}
    return BootstrapResult(frequencies, consensus)
