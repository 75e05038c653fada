"""Input checks at the CausalModel boundary and its one-folder persistence format.

A saved model is a folder: `model.json` (format tag, crl version, constructor arguments,
concept calibration, graphs as node-link JSON), `encoder/` (the encoder's own folder),
`nuisance.npy` and `scm.pkl` (the fitted structural equations, pickled: load only folders
you trust). The folder is written whole or not at all.
"""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

import crl
from encoders.atomic import atomic_directory
from encoders.data import check_images

FORMAT = "crl.CausalModel"


def check_pairs(pairs: Any, image_shape: tuple[int, ...]) -> None:
    """Raise ValueError unless `pairs` is (x1, x2) of equal shape matching the images'."""
    if not isinstance(pairs, (tuple, list)) or len(pairs) != 2:
        raise ValueError("pairs must be a tuple (x1, x2) of image arrays")
    for part, array in zip(("pairs[0]", "pairs[1]"), pairs):
        check_images(array, part)
        if array.shape[1:] != tuple(image_shape):
            raise ValueError(f"{part} images have shape {array.shape[1:]}; the images have {tuple(image_shape)}")
    if pairs[0].shape != pairs[1].shape:
        raise ValueError(f"pairs[0] and pairs[1] must have the same shape; got {pairs[0].shape} and {pairs[1].shape}")


def check_labels(labels: Any, n_images: int) -> None:
    """Raise ValueError unless `labels` is a DataFrame indexed by image rows in [0, n_images)."""
    if not isinstance(labels, pd.DataFrame) or labels.shape[1] == 0:
        raise ValueError("labels must be a pandas DataFrame with one column per concept, indexed by image row")
    index = labels.index.to_numpy()
    if not np.issubdtype(index.dtype, np.integer) or index.min() < 0 or index.max() >= n_images:
        raise ValueError(f"labels must be indexed by image row positions 0..{n_images - 1}; got index {labels.index[:5].tolist()}...")


def write_model_folder(path, *, params, encoder, concepts, graphs, arrays, scm_bytes) -> None:
    """Write a model folder atomically (see the module docstring for the layout)."""
    meta = {
        "format": FORMAT,
        "crl_version": crl.__version__,
        "params": params,
        "concepts": concepts,
        "graphs": {name: _graph_to_json(graph) for name, graph in graphs.items()},
        "arrays": sorted(arrays),
    }
    with atomic_directory(path) as folder:
        encoder.save(folder / "encoder")
        for name, array in arrays.items():
            np.save(folder / f"{name}.npy", array)
        (folder / "scm.pkl").write_bytes(scm_bytes)
        (folder / "model.json").write_text(json.dumps(meta, indent=2, default=_json_default))


def read_model_folder(path, device: str = "auto") -> dict:
    """Read a folder written by `write_model_folder`; ValueError if it is not one."""
    import encoders

    folder = Path(path)
    meta_path = folder / "model.json"
    if not meta_path.is_file():
        raise ValueError(f"{str(path)!r} is not a saved CausalModel (no model.json)")
    meta = json.loads(meta_path.read_text())
    if meta.get("format") != FORMAT:
        raise ValueError(f"{str(path)!r} holds {meta.get('format')!r}, not a {FORMAT}")
    return {
        "params": meta["params"],
        "concepts": meta["concepts"],
        "graphs": {name: _graph_from_json(data) for name, data in meta["graphs"].items()},
        "arrays": {name: np.load(folder / f"{name}.npy") for name in meta["arrays"]},
        "encoder": encoders.load(folder / "encoder", device=device),
        "scm_bytes": (folder / "scm.pkl").read_bytes(),
    }


def _graph_to_json(graph: nx.DiGraph) -> dict:
    data = nx.node_link_data(graph, edges="edges")
    data["graph"] = _json_keys(data["graph"])
    return data


def _json_keys(value: Any) -> Any:
    """Graph attributes may be keyed by edges (tuples); JSON keys must be strings: ("a", "b") -> "a->b"."""
    if isinstance(value, dict):
        return {("->".join(map(str, k)) if isinstance(k, tuple) else k): _json_keys(v) for k, v in value.items()}
    if isinstance(value, pd.DataFrame):
        return {str(k): _json_keys(v) for k, v in value.to_dict().items()}
    return value


def _graph_from_json(data: dict) -> nx.DiGraph:
    return nx.node_link_graph(data, directed=True, edges="edges")


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (pd.DataFrame, np.ndarray)):
        return np.asarray(value).tolist()
    if isinstance(value, (set, tuple)):
        return list(value)
    raise TypeError(f"cannot store {type(value).__name__} in model.json")
