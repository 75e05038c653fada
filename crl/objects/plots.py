"""Figures of an object model: each slot's mask and image, and query results beside the true counterfactuals.

Drawn like `crl.plots` (own Figure on the Agg canvas, atomic PNG); `write_object_report` writes report.md.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from crl.plots import _show, counterfactual_grid, graph_comparison, save_figure
from encoders.atomic import atomic_write_text

_CELL = 1.3


def slot_masks(images: np.ndarray, reconstruction: Any, path: str | os.PathLike) -> Path:
    """One row per image: the image, its reconstruction, then each slot's image weighted by its alpha mask."""
    images = np.asarray(images)
    if images.ndim != 4 or images.dtype != np.uint8 or not len(images):
        raise ValueError(f"images must be uint8 (N >= 1, H, W, C), got {images.dtype} {images.shape}")
    n, k = len(images), reconstruction.masks.shape[1]
    fig = Figure(figsize=(_CELL * (k + 2), _CELL * n))
    axes = fig.subplots(n, k + 2, squeeze=False)
    for i in range(n):
        _show(axes[i, 0], images[i])
        _show(axes[i, 1], reconstruction.image[i])
        for j in range(k):
            weighted = reconstruction.slot_images[i, j] * reconstruction.masks[i, j][..., None]
            _show(axes[i, j + 2], weighted.round().astype(np.uint8))
    for j, title in enumerate(["image", "reconstruction", *(f"slot {s}" for s in range(k))]):
        axes[0, j].set_title(title, fontsize=8)
    return save_figure(fig, path)


def write_object_report(evaluation: Any, model: Any, scene: Any, images: np.ndarray, folder: Path) -> Path:
    """Figures (slot masks, graph, one grid per query) and report.md in `folder`; returns the report's path."""
    figures = folder / "figures"
    drawn = {"slot masks": slot_masks(images, model.encoder_.decode(model.read(images).slots), figures / "slot_masks.png"),
             "graph": graph_comparison(scene.graph.subgraph(model.graph_.nodes), model.graph_, figures / "graph.png")}
    for i, (name, (originals, model_cf, true_cf)) in enumerate(evaluation.examples.items()):
        drawn[name] = counterfactual_grid(originals, model_cf, true_cf, figures / f"query_{i}.png", title=name)
    lines = [f"# Object model on {scene.name}", "", evaluation.to_markdown(), "## Figures", ""]
    lines += [f"**{name}**\n\n![{name}](figures/{path.name})\n" for name, path in drawn.items()]
    report = folder / "report.md"
    atomic_write_text(report, "\n".join(lines))
    return report
