"""PC, GES, BOSS, GRaSP and DirectLiNGAM: thin wrappers over causal-learn.

Each takes a float array, its column names and validated Knowledge and returns our graph
(scm.graph convention). PC/GES/BOSS/GRaSP return the CPDAG as causal-learn reports it,
undirected edges marked, never oriented here. Background knowledge: PC takes it natively;
DirectLiNGAM takes tiers (as its prior-knowledge matrix); GES, BOSS and GRaSP in causal-learn
accept none, so passing knowledge to them raises rather than being ignored.
"""
from __future__ import annotations

import contextlib
import random
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import networkx as nx
import numpy as np

from scm.graph import from_causallearn
from scm.knowledge import Knowledge
from scm.notes import DiscoveryNotes
from scm.thresholds import LINGAM_THRESHOLD, PC_ALPHA

CI_TESTS = ("fisherz", "kci", "chisq", "gsq")
SCORES = ("local_score_BIC", "local_score_BIC_from_cov", "local_score_BDeu")


def _refuse_knowledge(method: str, knowledge: Knowledge | None) -> None:
    if knowledge is not None and not knowledge.empty:
        raise ValueError(f"method {method!r} accepts no background knowledge in causal-learn; "
                         "use method='pc' (required/forbidden/tiers) or a continuous method")


def _check_score(score: str) -> None:
    if score not in SCORES:
        raise ValueError(f"score must be one of {SCORES}; got {score!r}")


@contextlib.contextmanager
def _python_random(seed: int) -> Iterator[None]:
    """Seed Python's `random` (BOSS/GRaSP shuffle with it) and restore its state afterwards."""
    state = random.getstate()
    random.seed(seed)
    try:
        yield
    finally:
        random.setstate(state)


def _score_search(search: Callable[[], Any], names: Sequence[str]) -> nx.DiGraph:
    """Our graph for the causal-learn graph `search()` returns; a single column, which has no edge to
    find, skips the search (causal-learn's score searches fail on one variable)."""
    if len(names) == 1:
        g = nx.DiGraph()
        g.add_nodes_from(names)
        return g
    return from_causallearn(search(), names)


def pc(values: np.ndarray, names: Sequence[str], knowledge: Knowledge | None = None, *,
       alpha: float = PC_ALPHA, indep_test: str = "fisherz", stable: bool = True) -> nx.DiGraph:
    """PC (Spirtes & Glymour) via causal-learn: alpha 0.05, Fisher-z test, order-independent.

    Knowledge goes to causal-learn, which removes forbidden adjacencies and orients required
    edges it keeps; a required edge whose endpoints tested independent is added afterwards
    and listed in the notes' ``diagnostics["required_added"]``.
    """
    from causallearn.graph.GraphNode import GraphNode
    from causallearn.search.ConstraintBased.PC import pc as cl_pc

    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1); got {alpha}")
    if indep_test not in CI_TESTS:
        raise ValueError(f"indep_test must be one of {CI_TESTS}; got {indep_test!r}")
    bk = None
    if knowledge is not None and not knowledge.empty:
        bk = knowledge.to_causallearn([GraphNode(n) for n in names])
    result = cl_pc(values, alpha, indep_test, stable, background_knowledge=bk,
                   show_progress=False, node_names=list(names))
    g = from_causallearn(result.G, names)
    notes = g.graph["notes"] = DiscoveryNotes("pc", {"alpha": alpha, "indep_test": indep_test, "stable": stable})
    added = [(u, v) for u, v in sorted(knowledge.required) if not g.has_edge(u, v)] if knowledge else []
    for u, v in added:
        g.add_edge(u, v)
    if added:
        notes.diagnostics["required_added"] = added
    return g


def ges(values: np.ndarray, names: Sequence[str], knowledge: Knowledge | None = None, *,
        score: str = "local_score_BIC", max_parents: int | None = None) -> nx.DiGraph:
    """GES (Chickering 2002) via causal-learn with its linear-Gaussian BIC score."""
    from causallearn.search.ScoreBased.GES import ges as cl_ges

    _refuse_knowledge("ges", knowledge)
    _check_score(score)
    g = _score_search(lambda: cl_ges(values, score_func=score, maxP=max_parents, node_names=list(names))["G"], names)
    g.graph["notes"] = DiscoveryNotes("ges", {"score": score, "max_parents": max_parents})
    return g


def boss(values: np.ndarray, names: Sequence[str], knowledge: Knowledge | None = None, *,
         score: str = "local_score_BIC_from_cov", seed: int = 0) -> nx.DiGraph:
    """BOSS (Andrews et al. 2023), causal-learn's permutation search; returns a CPDAG."""
    from causallearn.search.PermutationBased.BOSS import boss as cl_boss

    _refuse_knowledge("boss", knowledge)
    _check_score(score)
    with _python_random(seed):
        g = _score_search(lambda: cl_boss(values, score_func=score, verbose=False, node_names=list(names)), names)
    g.graph["notes"] = DiscoveryNotes("boss", {"score": score, "seed": seed})
    return g


def grasp(values: np.ndarray, names: Sequence[str], knowledge: Knowledge | None = None, *,
          score: str = "local_score_BIC_from_cov", depth: int = 3, seed: int = 0) -> nx.DiGraph:
    """GRaSP (Lam et al. 2022), causal-learn's permutation search, DFS depth 3; a CPDAG."""
    from causallearn.search.PermutationBased.GRaSP import grasp as cl_grasp

    _refuse_knowledge("grasp", knowledge)
    _check_score(score)
    with _python_random(seed):
        g = _score_search(lambda: cl_grasp(values, score_func=score, depth=depth, verbose=False, node_names=list(names)),
                          names)
    g.graph["notes"] = DiscoveryNotes("grasp", {"score": score, "depth": depth, "seed": seed})
    return g


def lingam(values: np.ndarray, names: Sequence[str], knowledge: Knowledge | None = None, *,
           w_threshold: float = LINGAM_THRESHOLD, seed: int = 0) -> nx.DiGraph:
    """DirectLiNGAM (Shimizu et al. 2011) via causal-learn; a DAG with `weight` per edge.

    Needs non-Gaussian noise. After causal-learn's adaptive-lasso pruning, an edge is kept
    when its standardised coefficient |b| * sd(cause) / sd(effect) is >= `w_threshold`
    (default 0.05), which does not depend on the units of the columns. Tiers are passed as
    prior knowledge; required/forbidden edges raise (LiNGAM's prior is about paths).
    The notes' ``causal_order`` holds the estimated causal order (first = most upstream).
    """
    from causallearn.search.FCMBased.lingam import DirectLiNGAM

    if w_threshold < 0:
        raise ValueError(f"w_threshold must be >= 0; got {w_threshold}")
    prior = None
    if knowledge is not None and not knowledge.empty:
        if knowledge.required or knowledge.forbidden != knowledge.tier_pairs():
            raise ValueError("method 'lingam' accepts tiers only (its prior knowledge constrains paths, "
                             "not single edges); use method='pc' or a continuous method for edge lists")
        prior = knowledge.lingam_prior()
    model = DirectLiNGAM(random_state=seed, prior_knowledge=prior)
    model.fit(values)
    coef = np.asarray(model.adjacency_matrix_).T  # causal-learn: B[i, j] is the effect of j on i
    sd = values.std(axis=0)
    standardised = np.abs(coef) * sd[:, None] / sd[None, :]
    coef = np.where(standardised >= w_threshold, coef, 0.0)
    g = nx.DiGraph()
    g.add_nodes_from(names)
    for i, j in zip(*np.nonzero(coef)):
        g.add_edge(names[i], names[j], weight=float(coef[i, j]))
    g.graph["notes"] = DiscoveryNotes("lingam", {"w_threshold": w_threshold, "seed": seed},
                                      causal_order=[names[k] for k in model.causal_order_])
    return g

