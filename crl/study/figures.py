"""The figures of a study's report, one PNG each, drawn with matplotlib alone (`crl.plots.save_figure`).

Each function takes the finished trials and the columns to show, draws on its own Figure and returns the
path it wrote; the numbers come from `crl.study.analysis`.
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from crl.plots import save_figure
from crl.study.analysis import SOURCES, rank_correlation, regularisation_column, step_curves, variance_shares

PANEL = 2.6  # inches per panel side
SOURCE_COLOURS = {"data": "#868e96", "objective": "#1c7ed6", "hyperparameters": "#f59f00", "seed": "#e03131"}


def short(column: str) -> str:
    """A score column without its family prefix, for axis labels."""
    return column.split(".", 1)[1] if "." in column else column


def _grid(rows: int, cols: int) -> tuple[Figure, np.ndarray]:
    fig = Figure(figsize=(PANEL * cols + 1, PANEL * rows + 0.5))
    axes = np.atleast_2d(fig.subplots(rows, cols, squeeze=False))
    return fig, axes


def _finish(fig: Figure, title: str, path: str | os.PathLike) -> Path:
    """Title the figure above its panels, lay them out, and write it."""
    fig.suptitle(title)
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    return save_figure(fig, path)


def correlation_matrix(table: pd.DataFrame, columns: Sequence[str], path: str | os.PathLike) -> Path:
    """The Spearman rank-correlation matrix between all score `columns`, each cell written in."""
    matrix = rank_correlation(table, columns)
    size = 0.55 * len(columns) + 2.5
    fig = Figure(figsize=(size + 1, size))
    ax = fig.subplots()
    image = ax.imshow(matrix.to_numpy(dtype=float), cmap="RdBu", vmin=-1, vmax=1)
    labels = [short(c) for c in columns]
    ax.set_xticks(range(len(columns)), labels, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(len(columns)), labels, fontsize=8)
    for (i, j), value in np.ndenumerate(matrix.to_numpy(dtype=float)):
        if np.isfinite(value):
            ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=6,
                    color="white" if abs(value) > 0.6 else "black")
    fig.colorbar(image, ax=ax, shrink=0.8, label="Spearman rank correlation")
    ax.set_title("Rank correlation between scores over all trained models")
    return save_figure(fig, path)


def violins(table: pd.DataFrame, columns: Sequence[str], path: str | os.PathLike) -> Path:
    """A violin of each score per objective (the spread over hyperparameters and seeds), one panel per score x data."""
    datas = sorted(table["data"].astype(str).unique())
    objectives = list(dict.fromkeys(table["objective"].astype(str)))
    fig, axes = _grid(len(columns), len(datas))
    for r, column in enumerate(columns):
        for c, data in enumerate(datas):
            ax: Axes = axes[r, c]
            rows = table[table["data"].astype(str) == data]
            groups = [pd.to_numeric(rows.loc[rows["objective"] == o, column], errors="coerce").dropna().to_numpy()
                      for o in objectives]
            shown = [(i, g) for i, g in enumerate(groups) if len(g)]
            if shown:
                many = [(i, g) for i, g in shown if len(g) > 1 and np.ptp(g) > 0]
                if many:
                    ax.violinplot([g for _, g in many], positions=[i for i, _ in many], showmedians=True)
                for i, g in shown:
                    ax.scatter(np.full(len(g), i), g, s=8, color="black", zorder=3)
            ax.set_xticks(range(len(objectives)), objectives, rotation=45, ha="right", fontsize=7)
            ax.set_ylabel(short(column), fontsize=8)
            if r == 0:
                ax.set_title(data, fontsize=9)
    return _finish(fig, "Each score per objective: the spread over hyperparameters and seeds", path)


def regularisation(table: pd.DataFrame, columns: Sequence[str], path: str | os.PathLike) -> Path | None:
    """Each score against each objective's regularisation strength (dots: seeds; line: median per value)."""
    found = [(o, regularisation_column(table, o)) for o in dict.fromkeys(table["objective"].astype(str))]
    varied = [(o, hp) for o, hp in found if hp is not None]
    if not varied:
        return None
    fig, axes = _grid(len(columns), len(varied))
    for c, (objective, hp) in enumerate(varied):
        rows = table[table["objective"] == objective]
        for r, column in enumerate(columns):
            ax: Axes = axes[r, c]
            for data, group in rows.groupby("data"):
                x = pd.to_numeric(group[hp], errors="coerce")
                y = pd.to_numeric(group[column], errors="coerce")
                points = ax.scatter(x, y, s=10, alpha=0.6, label=str(data))
                medians = pd.DataFrame({"x": x, "y": y}).dropna().groupby("x")["y"].median()
                ax.plot(medians.index, medians.to_numpy(), color=points.get_facecolor()[0], alpha=0.9)
            values = np.unique(pd.to_numeric(rows[hp], errors="coerce").dropna())
            if len(values) and values.min() > 0 and values.max() / values.min() >= 8:
                ax.set_xscale("log")
                ax.minorticks_off()
            ax.set_xticks(values, [f"{v:g}" for v in values], fontsize=7)
            ax.set_xlabel(f"{objective}: {hp.removeprefix('hp.')}", fontsize=8)
            ax.set_ylabel(short(column), fontsize=8)
    axes[0, 0].legend(fontsize=7)
    return _finish(fig, "Scores against regularisation strength", path)


def variance_bars(table: pd.DataFrame, columns: Sequence[str], path: str | os.PathLike) -> Path:
    """Stacked bars per score: the share of its variance the data, objective, hyperparameters and seed explain."""
    shares = pd.DataFrame([variance_shares(table, column) for column in columns], index=[short(c) for c in columns])
    fig = Figure(figsize=(7, 0.45 * len(columns) + 1.5))
    ax = fig.subplots()
    left = np.zeros(len(shares))
    for source in SOURCES:
        values = shares[source].fillna(0).to_numpy()
        ax.barh(shares.index, values, left=left, color=SOURCE_COLOURS[source], label=source)
        left += values
    ax.set_xlim(0, 1)
    ax.invert_yaxis()
    ax.set_xlabel("share of the score's variance over all trials")
    ax.legend(ncol=4, fontsize=8, loc="lower center", bbox_to_anchor=(0.5, 1.0))
    return save_figure(fig, path)


def selection_bars(selection: pd.DataFrame, path: str | os.PathLike) -> Path | None:
    """Per truth score: the model each rule selects, next to the best and the median model (means over data sets)."""
    if selection.empty:
        return None
    truths = list(dict.fromkeys(selection["truth"]))
    fig, axes = _grid(1, len(truths))
    for c, truth in enumerate(truths):
        ax: Axes = axes[0, c]
        rows = selection[selection["truth"] == truth]
        picked = rows.groupby("rule", sort=False)["selected"].mean()
        names = ["best", *[short(r) for r in picked.index], "median"]
        values = [rows["best"].mean(), *picked.to_numpy(), rows["median"].mean()]
        colours = ["#2b8a3e", *["#1c7ed6"] * len(picked), "#868e96"]
        ax.bar(range(len(names)), values, color=colours)
        ax.set_xticks(range(len(names)), names, rotation=60, ha="right", fontsize=7)
        ax.set_title(short(truth), fontsize=9)
    return _finish(fig, "Model selection without test labels against the true best", path)


def against(table: pd.DataFrame, ys: Sequence[str], xs: Sequence[str], path: str | os.PathLike, title: str) -> Path:
    """Scatter of each `ys` score against each `xs` score, with Spearman's rho in each panel."""
    fig, axes = _grid(len(ys), len(xs))
    for r, y_column in enumerate(ys):
        for c, x_column in enumerate(xs):
            ax: Axes = axes[r, c]
            x = pd.to_numeric(table[x_column], errors="coerce")
            y = pd.to_numeric(table[y_column], errors="coerce")
            for objective in dict.fromkeys(table["objective"]):
                mask = table["objective"] == objective
                ax.scatter(x[mask], y[mask], s=10, alpha=0.7, label=str(objective))
            rho = pd.concat([x, y], axis=1).corr(method="spearman").iloc[0, 1]
            ax.set_title(f"rho = {rho:.2f}", fontsize=8)
            ax.set_xlabel(short(x_column), fontsize=8)
            ax.set_ylabel(short(y_column), fontsize=8)
    axes[0, 0].legend(fontsize=7)
    return _finish(fig, title, path)


def curves(table: pd.DataFrame, prefix: str, path: str | os.PathLike, ylabel: str) -> Path | None:
    """A score measured along training (columns ``{prefix}{step}``): the median per objective against steps."""
    medians = step_curves(table, prefix)
    if medians.empty:
        return None
    fig = Figure(figsize=(5.5, 3.5))
    ax = fig.subplots()
    for objective in medians.columns:
        ax.plot(medians.index, medians[objective].to_numpy(), marker="o", markersize=3, label=str(objective))
    ax.set_xlabel("training steps")
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=7)
    return save_figure(fig, path)
