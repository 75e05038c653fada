"""`evaluate`: score a fitted causal model against a scene's ground truth.

Four checks on held-out samples: latent-factor alignment, the graph against the true
graph, interventional means and counterfactual images. Each is a module of its own; this
file draws the samples, runs them in order and gathers the tables.
"""
from __future__ import annotations

import os
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from crl.evaluation.alignment import alignment_table
from crl.evaluation.counterfactual import counterfactual_error
from crl.evaluation.factors import (
    concept_names,
    describe,
    evaluation_seeds,
    factor_map,
    factor_scales,
    is_categorical,
    normalise_interventions,
)
from crl.evaluation.interventional import interventional_error
from crl.evaluation.report import markdown_table, write_report
from crl.exceptions import OutsideDataWarning
from crl.metrics import mcc
from crl.notes import model_notes_of


@dataclass
class EvaluationResult:
    """Tidy tables from `evaluate`, a headline `summary()`, and example images for figures."""

    alignment: pd.DataFrame
    graph: pd.DataFrame
    interventional: pd.DataFrame
    counterfactual: pd.DataFrame
    counterfactual_images: pd.DataFrame
    mcc: float
    examples: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=dict, repr=False)

    def summary(self) -> dict[str, float]:
        """Headline numbers: graph metrics (shd, shd_measured, scm.metrics.edge_metrics' keys), mcc, and mean errors.

        Errors are normalised by each factor's observational std (mismatch rate if categorical). The
        ``_in_support`` errors keep the rows the model judged inside its data (``cf_share_in_support`` of them).
        """
        graph = dict(zip(self.graph["metric"], self.graph["value"]))

        def mean_where(table: pd.DataFrame, column: str, relation: str) -> float:
            if column not in table:  # a table from before the column existed
                return float("nan")
            values = table.loc[table["relation"] == relation, column]
            return float(values.mean()) if len(values) else float("nan")

        return {
            **{k: float(v) for k, v in graph.items() if k not in ("edges_true", "edges_model")},
            "mcc": float(self.mcc),
            "int_error_descendants": mean_where(self.interventional, "abs_error_norm", "descendant"),
            "int_error_nondescendants": mean_where(self.interventional, "abs_error_norm", "non-descendant"),
            "cf_mse": float(self.counterfactual_images["mse"].mean()),
            "cf_ssim": float(self.counterfactual_images["ssim"].mean()),
            "cf_error_intervened": mean_where(self.counterfactual, "error_norm", "intervened"),
            "cf_error_descendants": mean_where(self.counterfactual, "error_norm", "descendant"),
            "cf_error_nondescendants": mean_where(self.counterfactual, "error_norm", "non-descendant"),
            "cf_share_in_support": mean_where(self.counterfactual, "share_in_support", "intervened"),
            **{f"cf_error_{key}_in_support": mean_where(self.counterfactual, "error_norm_in_support", relation)
               for key, relation in (("intervened", "intervened"), ("descendants", "descendant"),
                                     ("nondescendants", "non-descendant"))},
        }

    def to_markdown(self) -> str:
        """The summary and every table as markdown."""
        summary = pd.DataFrame({"metric": list(self.summary()), "value": list(self.summary().values())})
        parts = [("Summary", summary), ("Latent-factor alignment", self.alignment), ("Graph", self.graph),
                 ("Interventional error", self.interventional), ("Counterfactual images", self.counterfactual_images),
                 ("Counterfactual factors (oracle reading)", self.counterfactual)]
        return "\n\n".join(f"### {title}\n\n{markdown_table(table)}" for title, table in parts) + "\n"


def graph_table(g_true: nx.DiGraph, g_est: nx.DiGraph, names: Sequence[str], unmeasured: Sequence[str] | None = None
                ) -> pd.DataFrame:
    """SHD and skeleton / orientation precision, recall, F1 of `g_est` against `g_true`, both restricted to `names`.

    `shd_measured` counts only the pairs of concepts outside `unmeasured`, where discovery made its claims; the
    rest of `shd` lies on pairs with a concept the model found unreadable (or read through others) and left out.
    `unmeasured` None: the concepts `g_est`'s notes list as left out of discovery (`ModelNotes.left_out`).
    """
    from scm.metrics import edge_metrics, shd

    def restricted(graph: nx.DiGraph, nodes: Sequence[str]) -> nx.DiGraph:
        out = nx.DiGraph(graph.subgraph(nodes))
        out.add_nodes_from(nodes)
        return out

    true, est = restricted(g_true, names), restricted(g_est, names)
    left_out = set(model_notes_of(g_est).left_out if unmeasured is None else unmeasured)
    measured = [name for name in names if name not in left_out]
    rows = [("shd", float(shd(true, est))),
            ("shd_measured", float(shd(restricted(g_true, measured), restricted(g_est, measured))))]
    rows += [(k, float(v)) for k, v in edge_metrics(true, est).items() if isinstance(v, (int, float, np.number))]
    rows += [("edges_true", float(true.number_of_edges())), ("edges_model", float(est.number_of_edges()))]
    return pd.DataFrame(rows, columns=["metric", "value"])


def _check_oracle(oracle: Any, names: Sequence[str]) -> None:
    read_names = [s["name"] for s in oracle.specs]
    missing = sorted(set(names) - set(read_names))
    if missing:
        raise ValueError(f"oracle does not read factor(s) {missing}; it reads {read_names}")


def evaluate(model: Any, scene: Any, *, n: int = 500, seed: int = 0,
             do: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
             oracle: Any = None, oracle_options: Mapping[str, Any] | None = None,
             report_dir: str | os.PathLike | None = None,
             report_extra: Mapping[str, Any] | None = None,
             report_figures: Mapping[str, str | os.PathLike] | None = None) -> EvaluationResult:
    """Score `model` against `scene`'s ground truth on `n` held-out samples (default 500).

    `do`: one intervention dict, a list of them, or None for every factor alone at 25/50/75%
    of its range (a grid data set's `default_interventions()`: it has images at its grid values only).
    `oracle`: reads factors from counterfactual images; None loads or trains the cached one
    (`crl.evaluation.oracle.load_or_train(scene, **oracle_options)`). `report_dir`: also write report.md
    and figures there, with `report_extra` (name -> value) listed under the run details and
    `report_figures` (name -> PNG) added. `seed` draws the samples on a stream separate from training seeds.
    An `crl.ObjectModel` is scored by `crl.objects.evaluate.evaluate_objects` (`do`: scene-factor interventions).
    """
    from crl.objects.model import ObjectModel

    if isinstance(model, ObjectModel):
        from crl.objects.evaluate import evaluate_objects

        return evaluate_objects(model, scene, n=n, seed=seed, report_dir=report_dir,  # type: ignore[return-value]
                                do=None if do is None else [do] if isinstance(do, Mapping) else do)
    if isinstance(n, bool) or int(n) != n or n < 2:
        raise ValueError(f"n must be an integer >= 2; got {n!r}")
    definitions = factor_map(scene)
    missing = sorted(set(definitions) - set(concept_names(model)))
    if missing:
        raise ValueError(f"the model has no concept named {missing}; evaluation matches concepts to the scene's "
                         f"factors {list(definitions)} by name (fit the model with labels naming them)")
    if do is None and hasattr(scene, "default_interventions"):
        do = scene.default_interventions()
    interventions = normalise_interventions(do, definitions)
    if oracle is not None:
        _check_oracle(oracle, list(definitions))

    seeds = evaluation_seeds(seed, 1 + len(interventions))
    sample = scene.sample(n, seed=seeds[0])
    scales = factor_scales(sample.factors, definitions)
    latents = model.encode(sample.images)
    alignment = alignment_table(latents, sample.factors, definitions)
    continuous = [name for name, f in definitions.items() if not is_categorical(f)]
    overall_mcc = mcc(latents[continuous], sample.factors[continuous]) if continuous else float("nan")
    graph = graph_table(scene.graph, model.graph, list(definitions))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OutsideDataWarning)  # the counterfactual table's share_in_support says it
        interventional = interventional_error(model, scene, interventions, definitions, scales, n, seeds[1:])
        if oracle is None:
            from crl.evaluation.oracle import load_or_train

            oracle = load_or_train(scene, **dict(oracle_options or {}))
            _check_oracle(oracle, list(definitions))
        cf = counterfactual_error(model, scene, sample, interventions, oracle, definitions, scales)
        result = EvaluationResult(alignment, graph, interventional, cf.factors, cf.images, overall_mcc, cf.examples)
        if report_dir is not None:
            _write_report(result, model, scene, latents, interventions, oracle, Path(report_dir), n, seed,
                          dict(report_extra or {}), dict(report_figures or {}))
    return result


def _write_report(result: EvaluationResult, model: Any, scene: Any, latents: pd.DataFrame,
                  interventions: list[dict[str, Any]], oracle: Any, folder: Path, n: int, seed: int,
                  extra: dict[str, Any], more_figures: dict[str, Any]) -> None:
    """Draw the figures into `folder`/figures and write `folder`/report.md.

    One counterfactual grid per intervened factor set, at its middle value (the range's median by default).
    """
    from crl import plots

    figures = {"graph": plots.graph_comparison(scene.graph, model.graph, folder / "figures" / "graph.png")}
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for do in interventions:
        groups.setdefault(tuple(sorted(do)), []).append(do)
    for i, group in enumerate(groups.values()):
        label = describe(group[len(group) // 2])
        figures[f"counterfactual {label}"] = plots.counterfactual_grid(
            *result.examples[label], folder / "figures" / f"counterfactual_{i}.png", title=label)
    names = list(factor_map(scene))
    figures["latent traversals"] = plots.latent_traversals(model.decode, latents, names,
                                                           folder / "figures" / "traversals.png")
    figures.update(more_figures)
    notes = model_notes_of(model.graph)
    if notes.concept_fit:
        extra["concept fit on held-out labelled images (R^2 on absolute errors, or kappa for a category; 1 exact, "
              "0 chance)"] = ", ".join(f"{k}: {v:.2f}" for k, v in notes.concept_fit.items())
    if notes.readback:
        extra["concept read-back (share of an asked change its images carry; under 0.5: do() on it alone barely "
              "shows)"] = ", ".join(f"{k}: {v:.2f}" for k, v in notes.readback.items())
    extra = {**extra, "samples": n, "seed": seed,
             "oracle held-out score (R^2 or accuracy)": ", ".join(f"{k}: {v:.3f}" for k, v in
                                                                  oracle.holdout_score.items())}
    write_report(result, folder, figures, extra, learned_graph=model.graph, true_graph=scene.graph)
