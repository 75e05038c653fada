"""Figures for crl: counterfactual grids, graph comparisons, latent traversals, image grids.

Every function draws on its own `matplotlib.figure.Figure` with the Agg canvas (no pyplot,
so no global backend switch and nothing left open), writes one PNG atomically and returns
its path.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from encoders.atomic import atomic_path

_CELL = 1.3  # inches per image cell
_COLOURS = {"correct": "#2b8a3e", "reversed": "#e67700", "extra": "#c92a2a", "undirected": "#5f3dc4",
            "missing": "#adb5bd", "true": "#212529"}


def _images(array: np.ndarray, name: str) -> np.ndarray:
    array = np.asarray(array)
    if array.ndim != 4 or array.dtype != np.uint8 or array.shape[-1] not in (1, 3, 4) or not len(array):
        raise ValueError(f"{name} must be uint8 images of shape (N >= 1, H, W, C) with C in 1, 3, 4; "
                         f"got {array.dtype} {array.shape}")
    return array


def _show(ax: Axes, image: np.ndarray) -> None:
    if image.shape[-1] == 1:
        ax.imshow(image[..., 0], cmap="gray", vmin=0, vmax=255, interpolation="nearest")
    else:
        ax.imshow(image, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])


def save_figure(fig: Figure, path: str | os.PathLike) -> Path:
    """Write `fig` (any Figure, drawn on the Agg canvas) to `path` as a 100-dpi PNG, atomically."""
    FigureCanvasAgg(fig)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=100, bbox_inches="tight")
    return Path(path)


def counterfactual_grid(originals: np.ndarray, model_cf: np.ndarray, true_cf: np.ndarray,
                        path: str | os.PathLike, titles: Sequence[str] | None = None,
                        title: str | None = None, max_columns: int = 8) -> Path:
    """Three rows (original, model counterfactual, true counterfactual) of up to `max_columns` images."""
    rows = [_images(originals, "originals"), _images(model_cf, "model_cf"), _images(true_cf, "true_cf")]
    if len({r.shape for r in rows}) != 1:
        raise ValueError(f"originals, model_cf and true_cf must have the same shape; got {[r.shape for r in rows]}")
    k = min(len(rows[0]), max_columns)
    if titles is not None and len(titles) < k:
        raise ValueError(f"titles needs one entry per shown column ({k}); got {len(titles)}")
    fig = Figure(figsize=(_CELL * k, _CELL * 3 + (0.4 if title else 0)))
    axes = fig.subplots(3, k, squeeze=False)
    for r, (label, images) in enumerate(zip(["original", "model", "true"], rows)):
        for c in range(k):
            _show(axes[r, c], images[c])
        axes[r, 0].set_ylabel(label, fontsize=10)
    for c, text in enumerate(titles[:k] if titles is not None else []):
        axes[0, c].set_title(str(text), fontsize=8)
    if title:
        fig.suptitle(title, fontsize=11)
    return save_figure(fig, path)


def _undirected(g: nx.DiGraph, u: object, v: object) -> bool:
    """An edge marked `undirected=True` (scm.graph's convention for CPDAG edges) with its reverse present."""
    return bool(g.edges[u, v].get("undirected", False)) and g.has_edge(v, u)


def edge_status(g_true: nx.DiGraph, g_est: nx.DiGraph) -> tuple[dict[tuple, str], list[tuple]]:
    """How each estimated edge stands against the truth, as `graph_comparison` colours it.

    Parameters
    ----------
    g_true, g_est : networkx.DiGraph
        The true graph and the estimate (undirected edges marked ``undirected``, both directions present).

    Returns
    -------
    status : dict
        Each estimated edge (an undirected pair once): "correct", "reversed", "undirected" (adjacent in the
        truth) or "extra".
    missing : list
        True edges the estimate lacks in either direction.
    """
    status = {}
    for u, v in g_est.edges:
        if _undirected(g_est, u, v):
            if (v, u) in status:
                continue
            adjacent = g_true.has_edge(u, v) or g_true.has_edge(v, u)
            status[(u, v)] = "undirected" if adjacent else "extra"
        else:
            status[(u, v)] = "correct" if g_true.has_edge(u, v) else "reversed" if g_true.has_edge(v, u) else "extra"
    missing = [(u, v) for u, v in g_true.edges if not (g_est.has_edge(u, v) or g_est.has_edge(v, u))]
    return status, missing


def _group(status: dict[tuple, str], g_est: nx.DiGraph) -> dict[tuple[str, bool], list[tuple]]:
    """Edges grouped by (status, drawn undirected)."""
    groups: dict[tuple[str, bool], list[tuple]] = {}
    for (u, v), kind in status.items():
        groups.setdefault((kind, _undirected(g_est, u, v)), []).append((u, v))
    return groups


def graph_comparison(g_true: nx.DiGraph, g_est: nx.DiGraph, path: str | os.PathLike,
                     titles: tuple[str, str] = ("true graph", "model graph")) -> Path:
    """True and estimated graph side by side on one layout; wrong edges coloured, missing ones dashed.

    Edges marked `undirected=True` are drawn once without arrows; an edge attribute "confidence" is written on it.
    """
    for name, g in (("g_true", g_true), ("g_est", g_est)):
        if not isinstance(g, nx.DiGraph):
            raise ValueError(f"{name} must be a networkx.DiGraph; got {type(g).__name__}")
    nodes = list(g_true.nodes) + [v for v in g_est.nodes if v not in g_true]
    pos = nx.circular_layout(nodes) if len(nodes) > 1 else {v: np.zeros(2) for v in nodes}
    fig = Figure(figsize=(10, 4.8))
    left, right = fig.subplots(1, 2)
    status, missing = edge_status(g_true, g_est)
    style = {"node_size": 1400, "width": 2.0}
    arrows = {"arrows": True, "arrowsize": 18}
    for ax, graph in ((left, g_true), (right, g_est)):
        nx.draw_networkx_nodes(graph, pos, nodelist=nodes, ax=ax, node_color="#e7f5ff", edgecolors="#1c7ed6",
                               node_size=style["node_size"])
        nx.draw_networkx_labels(graph, pos, labels={v: str(v) for v in nodes}, ax=ax, font_size=9)
    nx.draw_networkx_edges(g_true, pos, ax=left, edge_color=_COLOURS["true"], **arrows, **style)
    for (kind, undirected), edges in _group(status, g_est).items():
        nx.draw_networkx_edges(g_est, pos, edgelist=edges, ax=right, edge_color=_COLOURS[kind],
                               **({"arrows": False} if undirected else arrows), **style)
    if missing:
        nx.draw_networkx_edges(g_true, pos, edgelist=missing, ax=right, edge_color=_COLOURS["missing"],
                               style="dashed", **arrows, **style)
    labels = {(u, v): f"{g_est.edges[u, v]['confidence']:.2f}" for u, v in status
              if np.isfinite(g_est.edges[u, v].get("confidence", np.nan))}
    if labels:
        nx.draw_networkx_edge_labels(g_est, pos, edge_labels=labels, ax=right, font_size=8)
    shown = sorted({*status.values(), *(["missing"] if missing else [])})
    right.legend(handles=[Line2D([0], [0], color=_COLOURS[k], lw=2, ls="--" if k == "missing" else "-", label=k)
                          for k in shown], loc="lower right", fontsize=8, frameon=False)
    xy = np.array(list(pos.values())) if pos else np.zeros((1, 2))
    for ax, text in zip((left, right), titles):
        ax.set_title(text)
        ax.set_axis_off()
        ax.set_xlim(xy[:, 0].min() - 0.35, xy[:, 0].max() + 0.35)
        ax.set_ylim(xy[:, 1].min() - 0.35, xy[:, 1].max() + 0.35)
    return save_figure(fig, path)


def latent_traversals(decode_fn: Callable[[pd.DataFrame], np.ndarray], base_latents_df: pd.DataFrame,
                      columns: Sequence[str], path: str | os.PathLike, steps: int = 7, row: int = 0) -> Path:
    """Grid with one row per column in `columns`: that latent swept over its observed min..max, others at row `row`."""
    unknown = [c for c in columns if c not in base_latents_df.columns]
    if unknown or not len(columns):
        raise ValueError(f"columns must be non-empty names of base_latents_df columns; unknown: {unknown}")
    if int(steps) != steps or steps < 2:
        raise ValueError(f"steps must be an integer >= 2; got {steps!r}")
    if not 0 <= row < len(base_latents_df):
        raise ValueError(f"row must index base_latents_df (0..{len(base_latents_df) - 1}); got {row}")
    base = base_latents_df.iloc[[row]]
    frames, sweeps = [], {}
    for c in columns:
        values = np.linspace(float(base_latents_df[c].min()), float(base_latents_df[c].max()), steps)
        sweeps[c] = values
        frame = pd.concat([base] * steps, ignore_index=True)
        frame[c] = values
        frames.append(frame)
    images = _images(np.asarray(decode_fn(pd.concat(frames, ignore_index=True))), "decode_fn output")
    fig = Figure(figsize=(_CELL * steps, _CELL * len(columns)))
    axes = fig.subplots(len(columns), steps, squeeze=False)
    for r, c in enumerate(columns):
        for s in range(steps):
            _show(axes[r, s], images[r * steps + s])
            axes[r, s].set_title(f"{sweeps[c][s]:.3g}", fontsize=7)
        axes[r, 0].set_ylabel(str(c), fontsize=10)
    return save_figure(fig, path)


def image_grid(images: np.ndarray, path: str | os.PathLike, nrow: int = 8) -> Path:
    """All images in a grid with `nrow` images per row (torchvision's convention)."""
    images = _images(images, "images")
    if int(nrow) != nrow or nrow < 1:
        raise ValueError(f"nrow must be an integer >= 1; got {nrow!r}")
    cols = min(nrow, len(images))
    rows = -(-len(images) // cols)
    fig = Figure(figsize=(_CELL * cols, _CELL * rows))
    axes = fig.subplots(rows, cols, squeeze=False)
    for i, ax in enumerate(axes.flat):
        if i < len(images):
            _show(ax, images[i])
        else:
            ax.set_axis_off()
    return save_figure(fig, path)
