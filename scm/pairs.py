"""Causal discovery from paired tables, robust to measurement error.

A pair (before, after) shares all exogenous noise except some resampled or intervened variables;
the columns that change are those sources and their descendants, and non-descendants keep their
value up to estimation error. Which columns change together gives the ancestral relation, which
estimation error cannot fake; the edges of its transitive reduction are direct. For an ancestor
that also reaches j through a mediator, a regression in which a pair's two
measurements instrument each other decides whether it is a direct parent (see `scm.pairs_direct`).
"""
from __future__ import annotations

import warnings

import networkx as nx
import numpy as np
import pandas as pd

from scm._validate import validate_table
from scm.pairs_ancestors import MAX_MISS, ancestral_relation, miss_rates
from scm.pairs_changes import detect_changes
from scm.pairs_direct import direct_edge_test
from scm.pairs_unseen import unseen_columns

MODES = ("auto", "noise", "intervention")
# The direct-edge test calls an ancestor a parent only if, besides p < alpha, its features carry
# at least this share of the child's variance: smaller effects are within what a degree-3
# polynomial's misfit of a smooth mechanism, or an encoder's systematic error shared by a pair's two
# images, can produce, so they are reported as undecided. Chosen from a grid {0.01, ..., 0.05} on
# 120 simulated ER graphs (d 4-15, estimation error 0.15 and 0.3, linear and nonlinear): total SHD
# 563 at 0.01, 517 at 0.03, 511 at 0.05; 0.03 takes most of the gain.
MIN_EFFECT = 0.03


def _validate(before: object, after: object, mode: str, threshold: str | float, alpha: float,
              min_pairs: int | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    if mode not in MODES:
        raise ValueError(f"mode: expected one of {MODES}, got {mode!r}")
    if not (threshold == "auto" or (isinstance(threshold, (int, float)) and threshold > 0)):
        raise ValueError(f"threshold: expected 'auto' or a positive number of column stds, got {threshold!r}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha: expected a level in (0, 1), got {alpha!r}")
    b, a = validate_table(before, "before"), validate_table(after, "after")
    if a.shape != b.shape:
        raise ValueError(f"after: expected the shape of before {b.shape}, got {a.shape}")
    if not isinstance(after, pd.DataFrame):
        a.columns = b.columns
    if set(a.columns) != set(b.columns):
        raise ValueError(f"after: expected the columns of before {list(b.columns)}, got {list(a.columns)}")
    if b.shape[1] < 2:
        raise ValueError(f"before: expected at least 2 columns, got {b.shape[1]}")
    need = 10 * b.shape[1] if min_pairs is None else min_pairs
    if len(b) < need:
        raise ValueError(f"before: expected at least {need} pairs (min_pairs), got {len(b)}")
    return b, a[list(b.columns)]


def discover_from_pairs(before: pd.DataFrame | np.ndarray, after: pd.DataFrame | np.ndarray, *,
                        mode: str = "auto", threshold: str | float = "auto", alpha: float = 0.01,
                        min_pairs: int | None = None) -> nx.DiGraph:
    """Causal graph from paired tables (row p of `before` and `after` = pair p), robust to estimation error.

    `mode`: "noise" (pairs share all noise but resampled ones), "intervention"
    (perfect interventions) or "auto" (unknown: treated like "intervention", the safe reading).
    `threshold`: "auto" (calibrated per column) or a |delta| cut in column stds. `alpha`: level of the
    direct-edge test. `min_pairs`: default 10 per column. Pairs identical in every column are set
    aside first (they carry no evidence). A column of integer codes with at most 20 levels (a
    categorical concept) changes exactly when its level does. Edges carry `confidence` in [0, 1];
    graph attributes: "ancestors" (boolean DataFrame, row = ancestor), "change_thresholds",
    "change_rules" (how each column's changes were called: noise, exact, discrete, ...),
    "undecided" (edges kept but not settled as direct), "conflicts" (claims dropped to break cycles),
    "refuted" (ancestor pairs implied by transitivity that the pairs contradict: a sign that a claim
    on the path is wrong or an effect is hidden), "unseen" (columns whose own variation the pairs do
    not show: no claim is made about them, and `scm.add_unseen_edges` finds their edges from
    observations; see `scm.pairs_unseen`),
    "direct_tests", "method".
    """
    b, a = _validate(before, after, mode, threshold, alpha, min_pairs)
    names = list(b.columns)
    xb, xa = b.to_numpy(dtype=float), a.to_numpy(dtype=float)
    # a pair in which nothing moved at all (identical images encode to identical latents) carries no
    # evidence, and its exact zeros would make every column look measured without error
    moved = (xa != xb).any(axis=1)
    if moved.sum() < 2:
        raise ValueError(f"after equals before in {len(moved) - moved.sum()} of {len(moved)} pairs; nothing changed to learn from")
    xb, xa = xb[moved], xa[moved]
    changes = detect_changes(xb, xa, threshold)
    miss = miss_rates(changes, np.abs(xa - xb))
    both = np.concatenate([xb, xa])
    mean, std = both.mean(0), both.std(0)
    # columns whose own variation the pairs do not show: no claim either way (their moves are leaks)
    unseen = unseen_columns(np.abs(xa - xb), changes.threshold, std, miss)
    miss[unseen, :] = miss[:, unseen] = np.nan
    rel, conflicts, refuted = ancestral_relation(miss, ~changes.still, names)
    for j in np.flatnonzero(changes.changed.sum(axis=0) == 0):
        warnings.warn(f"column {names[j]!r} never changes in any pair: its descendants cannot be seen",
                      stacklevel=2)
    index = {v: k for k, v in enumerate(names)}

    g = nx.DiGraph()
    g.add_nodes_from(names)
    zb, za = (xb - mean) / np.where(std > 0, std, 1), (xa - mean) / np.where(std > 0, std, 1)
    tests, undecided = {}, []
    # every claimed ancestor of v is tested as a direct parent given v's other claimed ancestors; a
    # claim with no rival is direct. Edges of the transitive reduction are tested too: two siblings
    # whose own changes are invisible (a shadow's noise below a pixel) look like ancestor and descendant
    # from the changes they inherit, and only the test tells them apart.
    for u, v in rel.edges:
        i, j = index[u], index[v]
        others = [index[w] for w in rel.predecessors(v) if w != u]
        if not others:
            g.add_edge(u, v, confidence=_ancestral_confidence(miss[i, j]))
            continue
        rows_after = None if mode == "noise" else ~changes.changed[:, j]
        result = direct_edge_test(zb, za, j, i, others, rows_after)
        tests[(u, v)] = result
        if result is not None and result.p_value >= alpha:
            continue
        conf = _ancestral_confidence(miss[i, j])
        if result is not None and result.effect >= MIN_EFFECT:
            g.add_edge(u, v, confidence=min(conf, 1.0 - result.p_value))
        else:  # untestable, or significant but tiny: kept as a possible parent, flagged
            undecided.append((u, v))
            g.add_edge(u, v, confidence=0.5 * conf, undecided=True)

    g.graph.update(
        method="pairs",
        ancestors=pd.DataFrame(nx.to_numpy_array(rel, nodelist=names, weight=None) > 0,
                               index=names, columns=names),
        change_thresholds=dict(zip(names, map(float, changes.threshold))),
        change_rules=dict(zip(names, changes.rule)),
        undecided=undecided,
        conflicts=conflicts,
        refuted=refuted,
        unseen=[names[i] for i in np.flatnonzero(unseen)],
        direct_tests={k: (None if t is None else vars(t)) for k, t in tests.items()},
    )
    return g


def _ancestral_confidence(miss: float) -> float:
    """1 when the descendant never stood still while the ancestor changed, 0 at the MAX_MISS limit
    (1 for relations implied only by transitivity, which carry no miss rate of their own)."""
    return 1.0 if np.isnan(miss) else float(np.clip(1.0 - miss / MAX_MISS, 0.0, 1.0))
