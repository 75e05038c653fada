"""Causal discovery from paired tables, robust to measurement error.

A pair (before, after) shares all exogenous noise except some resampled or intervened variables;
the columns that change are those sources and their descendants, and non-descendants keep their
value up to estimation error. Which columns change together gives the ancestral relation, which
estimation error cannot fake; the edges of its transitive reduction are direct. For an ancestor
that also reaches j through a mediator, a regression in which a pair's two
measurements instrument each other decides whether it is a direct parent (see `scm.pairs.direct`).
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd

from scm.notes import DiscoveryNotes, PairEvidence
from scm.pairs.ancestors import ancestral_relation, miss_rates
from scm.pairs.changes import Changes, detect_changes
from scm.pairs.direct import DirectTest, direct_edge_test
from scm.pairs.unseen import unseen_columns
from scm.tables import validate_table
from scm.thresholds import MAX_MISS, MIN_EFFECT, PAIRS_ALPHA, PAIRS_PER_COLUMN

MODES = ("auto", "noise", "intervention")


def discover_from_pairs(before: pd.DataFrame | np.ndarray, after: pd.DataFrame | np.ndarray, *,
                        mode: str = "auto", threshold: str | float = "auto", alpha: float = PAIRS_ALPHA,
                        min_pairs: int | None = None) -> nx.DiGraph:
    """Causal graph from paired tables (row p of `before` and `after` = pair p), robust to estimation error.

    Pairs identical in every column are set aside first (they carry no evidence). A column of
    whole-number codes with few levels (`scm.tables.is_discrete`: a categorical concept) changes
    exactly when its level does.

    Parameters
    ----------
    before, after : DataFrame or array (n_pairs, n_columns)
        The two tables of the pairs, with the same columns.
    mode : {"auto", "noise", "intervention"}
        "noise": pairs share all noise but the resampled ones; "intervention": perfect
        interventions; "auto" (unknown) is read like "intervention", the safe reading.
    threshold : "auto" or float
        "auto" calibrates each column's change cut (`scm.pairs.changes`); a number is a |delta| cut
        in column stds.
    alpha : float
        Level of the direct-edge test (default `scm.thresholds.PAIRS_ALPHA`).
    min_pairs : int, optional
        The fewest pairs accepted; default `scm.thresholds.PAIRS_PER_COLUMN` per column.

    Returns
    -------
    networkx.DiGraph
        Edges carry `confidence` in [0, 1] (see `scm.notes`); possible parents the test could not
        settle carry ``undecided=True``. ``scm.notes_of(graph)`` holds method "pairs", the undecided
        edges, the `unseen` columns (their own variation the pairs do not show: no claim is made about
        them; `scm.add_unseen_edges` finds their edges from observations) and the `PairEvidence`
        (ancestors, change cuts and rules, direct tests, conflicts, refuted implications).
    """
    b, a = _validate(before, after, mode, threshold, alpha, min_pairs)
    names = list(b.columns)
    xb, xa = _moved_pairs(b.to_numpy(dtype=float), a.to_numpy(dtype=float))
    found = _ancestry(xb, xa, threshold, names)
    g, tests, undecided = _direct_edges(found, *_standardised(xb, xa), names, mode, alpha)
    settings = {"mode": mode, "threshold": threshold, "alpha": alpha, "min_pairs": min_pairs, "n_pairs": len(xb)}
    g.graph["notes"] = _notes(found, names, settings, tests, undecided)
    return g


@dataclass
class _Ancestry:
    """What the change co-occurrence says: change calls, miss rates, unseen columns, ancestral relation."""

    changes: Changes
    miss: np.ndarray
    unseen: np.ndarray
    relation: nx.DiGraph
    conflicts: list[dict]
    refuted: list[dict]


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
    need = PAIRS_PER_COLUMN * b.shape[1] if min_pairs is None else min_pairs
    if len(b) < need:
        raise ValueError(f"before: expected at least {need} pairs (min_pairs), got {len(b)}")
    return b, a[list(b.columns)]


def _moved_pairs(xb: np.ndarray, xa: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The pairs in which something moved: identical images encode to identical latents, and such a
    pair carries no evidence while its exact zeros would make every column look measured without error."""
    moved = (xa != xb).any(axis=1)
    if moved.sum() < 2:
        raise ValueError(f"after equals before in {len(moved) - moved.sum()} of {len(moved)} pairs; "
                         "nothing changed to learn from")
    return xb[moved], xa[moved]


def _ancestry(xb: np.ndarray, xa: np.ndarray, threshold: str | float, names: list[str]) -> _Ancestry:
    """Change calls, miss rates and the ancestral relation; unseen columns get no claim either way
    (their moves are leaks)."""
    delta = np.abs(xa - xb)
    changes = detect_changes(xb, xa, threshold)
    miss = miss_rates(changes, delta)
    unseen = unseen_columns(delta, changes.threshold, np.concatenate([xb, xa]).std(0), miss)
    miss[unseen, :] = miss[:, unseen] = np.nan
    relation, conflicts, refuted = ancestral_relation(miss, ~changes.still, names)
    for j in np.flatnonzero(changes.changed.sum(axis=0) == 0):
        warnings.warn(f"column {names[j]!r} never changes in any pair: its descendants cannot be seen",
                      stacklevel=3)
    return _Ancestry(changes, miss, unseen, relation, conflicts, refuted)


def _standardised(xb: np.ndarray, xa: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Both tables in units of each column's mean and std over the two."""
    both = np.concatenate([xb, xa])
    mean, std = both.mean(0), both.std(0)
    scale = np.where(std > 0, std, 1)
    return (xb - mean) / scale, (xa - mean) / scale


def _direct_edges(found: _Ancestry, zb: np.ndarray, za: np.ndarray, names: list[str], mode: str,
                  alpha: float) -> tuple[nx.DiGraph, dict[tuple[str, str], DirectTest | None], list[tuple[str, str]]]:
    """The graph: every claimed ancestor of v is tested as a direct parent given v's other claimed
    ancestors; a claim with no rival is direct. Edges of the transitive reduction are tested too: two
    siblings whose own changes are invisible (a shadow's noise below a pixel) look like ancestor and
    descendant from the changes they inherit, and only the test tells them apart."""
    index = {v: k for k, v in enumerate(names)}
    g = nx.DiGraph()
    g.add_nodes_from(names)
    tests: dict[tuple[str, str], DirectTest | None] = {}
    undecided: list[tuple[str, str]] = []
    for u, v in found.relation.edges:
        i, j = index[u], index[v]
        confidence = _ancestral_confidence(found.miss[i, j])
        others = [index[w] for w in found.relation.predecessors(v) if w != u]
        if not others:
            g.add_edge(u, v, confidence=confidence)
            continue
        rows_after = None if mode == "noise" else ~found.changes.changed[:, j]
        result = tests[(u, v)] = direct_edge_test(zb, za, j, i, others, rows_after)
        if result is not None and result.p_value >= alpha:
            continue
        if result is not None and result.effect >= MIN_EFFECT:
            g.add_edge(u, v, confidence=min(confidence, 1.0 - result.p_value))
        else:  # untestable, or significant but tiny: kept as a possible parent, flagged
            undecided.append((u, v))
            g.add_edge(u, v, confidence=0.5 * confidence, undecided=True)
    return g, tests, undecided


def _ancestral_confidence(miss: float) -> float:
    """1 when the descendant never stood still while the ancestor changed, 0 at the MAX_MISS limit
    (1 for relations implied only by transitivity, which carry no miss rate of their own)."""
    return 1.0 if np.isnan(miss) else float(np.clip(1.0 - miss / MAX_MISS, 0.0, 1.0))


def _notes(found: _Ancestry, names: list[str], settings: dict, tests: dict, undecided: list) -> DiscoveryNotes:
    """The notes the pair route leaves on its graph."""
    evidence = PairEvidence(
        ancestors=pd.DataFrame(nx.to_numpy_array(found.relation, nodelist=names, weight=None) > 0,
                               index=names, columns=names),
        change_thresholds=dict(zip(names, map(float, found.changes.threshold))),
        change_rules=dict(zip(names, found.changes.rule)),
        direct_tests={k: (None if t is None else vars(t)) for k, t in tests.items()},
        conflicts=found.conflicts,
        refuted=found.refuted,
    )
    return DiscoveryNotes(method="pairs", settings=settings, undecided=undecided,
                          unseen=[names[i] for i in np.flatnonzero(found.unseen)], pairs=evidence)
