"""`discover`: one entry point for causal discovery over a table, whatever the method.

Which method for learned latents? Prefer a scale-invariant one (`pc`, `boss`, `grasp`,
`ges`). Continuous-optimisation methods (`notears`, `dagma`, and the `sortnregress`
baseline) exploit marginal variances that grow along the causal order in simulated data
(Reisach et al. 2021, "Beware of the simulated DAG!"); learned latents have arbitrary
scales, and standardising removes the pattern these methods lean on. The diagnostics in
``scm.notes_of(g).diagnostics`` (variances and R^2 of each column from all others) let
a user see whether such a pattern is present.
"""
from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from scm.device import choose_device
from scm.discovery.causallearn_methods import boss, ges, grasp, lingam, pc
from scm.discovery.dagma import dagma
from scm.discovery.notears import notears
from scm.discovery.notears_mlp import notears_mlp
from scm.discovery.sortnregress import sortnregress
from scm.knowledge import make_knowledge
from scm.notes import notes_of
from scm.sortability import r2_scores
from scm.tables import validate_table

METHODS: dict[str, Callable[..., nx.DiGraph]] = {
    "pc": pc,
    "ges": ges,
    "boss": boss,
    "grasp": grasp,
    "lingam": lingam,
    "notears": notears,
    "notears-mlp": notears_mlp,
    "dagma": dagma,
    "sortnregress": sortnregress,
}


def method_options(method: str) -> list[str]:
    """Names of the keyword options that `method` accepts."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {sorted(METHODS)}")
    params = inspect.signature(METHODS[method]).parameters.values()
    return [p.name for p in params if p.kind is inspect.Parameter.KEYWORD_ONLY]


def diagnostics(values: np.ndarray, names: Sequence[str]) -> dict[str, dict[str, float]]:
    """Variance of each column and R^2 of predicting it linearly from all other columns.

    Variances that grow along a candidate order, or R^2 close to 1, are the scale patterns
    that variance/R^2-sortable benchmarks reward (Reisach et al. 2021, 2023).
    """
    r2 = r2_scores(values) if values.shape[1] > 1 else np.zeros(1)
    variance = values.var(axis=0)
    return {"variance": dict(zip(names, map(float, variance))), "r2": dict(zip(names, map(float, r2)))}


def run_method(method: str, values: np.ndarray, names: Sequence[str], knowledge, options: dict[str, Any]) -> nx.DiGraph:
    """Call METHODS[method] on validated inputs, passing only options it accepts."""
    accepted = method_options(method)
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        raise ValueError(f"method {method!r} does not accept option(s) {unknown}; it accepts {accepted}")
    return METHODS[method](values, list(names), knowledge, **options)


def prepare_options(method: str, values: np.ndarray, names: list[str], *, alpha: float | None,
                    indep_test: str | None, required: Iterable | None, forbidden: Iterable | None,
                    tiers: Sequence[Sequence] | None, seed: int, device: str, options: dict[str, Any]):
    """Validate the method name, knowledge and options; return (knowledge, options)."""
    accepted = method_options(method)
    knowledge = make_knowledge(names, required, forbidden, tiers)
    opts = dict(options)
    for key, value in (("alpha", alpha), ("indep_test", indep_test)):
        if value is not None:
            opts[key] = value
    if "seed" in accepted:
        opts.setdefault("seed", seed)
    if "device" in accepted:
        opts["device"] = choose_device(device)
    return knowledge, opts


def discover(data: pd.DataFrame | np.ndarray, method: str = "pc", *, alpha: float | None = None,
             indep_test: str | None = None, required: Iterable | None = None, forbidden: Iterable | None = None,
             tiers: Sequence[Sequence] | None = None, seed: int = 0, device: str = "auto",
             **options: Any) -> nx.DiGraph:
    """Learn a causal graph over the columns of `data` with `method`.

    Parameters
    ----------
    data : DataFrame or array (n_rows, n_columns)
        Observations, one column per variable (arrays get columns x0..x{d-1}).
    method : str
        One of `METHODS`: "pc", "ges", "boss", "grasp" return a CPDAG (undirected edges marked
        ``undirected=True``, never oriented silently); "lingam", "notears", "notears-mlp", "dagma",
        "sortnregress" return a DAG with edge `weight`.
    alpha, indep_test : optional
        PC's level (default `scm.thresholds.PC_ALPHA`) and test ("fisherz", "kci", "chisq", "gsq").
    required, forbidden : iterable of (cause, effect), optional
        Background knowledge on single edges.
    tiers : list of lists, optional
        Later tiers cannot cause earlier ones.
    seed : int
        Reaches the methods that draw random numbers (boss, grasp, lingam, notears-mlp).
    device : str
        Torch device of notears, notears-mlp and dagma ("auto": CUDA if present).
    **options
        Other options of the method.

    Returns
    -------
    networkx.DiGraph
        Every edge has a `confidence` (NaN: the method gives none); ``scm.notes_of(g)`` holds the
        method, its settings (with ``n_samples`` and the knowledge), and the scale diagnostics.
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {sorted(METHODS)}")
    frame = validate_table(data)
    if len(frame) < frame.shape[1] + 2:  # a partial correlation given the d - 2 other columns needs d + 2 rows
        raise ValueError(f"data has {len(frame)} rows but discovery needs at least {frame.shape[1] + 2} "
                         f"({frame.shape[1]} columns)")
    names = list(frame.columns)
    values = frame.to_numpy()
    knowledge, opts = prepare_options(method, values, names, alpha=alpha, indep_test=indep_test,
                                      required=required, forbidden=forbidden, tiers=tiers, seed=seed,
                                      device=device, options=options)
    g = run_method(method, values, names, knowledge, opts)
    notes = notes_of(g)
    notes.settings["n_samples"] = values.shape[0]
    if not knowledge.empty:
        notes.settings["knowledge"] = {"required": sorted(knowledge.required), "forbidden": sorted(knowledge.forbidden),
                                       "tiers": [list(t) for t in knowledge.tiers]}
    notes.diagnostics.update(diagnostics(values, names))
    for u, v in g.edges:
        g.edges[u, v].setdefault("confidence", float("nan"))
    return g
