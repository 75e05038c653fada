"""Input checks at the CausalModel boundary and its one-folder persistence format.

A saved model is a folder: `model.json` (format tag, crl version, constructor arguments,
concept calibration, graphs as node-link JSON), `encoder/` (the encoder's own folder),
`nuisance.npy` and `scm.pkl` (the fitted structural equations, pickled: load only folders
you trust). The folder is written whole or not at all.
"""
from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

import crl
from crl.discovery import ORIENT_RULES
from crl.notes import ModelNotes
from encoders.atomic import atomic_directory
from encoders.data import check_images
from scm.notes import DiscoveryNotes, PairEvidence

FORMAT = "crl.CausalModel"
WEAK_OBJECTIVES = ("group-vae", "ml-vae", "ada-gvae", "ada-ml-vae")  # encoders that learn from pairs
_RECORDS = {cls.__name__: cls for cls in (ModelNotes, DiscoveryNotes, PairEvidence)}


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
        raise ValueError(f"labels must be indexed by image row positions 0..{n_images - 1}; "
                         f"got index {labels.index[:5].tolist()}...")


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
    data["graph"] = {key: to_plain(value) for key, value in data["graph"].items()}
    return data


def _graph_from_json(data: dict) -> nx.DiGraph:
    graph = nx.node_link_graph(data, directed=True, edges="edges")
    graph.graph.update({key: from_plain(value) for key, value in graph.graph.items()})
    return graph


def to_plain(value: Any) -> Any:
    """`value` as JSON-ready data that `from_plain` turns back into an equal value.

    The notes a graph carries (`crl.notes.ModelNotes`, `scm.notes.DiscoveryNotes`, `PairEvidence`) become
    dicts of their fields tagged with the class name, DataFrames the dict of their index, columns and data,
    tuples (edges) and dicts keyed by them tagged lists. Anything else is left for `json` to write.
    """
    if type(value) in _RECORDS.values():
        return {"__record__": type(value).__name__, **{f.name: to_plain(getattr(value, f.name)) for f in fields(value)}}
    if isinstance(value, pd.DataFrame):
        return {"__frame__": to_plain(value.to_dict(orient="split"))}
    if isinstance(value, tuple):
        return {"__tuple__": [to_plain(v) for v in value]}
    if isinstance(value, dict):
        if all(isinstance(key, str) for key in value):
            return {key: to_plain(v) for key, v in value.items()}
        return {"__items__": [[to_plain(key), to_plain(v)] for key, v in value.items()]}
    if isinstance(value, list):
        return [to_plain(v) for v in value]
    return value.item() if isinstance(value, np.generic) else value


def from_plain(value: Any) -> Any:
    """The value `to_plain` wrote (after a JSON round trip); only the record classes it knows are built."""
    if isinstance(value, list):
        return [from_plain(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "__record__" in value:
        name = value["__record__"]
        if name not in _RECORDS:
            raise ValueError(f"model.json names an unknown record {name!r}; known: {sorted(_RECORDS)}")
        return _RECORDS[name](**{k: from_plain(v) for k, v in value.items() if k != "__record__"})
    if set(value) == {"__frame__"}:
        split = from_plain(value["__frame__"])
        return pd.DataFrame(split["data"], index=split["index"], columns=split["columns"])
    if set(value) == {"__tuple__"}:
        return tuple(from_plain(v) for v in value["__tuple__"])
    if set(value) == {"__items__"}:
        return {from_plain(key): from_plain(v) for key, v in value["__items__"]}
    return {key: from_plain(v) for key, v in value.items()}


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


def check_settings(params: Mapping[str, Any], objective: str, pairs: Any, labels: pd.DataFrame | None) -> None:
    """Raise ValueError, before any training, unless a CausalModel's `params` (its constructor arguments) fit
    together and with the data: the encoder `objective` ("auto" resolved), whether `pairs` are given, `labels`."""
    import encoders
    import scm

    if objective not in encoders.OBJECTIVES:
        raise ValueError(f"encoder must be 'auto' or one of {sorted(encoders.OBJECTIVES)}; got {objective!r}")
    if objective in WEAK_OBJECTIVES and pairs is None:
        raise ValueError(f"encoder {objective!r} learns from pairs; pass pairs=(x1, x2)")
    routes = {"auto", "pairs", *scm.METHODS}
    if params["discovery"] not in routes:
        raise ValueError(f"discovery must be one of {sorted(routes)}; got {params['discovery']!r}")
    if params["discovery"] == "pairs" and pairs is None:
        raise ValueError("discovery='pairs' needs pairs=(x1, x2)")
    if params["orient"] not in ORIENT_RULES:
        raise ValueError(f"orient must be one of {ORIENT_RULES}; got {params['orient']!r}")
    n_labels = 0 if labels is None else labels.shape[1]
    latent_dim, holdout, decoder_steps = params["latent_dim"], params["label_holdout"], params["decoder_steps"]
    if not isinstance(latent_dim, int) or latent_dim < max(1, n_labels):
        raise ValueError(f"latent_dim must be an integer >= max(1, number of label columns = {n_labels}); got {latent_dim!r}")
    if not (isinstance(holdout, (int, float)) and 0 <= holdout < 1):
        raise ValueError(f"label_holdout must be a share in [0, 1); got {holdout!r}")
    if decoder_steps is not None and (not isinstance(decoder_steps, int) or decoder_steps < 0):
        raise ValueError(f"decoder_steps must be None (half of steps) or an integer >= 0; got {decoder_steps!r}")
