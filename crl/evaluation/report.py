"""Write an evaluation report folder: report.md with the summary, the tables and linked figures.

Tables are rendered by a small formatter here (no `tabulate` dependency). Figures that live
outside the folder are copied into `figures/` so the folder is self-contained; every file
is written atomically.
"""
from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

import networkx as nx
import numpy as np
import pandas as pd

from crl.concepts import unmeasured_cause
from crl.notes import model_notes_of
from encoders.atomic import atomic_path, atomic_write_text
from scm.notes import PairEvidence


class Tabulated(Protocol):
    """What a report is written from: results that render themselves as markdown (`crl.evaluation.EvaluationResult`)."""

    def to_markdown(self) -> str:
        """The summary and every table as markdown."""


def _cell(value: Any, floatfmt: str) -> str:
    if isinstance(value, (float, np.floating)):
        return "" if np.isnan(value) else format(float(value), floatfmt)
    return str(value).replace("|", "\\|").replace("\n", " ")


def markdown_table(df: pd.DataFrame, floatfmt: str = ".4g") -> str:
    """A GitHub-flavoured markdown table of `df` (index dropped, floats as `floatfmt`, NaN blank)."""
    header = "| " + " | ".join(_cell(c, floatfmt) for c in df.columns) + " |"
    rule = "|" + "|".join("---:" if pd.api.types.is_numeric_dtype(df[c]) else "---" for c in df.columns) + "|"
    body = ["| " + " | ".join(_cell(v, floatfmt) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join([header, rule, *body])


def _by_name(edge: tuple) -> tuple[str, str]:
    return str(edge[0]), str(edge[1])


def learned_edges_table(graph: nx.DiGraph, truth: nx.DiGraph | None = None) -> pd.DataFrame:
    """The model's edges, one row each (an undirected edge once), with `confidence` and
    `bootstrap_frequency` (blank where not computed); given the true graph, each row says whether
    the edge is true, reversed or absent there, and true edges the model lacks are added as missed."""
    rows, listed = [], set()
    for u, v, attributes in sorted(graph.edges(data=True), key=_by_name):
        undirected = graph.has_edge(v, u)
        if undirected and (v, u) in listed:
            continue
        listed.add((u, v))
        row = {"edge": f"{u} -- {v}" if undirected else f"{u} -> {v}",
               "confidence": float(attributes.get("confidence", np.nan)),
               "bootstrap_frequency": float(attributes.get("bootstrap_frequency", np.nan))}
        if truth is not None:
            adjacent = truth.has_edge(u, v) or truth.has_edge(v, u)
            row["in_true_graph"] = ("absent" if not adjacent else "adjacent" if undirected
                                    else "true" if truth.has_edge(u, v) else "reversed")
        rows.append(row)
    if truth is not None:
        for u, v in sorted(truth.edges, key=_by_name):
            if not graph.has_edge(u, v) and not graph.has_edge(v, u):
                rows.append({"edge": f"{u} -> {v}", "confidence": np.nan, "bootstrap_frequency": np.nan,
                             "in_true_graph": "missed"})
    columns = ["edge", "confidence", "bootstrap_frequency"] + (["in_true_graph"] if truth is not None else [])
    return pd.DataFrame(rows, columns=columns)


def discovery_caveats(graph: nx.DiGraph) -> list[str]:
    """What discovery flagged that the graph alone does not show, one line each, read from the graph's notes
    (`crl.notes.model_notes_of`).

    Concepts the encoder could not read or reads through others, columns whose variation the pairs do
    not show, edges dropped as unstable, possible parents the pairs could not settle, claims dropped to
    break cycles, and implied ancestries the pairs contradict.

    Parameters
    ----------
    graph : networkx.DiGraph
        A model's graph, or any graph from `scm` discovery.

    Returns
    -------
    list of str
    """
    notes = model_notes_of(graph)
    method = notes.unseen_method or "an observational method"
    fit, trained = notes.concept_fit, notes.concept_fit_trained
    lines = [f"{name}: read poorly from images whose labels the encoder never saw (fit {fit.get(name, float('nan')):.2f}; "
             "1 exact, 0 chance); no edges are claimed for it"
             + (f"; {unmeasured_cause(trained[name])}" if name in trained else "")
             for name in notes.unmeasured]
    lines += [f"{name}: its reading follows {', '.join(map(str, found['through']))}, which are not its causes "
              f"({found['share']:.0%} of its variance beyond its own label), so the encoder infers it from them rather "
              "than seeing it; no edges are claimed for it"
              for name, found in notes.read_through.items()]
    lines += [f"{name}: the pairs do not show its own variation; its edges come from {method}" for name in notes.unseen]
    lines += [f"{u} -> {v}: found by {method} for an unseen column, but in under half of the bootstrap resamples "
              "(left out of the graph)" for u, v in notes.unstable]
    for u, v in notes.undecided:
        kept = "kept, marked undecided" if graph.has_edge(u, v) else "left out of the graph"
        lines.append(f"{u} -> {v}: a possible direct parent the pairs could not settle ({kept})")
    lines += [f"{edge.replace('->', ' -> ')}: found by discovery, but the labelled rows give no evidence for it "
              f"(p = {found['p_value']:.2g} over {found['rows']} rows; left out of the graph)"
              for edge, found in notes.refuted.items()]
    return lines + _pair_caveats(notes.pairs)


def _pair_caveats(pairs: PairEvidence | None) -> list[str]:
    """The pair route's ancestry claims dropped to break cycles, and implied ancestries its pairs contradict."""
    if pairs is None:
        return []
    lines = []
    for conflict in pairs.conflicts:
        u, v = conflict["dropped"]
        lines.append(f"{u} is an ancestor of {v}: claimed by the pairs but dropped to break the cycle "
                     f"{' -> '.join(map(str, conflict['cycle']))}")
    for refuted in pairs.refuted:
        k, j = refuted["pair"]
        lines.append(f"{k} is an ancestor of {j} by the path {' -> '.join(map(str, refuted['path']))}, yet {k}'s "
                     f"own changes left {j} still in {refuted['miss']:.0%} of pairs: a claim on that path may be "
                     "wrong, or the effect is hidden")
    return lines


def _place(figure: Path, folder: Path) -> Path:
    """The figure's path relative to `folder`, copying it into folder/figures when it lies outside."""
    figure = figure.resolve()
    try:
        return figure.relative_to(folder.resolve())
    except ValueError:
        target = folder / "figures" / figure.name
        with atomic_path(target) as tmp:
            shutil.copyfile(figure, tmp)
        return target.relative_to(folder)


def write_report(result: Tabulated, folder: str | os.PathLike,
                 figures: Mapping[str, str | os.PathLike] | None = None,
                 extra: Mapping[str, Any] | None = None, learned_graph: nx.DiGraph | None = None,
                 true_graph: nx.DiGraph | None = None) -> Path:
    """Write `folder`/report.md: run details (`extra`), the evaluation tables, the model's edges
    and discovery's caveats (`learned_graph`, scored against `true_graph`) and the `figures` (name -> PNG)."""
    folder = Path(folder)
    figures = dict(figures or {})
    absent = [f"{name}: {path}" for name, path in figures.items() if not Path(path).is_file()]
    if absent:
        raise ValueError(f"figures must name existing image files; missing: {absent}")
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["# crl evaluation report", ""]
    if extra:
        lines += ["## Run", "", *(f"- **{k}**: {v}" for k, v in extra.items()), ""]
    lines += ["## Results", "", "Errors marked `_norm` are divided by the factor's observational std "
              "(categorical: mismatch rate); `se` is the sampling standard error of a mean difference.", "",
              result.to_markdown()]
    if learned_graph is not None:
        caveats = discovery_caveats(learned_graph)
        lines += ["## Learned edges", "", markdown_table(learned_edges_table(learned_graph, true_graph)), "",
                  *(["What discovery could not settle:", "", *(f"- {line}" for line in caveats), ""] if caveats else [])]
    if figures:
        lines += ["## Figures", ""]
        for name, path in figures.items():
            link = _place(Path(path), folder).as_posix()
            lines += [f"### {name}", "", f"![{name}]({link})", ""]
    target = folder / "report.md"
    atomic_write_text(target, "\n".join(lines))
    return target
