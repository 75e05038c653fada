"""`evaluate_objects`: score an `ObjectModel` against an object scene's ground truth (what `crl.evaluate` runs for
an ObjectModel).

On `n` held-out images: FG-ARI of the slot segmentation; set-prediction AP of the objects the probes read from
every slot (position, and shape when read; confidence: the objectness probe's) against the visible objects; the
graph over scene factors and attributes against the scene's graph restricted to the model's nodes (SHD and edge
metrics); and each query (remove an object, edit an attribute, do() on a scene factor) against the scene's true
counterfactual (`scene.edit`, `scene.counterfactual`): pixel MSE, FG-ARI of the result's masks, per-object oracle
errors (`crl.objects.scoring`). Each image's query object is its largest visible object that the model holds in a
slot.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from crl.evaluation.factors import evaluation_seeds
from crl.evaluation.report import markdown_table
from crl.metrics import fg_ari
from crl.objects.matching import match_slots
from crl.objects.scoring import Truth, image_scores, object_errors, removal_residue, set_ap

DEFAULT_EDITS = ({"hue": 0.1}, {"x": 0.3})
Query = tuple[str, Callable[[], Any], Callable[[], Truth]]  # name, the model's answer, the true answer


@dataclass
class ObjectEvaluation:
    """Tables from `evaluate_objects` and a headline `summary()`; ``examples``: query -> (originals, model, truth)."""

    fg_ari: float
    graph: pd.DataFrame
    images: pd.DataFrame
    objects: pd.DataFrame
    removal: pd.DataFrame
    probes: dict[str, float]
    ap: dict[str, float] = field(default_factory=dict)
    examples: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=dict, repr=False)

    def summary(self) -> dict[str, float]:
        """fg_ari, set-prediction AP, the graph metrics, and per query its mean MSE, FG-ARI and oracle errors (target
        and other objects)."""
        out = {"fg_ari": self.fg_ari, **self.ap, **dict(zip(self.graph["metric"], self.graph["value"].astype(float)))}
        for name, group in self.images.groupby("query", sort=False):
            out[f"{name} mse"] = float(group["mse"].mean())
            out[f"{name} fg_ari"] = float(group["fg_ari"].mean())
        errors = [c for c in self.objects.columns if c.startswith("error_")]
        for (name, target), group in self.objects.groupby(["query", "target"], sort=False):
            for column in errors:
                out[f"{name} {'target' if target else 'others'} {column}"] = float(group[column].mean())
        if len(self.removal):
            out["removed_brightness"] = float(self.removal["removed_brightness"].mean())
            out["reconstructed_brightness"] = float(self.removal["reconstructed_brightness"].mean())
        return out

    def to_markdown(self) -> str:
        """The summary and the graph table as markdown."""
        summary = pd.DataFrame({"metric": list(self.summary()), "value": list(self.summary().values())})
        probes = pd.DataFrame({"attribute": list(self.probes), "cross-validated R^2 or accuracy": list(
            self.probes.values())})
        parts = [("Summary", summary), ("Graph", self.graph), ("Probes on the labelled objects", probes)]
        return "\n\n".join(f"### {title}\n\n{markdown_table(table)}" for title, table in parts) + "\n"


def graph_scores(truth: nx.DiGraph, model: nx.DiGraph) -> pd.DataFrame:
    """SHD and edge metrics of `model` against `truth` restricted to the model's nodes."""
    from scm.metrics import edge_metrics, shd

    nodes = list(model.nodes)
    restricted = nx.DiGraph(truth.subgraph(nodes))
    restricted.add_nodes_from(nodes)
    rows = [("shd", float(shd(restricted, model)))]
    rows += [(k, float(v)) for k, v in edge_metrics(restricted, model).items() if isinstance(v, (int, float, np.number))]
    return pd.DataFrame(rows, columns=["metric", "value"])


def _check(model: Any, scene: Any, n: Any, edits: Any, do: Any) -> tuple[list[dict], list[dict]]:
    from crl.objects.model import ObjectModel
    from crl.scenes.objects import ObjectScene

    if not isinstance(model, ObjectModel) or not isinstance(scene, ObjectScene):
        raise ValueError("evaluate_objects needs a fitted ObjectModel and an ObjectScene")
    model._check_fitted()
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"n must be an integer >= 2, got {n!r}")
    edits = [e for e in DEFAULT_EDITS if set(e) <= set(model.attributes_)] if edits is None else list(edits)
    do = ([{name: 0.2} for name in model.factor_names_] if do is None else list(do))
    for what, items, names in (("edits", edits, model.attributes_), ("do", do, model.factor_names_)):
        for item in items:
            if not isinstance(item, Mapping) or not item or not set(item) <= set(names):
                raise ValueError(f"{what}: {item!r} must be a non-empty dict over {list(names)}")
    return edits, do


def object_set_ap(model: Any, slots: np.ndarray, objects: pd.DataFrame) -> dict[str, float]:
    """`set_ap` of every slot (N, K, D) read by the model's probes against the visible `objects`; empty when the model
    does not read both positions."""
    if not {"x", "y"} <= set(model.attributes_):
        return {}
    n, k, dim = slots.shape
    flat = slots.reshape(-1, dim)
    predicted = model.probes_.read(flat)[[c for c in ("x", "y", "shape") if c in model.attributes_]]
    predicted["image"], predicted["confidence"] = np.repeat(np.arange(n), k), model.probes_.object_probability(flat)
    return set_ap(predicted, objects[objects["pixels"] > 0], n)


def _targets(model: Any, reading: Any, masks: np.ndarray, objects: pd.DataFrame
             ) -> tuple[np.ndarray, np.ndarray, dict[tuple[int, int], int], np.ndarray]:
    """Images with a query object, that object's true label, the (image, label) -> slot map, the slot segmentation."""
    segmentation = model.encoder_.decode(reading.slots).masks.argmax(axis=1)
    matched = match_slots(segmentation, masks, model.num_slots)
    held = reading.objects
    matched = matched.merge(held[["image", "slot"]], on=["image", "slot"])
    matched = matched.merge(objects[["image", "object", "pixels"]], on=["image", "object"])
    best = matched.sort_values(["image", "pixels"], ascending=[True, False]).drop_duplicates("image")
    slot_of = {(int(i), int(o)): int(s) for i, o, s in zip(matched["image"], matched["object"], matched["slot"])}
    return best["image"].to_numpy(), best["object"].to_numpy(), slot_of, segmentation


def _true_edit(scene: Any, sample: Any, rows: np.ndarray, target: np.ndarray, **edit: Any) -> Truth:
    """`scene.edit` of each image's own target object, back in the order of `rows`."""
    images = np.zeros((len(rows), *sample.images.shape[1:]), np.uint8)
    masks = np.zeros((len(rows), *sample.masks.shape[1:]), sample.masks.dtype)
    for label in np.unique(target):
        where = np.flatnonzero(target == label)
        out = scene.edit(sample, object=int(label), image=rows[where], **edit)
        images[where], masks[where] = out.images, out.masks
    return Truth(images, masks)


def evaluate_objects(model: Any, scene: Any, *, n: int = 64, seed: int = 0,
                     edits: Sequence[Mapping[str, Any]] | None = None, do: Sequence[Mapping[str, Any]] | None = None,
                     report_dir: str | os.PathLike | None = None) -> ObjectEvaluation:
    """Score `model` against `scene` on `n` held-out images; `edits` (default hue and x) and `do` (default each scene
    factor at 0.2) name the queries; `report_dir` also writes report.md and figures there."""
    edits, do = _check(model, scene, n, edits, do)
    sample = scene.sample(int(n), seed=evaluation_seeds(seed, 1)[0])
    reading = model.read(sample.images)
    rows, target, slot_of, segmentation = _targets(model, reading, sample.masks, sample.objects)
    if not len(rows):
        raise ValueError("no held-out object is held by an object slot of the model: nothing to query")
    images = sample.images[rows]
    slots = np.array([slot_of[(int(i), int(t))] for i, t in zip(rows, target)]) + 1
    tables: dict[str, list[pd.DataFrame]] = {"images": [], "objects": [], "removal": []}
    examples = {}
    for name, ask, answer in _queries(model, scene, sample, rows, target, slots, edits, do):
        result, truth = ask(), answer()
        tables["images"].append(image_scores(name, result, truth, rows, target))
        tables["objects"].append(object_errors(name, result, truth, rows, target, slot_of))
        if name == "remove":
            recon = model.encoder_.decode(reading.slots[rows]).image  # an image's slots do not depend on the others
            tables["removal"].append(removal_residue(result, recon, sample.masks[rows], truth, target))
        examples[name] = (images[:4], result.images[:4], truth.images[:4])
    images_table, objects_table, removal = (pd.concat(t, ignore_index=True) for t in tables.values())
    evaluation = ObjectEvaluation(float(fg_ari(sample.masks, segmentation)), graph_scores(scene.graph, model.graph_),
                                  images_table, objects_table, removal, dict(model.probes_.scores),
                                  object_set_ap(model, reading.slots, sample.objects), examples)
    if report_dir is not None:
        from crl.objects.plots import write_object_report

        write_object_report(evaluation, model, scene, sample.images[:4], Path(report_dir))
    return evaluation



def _queries(model: Any, scene: Any, sample: Any, rows: np.ndarray, target: np.ndarray, objects: np.ndarray,
             edits: list[dict], do: list[dict]) -> list[Query]:
    """(name, the model's answer, the true answer) of each query on the images at `rows`; `objects`: model labels."""
    images = sample.images[rows]
    queries: list[Query] = [("remove", partial(model.remove, images, objects),
                             partial(_true_edit, scene, sample, rows, target, remove=True))]
    for edit in edits:
        queries.append((f"edit {_describe(edit)}", partial(model.edit, images, objects, edit),
                        partial(_true_edit, scene, sample, rows, target, set=edit)))
    for item in do:
        queries.append((f"do {_describe(item)}", partial(model.counterfactual, images, item),
                        partial(_true_counterfactual, scene, sample, rows, item)))
    return queries


def _true_counterfactual(scene: Any, sample: Any, rows: np.ndarray, do: Mapping[str, Any]) -> Truth:
    """`scene.counterfactual` of the whole sample under `do`, at `rows`."""
    out = scene.counterfactual(sample, do)
    return Truth(out.images[rows], out.masks[rows])


def _describe(values: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in values.items())
