"""The generality suite's arithmetic: one fitted model on one scene as a flat row, and the spread over scenes.

`scene_scores` reads `evaluate`'s result and the model's notes into plain numbers (SHD, SID, MCC,
read-back, errors in factor stds by relation to the intervened factor) and the details a reader needs
to see why a scene failed (wrong edges, weak concepts). `distribution` is a pure function over such
rows: medians, 90th percentiles and the shares of scenes with SHD 0 and SHD <= 1.
benchmarks/generality.py runs both over random scenes.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import networkx as nx
import numpy as np

from crl.evaluation.evaluate import EvaluationResult
from crl.notes import model_notes_of
from crl.thresholds import MIN_CARRIED
from scm.metrics import sid

# Per scene, the numbers `scene_scores` returns, in table order. Errors are in factor stds; the interventional
# table has no "intervened" entry (do() sets the concept exactly), so it is split into the other two relations.
SCORE_COLUMNS = ("K", "shd", "shd_measured", "sid", "mcc", "readback_min", "concept_fit_min",
                 "int_descendants", "int_nondescendants",
                 "cf_intervened", "cf_descendants", "cf_nondescendants", "cf_floor_intervened", "oracle_min",
                 "cf_share_in_support", "cf_intervened_in_support", "cf_descendants_in_support",
                 "cf_nondescendants_in_support")
# The spread over scenes: `distribution` gives the median and 90th percentile of each.
SPREAD_COLUMNS = ("shd", "cf_intervened", "cf_descendants", "cf_nondescendants", "cf_share_in_support",
                  "cf_intervened_in_support", "cf_descendants_in_support", "cf_nondescendants_in_support")
_SUMMARY_KEYS = {"shd": "shd", "shd_measured": "shd_measured", "mcc": "mcc",
                 "int_descendants": "int_error_descendants", "int_nondescendants": "int_error_nondescendants",
                 "cf_intervened": "cf_error_intervened", "cf_descendants": "cf_error_descendants",
                 "cf_nondescendants": "cf_error_nondescendants", "cf_share_in_support": "cf_share_in_support",
                 **{f"cf_{key}_in_support": f"cf_error_{key}_in_support"
                    for key in ("intervened", "descendants", "nondescendants")}}


def _arrow(edge: tuple[Any, Any]) -> str:
    return f"{edge[0]}->{edge[1]}"


def edge_changes(true: nx.DiGraph, learned: nx.DiGraph) -> dict[str, list[str]]:
    """The learned graph's mistakes as "a->b" strings; pure function.

    Returns
    -------
    dict
        ``extra`` (learned, in neither direction true), ``extra_from_roots`` (those leaving a root of `true`),
        ``reversed`` (learned a->b where b->a is true and a->b is not), ``missing`` (true, in neither
        direction learned).
    """
    extra = [e for e in learned.edges if not true.has_edge(*e) and not true.has_edge(e[1], e[0])]
    reverse = [e for e in learned.edges if true.has_edge(e[1], e[0]) and not true.has_edge(*e)]
    missing = [e for e in true.edges if not learned.has_edge(*e) and not learned.has_edge(e[1], e[0])]
    roots = {n for n in true.nodes if true.in_degree(n) == 0}
    return {"extra": sorted(map(_arrow, extra)), "extra_from_roots": sorted(_arrow(e) for e in extra if e[0] in roots),
            "reversed": sorted(map(_arrow, reverse)), "missing": sorted(map(_arrow, missing))}


def _on_nodes(graph: nx.DiGraph, nodes: Sequence[Any]) -> nx.DiGraph:
    out = nx.DiGraph(graph.subgraph(nodes))
    out.add_nodes_from(nodes)
    return out


def _smallest(values: Mapping[str, float]) -> float:
    return float(min(values.values())) if values else float("nan")


def _mean_by_variable(table: Any, relation: str, column: str) -> dict[str, float]:
    rows = table[table["relation"] == relation]
    return {str(k): round(float(v), 4) for k, v in rows.groupby("variable")[column].mean().items()}


def scene_scores(model: Any, scene: Any, result: EvaluationResult, oracle: Any = None) -> dict[str, Any]:
    """One fitted model on one scene as a flat dict: `SCORE_COLUMNS`, then details of what went wrong.

    Parameters
    ----------
    model : CausalModel
        Fitted on `scene`'s images, with labels naming every factor.
    scene : crl scene
        The scene `result` was computed on.
    result : EvaluationResult
        ``crl.evaluate(model, scene, ...)``.
    oracle : Oracle, optional
        The oracle `result` read counterfactuals with; gives ``oracle_min`` (its smallest held-out score).

    Returns
    -------
    dict
        SID is taken on ``model.dag_`` (every edge oriented, what the SCM follows), SHD on ``model.graph``.
        Details: ``edges_true``, ``edges_model``, `edge_changes`' lists, ``readback`` and ``concept_fit`` per
        concept, ``weak_readback`` (concepts under `crl.thresholds.MIN_CARRIED`), ``left_out`` (concepts
        discovery made no claim about), ``refuted`` (edges the labelled rows refuted), ``selected_step`` (the
        encoder step kept), ``cf_by_intervened`` (counterfactual error of each factor when it is
        the one intervened on).
    """
    names = [f.name for f in scene.factors]
    summary = result.summary()
    notes = model_notes_of(model.graph)
    dag = _on_nodes(getattr(model, "dag_", model.graph), names)
    floor = result.counterfactual.loc[result.counterfactual["relation"] == "intervened", "oracle_floor_norm"]
    scores: dict[str, Any] = {"K": len(names), **{k: summary[v] for k, v in _SUMMARY_KEYS.items()},
                              "sid": sid(_on_nodes(scene.graph, names), dag),
                              "readback_min": _smallest(notes.readback), "concept_fit_min": _smallest(notes.concept_fit),
                              "cf_floor_intervened": float(floor.mean()) if len(floor) else float("nan"),
                              "oracle_min": _smallest(oracle.holdout_score) if oracle is not None else float("nan")}
    scores["shd"], scores["shd_measured"] = int(scores["shd"]), int(scores["shd_measured"])
    details = {"edges_true": sorted(map(_arrow, scene.graph.edges)), "edges_model": sorted(map(_arrow, model.graph.edges)),
               **edge_changes(scene.graph, model.graph),
               "readback": {k: round(float(v), 3) for k, v in notes.readback.items()},
               "concept_fit": {k: round(float(v), 3) for k, v in notes.concept_fit.items()},
               "weak_readback": sorted(k for k, v in notes.readback.items() if v < MIN_CARRIED),
               "left_out": sorted(map(str, notes.left_out)), "refuted": sorted(notes.refuted),
               "selected_step": notes.training.get("selected_step"),
               "cf_by_intervened": _mean_by_variable(result.counterfactual, "intervened", "error_norm")}
    return {**{k: scores[k] for k in SCORE_COLUMNS}, **details}


def _finite(rows: Sequence[Mapping[str, Any]], column: str) -> np.ndarray:
    values = np.array([np.nan if row.get(column) is None else float(row[column]) for row in rows], dtype=float)
    return values[np.isfinite(values)]


def distribution(rows: Sequence[Mapping[str, Any]]) -> dict[str, float]:
    """The spread of scene rows; pure function.

    Median and 90th percentile (numpy's linear interpolation) of each of `SPREAD_COLUMNS` over the rows where
    it is finite (a scene without edges has no descendants), NaN where none is; ``share_shd_0`` and
    ``share_shd_le_1`` over all rows; ``scenes``, the number of rows.
    """
    out: dict[str, float] = {"scenes": float(len(rows))}
    for column in SPREAD_COLUMNS:
        values = _finite(rows, column)
        out[f"{column}_median"] = float(np.median(values)) if len(values) else float("nan")
        out[f"{column}_p90"] = float(np.percentile(values, 90)) if len(values) else float("nan")
    shd = np.array([float(row["shd"]) for row in rows])
    out["share_shd_0"] = float(np.mean(shd == 0)) if len(rows) else float("nan")
    out["share_shd_le_1"] = float(np.mean(shd <= 1)) if len(rows) else float("nan")
    return out
