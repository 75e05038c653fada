"""The stages of `ObjectModel.fit`: check the labelled objects, train or take a slot model, match and probe the
labelled slots, read every slot into an object table, discover a graph over it and fit its mechanisms.

Objects are exchangeable, so the object table pools them: one row per object slot of every image, with the scene
factors read for its image, and one relation per pair of columns.
"""
from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from crl.objects.matching import match_slots
from crl.objects.probes import Probes, fit_factor_probes, fit_objectness, fit_probes, pooled_slots
from encoders.data import check_images

KEYS = ("image", "object")
NOT_ATTRIBUTES = ("image", "object", "pixels", "visibility")


@dataclass
class Labelled:
    """The labelled part of the training data: image rows, their true masks, their object table, their factors."""

    rows: np.ndarray
    masks: np.ndarray
    objects: pd.DataFrame
    factors: pd.DataFrame | None


def check_labelled(images: Any, objects: Any, masks: Any, factors: Any, attributes: list[str] | None,
                   categorical: list[str] | None) -> tuple[np.ndarray, Labelled, list[str], list[str]]:
    """Images, the labelled data, the attributes to model and the categorical ones (None: those with integer
    values), checked before any work (ValueError naming the argument)."""
    images = check_images(images, "images")
    if not isinstance(objects, pd.DataFrame) or any(k not in objects.columns for k in KEYS):
        raise ValueError("objects must be a DataFrame with columns 'image', 'object' and attributes, like "
                         "ObjectSample.objects, for a few labelled images")
    rows = np.unique(objects["image"].to_numpy())
    if rows.size == 0 or rows.min() < 0 or rows.max() >= len(images):
        raise ValueError(f"objects['image'] must index rows of images (0..{len(images) - 1}) and not be empty")
    masks = np.asarray(masks)
    if masks.shape != (len(rows), *images.shape[1:3]) or masks.dtype.kind not in "iu":
        raise ValueError(f"masks must be integer ({len(rows)}, {images.shape[1]}, {images.shape[2]}): the true "
                         f"instance masks of the labelled images in the order of sorted objects['image']; got "
                         f"{masks.dtype} {masks.shape}")
    known = [c for c in objects.columns if c not in NOT_ATTRIBUTES]
    chosen = known if attributes is None else list(attributes)
    unknown = [a for a in chosen if a not in known]
    if unknown or not chosen:
        raise ValueError(f"attributes: {unknown or chosen} not in the labelled objects' attributes {known}")
    if categorical is None:
        categorical = [c for c in chosen if objects[c].dtype.kind in "iu"]
    wrong = [c for c in categorical if c not in chosen]
    if wrong:
        raise ValueError(f"categorical: {wrong} are not among the modelled attributes {chosen}")
    if factors is not None:
        factors = _check_factors(factors, rows, chosen)
    return images, Labelled(rows, masks, objects[[*KEYS, *chosen]].reset_index(drop=True), factors), chosen, categorical


def _check_factors(factors: Any, rows: np.ndarray, attributes: list[str]) -> pd.DataFrame:
    if not isinstance(factors, pd.DataFrame) or not set(rows) <= set(factors.index):
        raise ValueError("factors must be a DataFrame of scene factors indexed by image row, with every labelled "
                         "image")
    clash = [c for c in factors.columns if c in attributes or c in KEYS]
    if clash or factors.shape[1] == 0:
        raise ValueError(f"factors: columns {clash or 'none'}; scene factor names must differ from the attributes")
    return factors.loc[rows].astype(np.float64)


def probe_labelled(slots: np.ndarray, segmentation: np.ndarray, labelled: Labelled, num_slots: int,
                   categorical: list[str], min_iou: float, seed: int) -> tuple[Probes, pd.DataFrame]:
    """Probes fitted on the labelled images' slots (L, K, D) matched to their objects; the matching table."""
    matched = match_slots(segmentation, labelled.masks, num_slots)
    matched["image"] = labelled.rows[matched["image"].to_numpy()]
    good = matched[matched["iou"] >= min_iou]
    if len(good) < 5:
        raise ValueError(f"only {len(good)} labelled objects match a slot with IoU >= {min_iou}; label more images, "
                         "train the slot model longer or lower min_iou")
    joined = good.merge(labelled.objects, on=list(KEYS), how="inner")
    position = {row: i for i, row in enumerate(labelled.rows)}
    index = joined["image"].map(position).to_numpy()
    vectors = slots[index, joined["slot"].to_numpy()]
    probes = fit_probes(vectors, joined[[c for c in labelled.objects.columns if c not in KEYS]], categorical, seed)
    is_object = np.zeros(slots.shape[:2], dtype=bool)
    is_object[index, joined["slot"].to_numpy()] = True
    probes.objectness = fit_objectness(slots.reshape(-1, slots.shape[-1]), is_object.ravel())
    if labelled.factors is not None:
        probes.light = fit_factor_probes(pooled_slots(slots, is_object), labelled.factors)
    return probes, matched


def object_table(slots: np.ndarray, probes: Probes) -> pd.DataFrame:
    """Every object slot of every image (N, K, D) read by the probes: ``image``, ``object`` (slot + 1), ``slot``, the
    scene factors read for its image, then the attributes."""
    n, k, dim = slots.shape
    flat = slots.reshape(-1, dim)
    is_object = probes.is_object(flat).reshape(n, k)
    image, slot = np.nonzero(is_object)
    table = pd.DataFrame({"image": image.astype(np.int64), "object": slot.astype(np.int64) + 1,
                          "slot": slot.astype(np.int64)})
    if probes.light:
        factors = probes.read_factors(pooled_slots(slots, is_object))
        for name in factors.columns:
            table[name] = factors[name].to_numpy()[image]
    attributes = probes.read(slots[image, slot]) if len(image) else pd.DataFrame(columns=probes.attributes)
    return pd.concat([table, attributes.reset_index(drop=True)], axis=1)


def labelled_table(labelled: Labelled, columns: list[str]) -> pd.DataFrame | None:
    """The labelled objects' true values of `columns` (scene factors joined by image), one row per object; None when
    a column is not labelled (a scene factor without `factors`)."""
    table = labelled.objects
    if labelled.factors is not None:
        table = table.merge(labelled.factors, left_on="image", right_index=True, how="left")
    return table[columns].reset_index(drop=True) if set(columns) <= set(table.columns) else None


def check_on_labels(graph: nx.DiGraph, dag: nx.DiGraph, labels: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Remove the DAG's edges that the labelled objects' true values give no evidence for (`crl.label_edges`), and
    the same pairs from the graph, then orient the rest on those values (`_orient_on_labels`); returns the refuted
    edges with their tests, also kept in ``graph.graph["refuted"]``.

    Discovery on probe readings finds edges that the readings' shared errors make (every attribute is read from the
    same slot vector); the labelled objects carry none of them. On the causal multi_sprites scene at 64 px with 40
    labelled images this took the SHD over light and the attributes from 12 to 1 (docs/objects.md).
    """
    from crl.label_edges import refute_edges

    before = set(dag.edges)
    refuted = refute_edges(dag, labels)
    graph.remove_edges_from([edge for u, v in before - set(dag.edges) for edge in ((u, v), (v, u))
                             if graph.has_edge(*edge)])
    graph.graph["refuted"] = refuted
    _orient_on_labels(graph, dag, labels)
    return refuted


def _orient_on_labels(graph: nx.DiGraph, dag: nx.DiGraph, labels: pd.DataFrame) -> None:
    """Orient the kept edges as PC orients them on the labelled rows within the same skeleton (a read with error
    hides the independences a collider shows), where that keeps the DAG acyclic; marked ``oriented_by="labels"``."""
    import scm

    labels = labels[[c for c in labels.columns if labels[c].nunique() > 1]]
    if len(labels) < labels.shape[1] + 2:  # too few rows (or varying columns) for PC's tests: readings' orientations
        return
    skeleton = {frozenset(edge) for edge in graph.edges}
    forbidden = [(u, v) for u in labels.columns for v in labels.columns if u != v and {u, v} not in skeleton]
    found = scm.discover(labels, method="pc", forbidden=forbidden)
    for u, v in found.edges:
        if found.edges[u, v].get("undirected") or not dag.has_edge(v, u):
            continue
        dag.remove_edge(v, u)
        dag.add_edge(u, v, oriented_by="labels")
        if not nx.is_directed_acyclic_graph(dag):
            dag.remove_edge(u, v)
            dag.add_edge(v, u)
            continue
        if graph.has_edge(v, u):
            graph.remove_edge(v, u)
        graph.add_edge(u, v, oriented_by="labels")


def discover_graph(table: pd.DataFrame, method: str, options: Mapping[str, Any] | None, seed: int
                   ) -> tuple[nx.DiGraph, nx.DiGraph]:
    """The graph over the pooled table's columns (one relation per pair, pooled over objects) and a DAG of it."""
    import scm
    from crl.discovery import orient

    graph = scm.discover(table, method=method, seed=seed, **dict(options or {}))
    try:
        dag = orient(graph, table, "extension", seed)
        scm.graph.validate_dag(dag)
        return graph, dag
    except ValueError:  # conflicting orientations left a directed cycle: follow LiNGAM's causal order instead
        order = scm.notes_of(scm.discover(table, method="lingam", seed=seed)).causal_order or list(table.columns)
        rank = {name: i for i, name in enumerate(order)}
        dag = nx.DiGraph()
        dag.add_nodes_from(graph.nodes)
        dag.add_edges_from((u, v, {"oriented_by": "lingam"}) for u, v in graph.edges if rank[u] < rank[v])
        warnings.warn(f"discovery left a graph with no consistent DAG extension; the SCM orients its edges along "
                      f"LiNGAM's causal order {order}", stacklevel=3)
        return graph, dag
