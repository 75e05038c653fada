"""The ancestral relation from change co-occurrence: j descends from i iff j changes whenever i does.

miss[i, j] estimates P(j stood still | i changed) over i's *own* clear changes: the larger half
of its detected changes (CLEAR_QUANTILE), in pairs where none of i's candidate ancestors moved.
A descendant stands still there only through detection error; a non-descendant does whenever the pair's
sources lie outside its ancestors. Conditioning on i's candidate ancestors staying still matters
when i's own changes are small next to those it inherits: otherwise i would seem to cause
everything its parents cause. The claims are made acyclic by change counts; implied relations
that the miss rates contradict are reported, not repaired (see `refuted_implications`).
"""
from __future__ import annotations

import networkx as nx
import numpy as np

from scm.pairs.changes import Changes
from scm.thresholds import CANDIDATE_MISS, CLEAR_QUANTILE, MAX_MISS, MIN_CHANGES


def _clear_changes(changes: Changes, delta: np.ndarray) -> np.ndarray:
    """The larger part of each column's detected changes, whose effects on descendants are visible."""
    clear = np.zeros_like(changes.changed)
    for i in range(delta.shape[1]):
        hit = changes.changed[:, i]
        if hit.any():
            clear[:, i] = hit & (delta[:, i] >= np.quantile(delta[hit, i], CLEAR_QUANTILE))
    return clear


def _miss(rows: np.ndarray, still_j: np.ndarray, share: float) -> float:
    n = int(rows.sum())
    if n < MIN_CHANGES:
        return float("nan")
    return float(min(1.0, (rows & still_j).sum() / n / share))


def miss_rates(changes: Changes, delta: np.ndarray) -> np.ndarray:
    """miss[i, j] = estimated P(j still | own clear change of i); NaN where i has too few own changes."""
    d = delta.shape[1]
    clear, still, share = _clear_changes(changes, delta), changes.still, changes.still_share
    first = np.full((d, d), np.nan)
    for i in range(d):
        for j in range(d):
            if i != j:
                first[i, j] = _miss(clear[:, i], still[:, j], share[j])
    miss = np.full((d, d), np.nan)
    for i in range(d):
        candidates = [k for k in range(d) if k != i and first[k, i] <= CANDIDATE_MISS]
        for j in range(d):
            if i != j:
                others = [k for k in candidates if k != j]
                own = clear[:, i] & still[:, others].all(axis=1) if others else clear[:, i]
                rate = _miss(own, still[:, j], share[j])
                miss[i, j] = first[i, j] if np.isnan(rate) else rate
    return miss


def ancestral_relation(miss: np.ndarray, moved: np.ndarray, names: list[str]
                       ) -> tuple[nx.DiGraph, list[dict], list[dict]]:
    """Transitively closed, acyclic relation (edge i -> j: i is an ancestor of j), the conflicts
    resolved on the way, and the implied relations the miss rates contradict.

    A descendant changes in a superset of its ancestor's pairs, so of two columns that each look
    like the other's ancestor (or of a longer cycle) the relation whose claimed ancestor changes
    most often relative to its claimed descendant is dropped (ties: the larger miss rate) and
    recorded. `moved` is (n_pairs, n_columns): the column did not clearly stand still (counting
    small changes too, which a descendant's inherited changes often are).
    """
    counts = moved.sum(axis=0)
    limit = MAX_MISS
    d = len(names)
    rel = nx.DiGraph()
    rel.add_nodes_from(names)
    for i in range(d):
        for j in range(d):
            if i != j and miss[i, j] <= limit:  # NaN compares False: undecidable, no claim
                rel.add_edge(names[i], names[j], miss=float(miss[i, j]))
    index = {v: k for k, v in enumerate(names)}
    conflicts = []
    while True:
        try:
            cycle = nx.find_cycle(rel)
        except nx.NetworkXNoCycle:
            break
        # exact ties go to the later column, so the result is deterministic
        weakest = max(cycle, key=lambda e: (counts[index[e[0]]] - counts[index[e[1]]],
                                            rel.edges[e]["miss"], index[e[0]]))
        conflicts.append({"dropped": tuple(weakest[:2]), "miss": rel.edges[weakest]["miss"],
                          "changes": (int(counts[index[weakest[0]]]), int(counts[index[weakest[1]]])),
                          "cycle": [e[0] for e in cycle]})
        rel.remove_edge(*weakest[:2])
    return nx.transitive_closure_dag(rel), conflicts, refuted_implications(rel, miss, names)


def refuted_implications(rel: nx.DiGraph, miss: np.ndarray, names: list[str]) -> list[dict]:
    """Ancestor pairs that only transitivity claims (k -> i, i -> j, so k -> j) although k's own changes
    leave j still in more than CANDIDATE_MISS of them. One of the claims on the path may be wrong
    (typically: i's own changes are invisible in its estimate, so it changes only with its causes
    and seems to cause their other effects), or the implication is true and k's effect on j is
    hidden (two paths that cancel, saturation). Reported with the claimed path; not repaired,
    because on simulated graphs flipping the doubtful claim did more harm than good.
    """
    index = {v: k for k, v in enumerate(names)}
    return [{"pair": (k, j), "miss": float(miss[index[k], index[j]]), "path": nx.shortest_path(rel, k, j)}
            for k, j in nx.transitive_closure_dag(rel).edges
            if not rel.has_edge(k, j) and miss[index[k], index[j]] > CANDIDATE_MISS]
