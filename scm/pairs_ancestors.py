"""The ancestral relation from change co-occurrence: j descends from i iff j changes whenever i does.

miss[i, j] estimates P(j stood still | i changed) over i's *own* clear changes: the larger half
of its detected changes (CLEAR_QUANTILE), in pairs where none of i's candidate ancestors moved.
A descendant stands still there only through detection error; a non-descendant does whenever the pair's
sources lie outside its ancestors. Conditioning on i's candidate ancestors staying still matters
when i's own changes are small next to those it inherits: otherwise i would seem to cause
everything its parents cause. The claims are then made acyclic (by change counts) and consistent
under transitivity (a claim whose implied relations the miss rates refute is flipped or dropped).
"""
from __future__ import annotations

import itertools

import networkx as nx
import numpy as np

from scm.pairs_changes import Changes

# i is an ancestor of j when j stands still in at most this share of i's own changes, on exact
# tables too: saturating mechanisms (a clipped shadow length) leave descendants still in some of
# their ancestors' changes. Chosen from a grid {0.15, 0.2, 0.25} on simulated ER graphs (d 4-8,
# estimation error 0.15 and 0.3).
MAX_MISS = 0.25
# k is a candidate ancestor of i (to be held still when judging i's descendants) below this miss.
CANDIDATE_MISS = 0.35
# A clear change is one in the upper part of a column's detected changes, above this quantile.
CLEAR_QUANTILE = 0.5
# Fewer clear changes than this leave i's descendants undecidable (no ancestry is claimed); with
# fewer own changes than this, all of i's clear changes are used.
MIN_CHANGES = 10


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


def ancestral_relation(miss: np.ndarray, moved: np.ndarray, names: list[str]) -> tuple[nx.DiGraph, list[dict]]:
    """Transitively closed, acyclic relation (edge i -> j: i is an ancestor of j) and the conflicts

    resolved on the way. A descendant changes in a superset of its ancestor's pairs, so of two
    columns that each look like the other's ancestor (or of a longer cycle) the relation whose
    claimed ancestor changes most often relative to its claimed descendant is dropped (ties: the
    larger miss rate) and recorded. `moved` is (n_pairs, n_columns): the column did not clearly
    stand still (counting small changes too, which a descendant's inherited changes often are).
    Claims refuted through transitivity are then repaired (`_repair_transitivity`); every dropped or
    flipped claim is recorded in the conflicts.
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
    banned = {c["dropped"] for c in conflicts}
    _repair_transitivity(rel, miss, index, banned, conflicts)
    return nx.transitive_closure_dag(rel), conflicts


def _closure_cost(rel: nx.DiGraph, miss: np.ndarray, index: dict[str, int]) -> float:
    """How far the closure of `rel` disagrees with the miss rates, pair by pair: a claimed ancestor

    pays its miss rate above MAX_MISS; an unrelated pair pays the lower of its two miss rates below
    MAX_MISS (either direction's low rate refutes "unrelated", while a claim i -> j is refuted only
    by its own rate: j -> i may look like a claim when j's own changes are invisible). NaN: no cost.
    """
    closure = nx.transitive_closure_dag(rel)
    rates = np.where(np.isnan(miss), np.inf, miss)
    cost = 0.0
    for a, b in itertools.combinations(index, 2):
        i, j = index[a], index[b]
        if closure.has_edge(a, b) or closure.has_edge(b, a):
            rate = miss[i, j] if closure.has_edge(a, b) else miss[j, i]
            cost += max(0.0, rate - MAX_MISS) if np.isfinite(rate) else 0.0
        else:
            cost += max(0.0, MAX_MISS - min(rates[i, j], rates[j, i]))
    return cost


def _contradictions(rel: nx.DiGraph, miss: np.ndarray, index: dict[str, int]) -> list[tuple[str, str]]:
    """Pairs the relation implies by transitivity although the miss rate rules them out."""
    return [(u, v) for u, v in nx.transitive_closure_dag(rel).edges
            if not rel.has_edge(u, v) and miss[index[u], index[v]] > CANDIDATE_MISS]


def _repair_transitivity(rel: nx.DiGraph, miss: np.ndarray, index: dict[str, int], banned: set,
                         conflicts: list[dict]) -> None:
    """Flip or drop claims whose transitive consequences the miss rates refute, in place.

    Ancestry is transitive: claims k -> i and i -> j imply k -> j, and a k whose own changes leave j
    still (miss above CANDIDATE_MISS) refutes one of them. Typical cause: a variable whose own changes
    are invisible in its estimate changes only with its parents and so seems to cause their other
    effects. Each round applies the flip or drop of a claim on a refuted path that most lowers the
    disagreement between the closure and all miss rates (`_closure_cost`); never re-adds `banned`
    claims (dropped from cycles) or flips a claim back; stops when nothing is refuted or no move helps.
    """
    flipped: set[tuple[str, str]] = set()
    while refuted := _contradictions(rel, miss, index):
        on_paths = {(u, v) for k, m in refuted for u, v in rel.edges
                    if (u == k or nx.has_path(rel, k, u)) and (v == m or nx.has_path(rel, v, m))}
        best, best_cost = None, _closure_cost(rel, miss, index)
        for u, v in sorted(on_paths):
            moves = [("dropped", None)]
            if (v, u) not in banned and (u, v) not in flipped:
                moves.append(("flipped", (v, u)))
            for action, reverse in moves:
                trial = rel.copy()
                trial.remove_edge(u, v)
                if reverse is not None:
                    trial.add_edge(*reverse, miss=float(miss[index[v], index[u]]))
                    if not nx.is_directed_acyclic_graph(trial):
                        continue
                cost = _closure_cost(trial, miss, index)
                if cost < best_cost - 1e-12:
                    best, best_cost = (action, (u, v), trial), cost
        if best is None:
            break
        action, (u, v), trial = best
        conflicts.append({action: (u, v), "miss": float(miss[index[u], index[v]]), "refuted": refuted})
        if action == "flipped":
            flipped.add((v, u))
        rel.clear_edges()
        rel.add_edges_from(trial.edges(data=True))
