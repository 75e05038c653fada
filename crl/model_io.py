"""Input checks at the CausalModel boundary, and its saved folder: JSON and safetensors, never pickle.

A saved model is a folder (schema 1):

- ``model.json``: constructor arguments, concept calibration, the graph and the DAG as node-link JSON
  with their notes (`to_plain`).
- ``scm.json`` and ``scm.safetensors``: the structural equations (`scm.SCM.to_state`).
- ``nuisance.safetensors``: the training images' nuisance latents, which queries resample.
- ``encoder/``: the encoder's own folder (`encoders.Encoder.save`).
- ``manifest.json``, written last: format, schema, crl version, each file's sha256 and tensor shapes
  (`encoders.manifest`).

Loading checks the manifest before it parses anything, then every field and shape against the
config, and names the file and field that is wrong (`crl.exceptions.ModelFileError`). It builds only
the record classes it knows, and never unpickles: a folder written by an older crl (``scm.pkl``) is
refused with a message saying how to make it again. That is a decision, not a gap: there is no
``trust_pickle`` path, because loading a pickle runs whatever code it holds. Saving replaces only a
saved CausalModel, never a user's file (`encoders.model_folder`).
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

from crl.concepts import ConceptMap
from crl.discovery import ORIENT_RULES
from crl.labels import numeric_labels
from crl.notes import ModelNotes
from encoders.data import check_images
from encoders.manifest import FolderFormat, seal
from encoders.model import Encoder, encoder_from_files
from encoders.model_files import DAMAGED, ModelFileError, parse_json, parse_tensors, tensor_bytes
from encoders.model_folder import check_target, read_folder, write_folder
from scm.mechanisms.state import StateError
from scm.model import SCM
from scm.notes import DiscoveryNotes, PairEvidence

FORMAT = FolderFormat(
    name="crl.CausalModel", noun="CausalModel", schema=1, legacy_marker="scm.pkl",
    legacy_files=("model.json", "scm.pkl", "*.npy", "encoder/config.json", "encoder/weights.pt", "encoder/history.json"),
    cosmetic=("encoder/history.json",),
    legacy_remedy="Fit the model again with this crl and save it; to use the folder as it is, install the crl version "
                  "that wrote it (its model.json names it).")
WEAK_OBJECTIVES = ("group-vae", "ml-vae", "ada-gvae", "ada-ml-vae")  # encoders that learn from pairs
_RECORDS = {cls.__name__: cls for cls in (ModelNotes, DiscoveryNotes, PairEvidence)}
_FILES = ("model.json", "scm.json", "scm.safetensors", "nuisance.safetensors", "encoder/manifest.json")


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


def check_labels(labels: Any, n_images: int) -> pd.DataFrame:
    """`labels` checked and with numbers written as text read as numbers (`crl.labels.numeric_labels`).

    Raises ValueError unless `labels` is a DataFrame with rows, uniquely named columns that each hold a value,
    indexed by image rows in [0, n_images).
    """
    if not isinstance(labels, pd.DataFrame) or labels.shape[1] == 0:
        raise ValueError("labels must be a pandas DataFrame with one column per concept, indexed by image row")
    if len(labels) == 0:
        raise ValueError("labels has no rows; pass at least one labelled image, or labels=None")
    duplicated = sorted({str(name) for name in labels.columns[labels.columns.duplicated()]})
    if duplicated:
        raise ValueError(f"labels has duplicated column name(s) {duplicated}; each concept needs one column")
    empty = [name for name in labels.columns if labels[name].notna().sum() == 0]
    if empty:
        raise ValueError(f"labels column(s) {empty} hold no value (all missing); drop them or label some rows")
    index = labels.index.to_numpy()
    if not np.issubdtype(index.dtype, np.integer) or index.min() < 0 or index.max() >= n_images:
        raise ValueError(f"labels must be indexed by image row positions 0..{n_images - 1}; "
                         f"got index {labels.index[:5].tolist()}...")
    return numeric_labels(labels)


def check_save_path(path: str | Path, overwrite: bool = False) -> None:
    """Raise ValueError unless a CausalModel may be saved at `path` (`encoders.model_folder.check_target`):
    call it before fitting a model that will be saved there."""
    check_target(path, FORMAT, overwrite)


def write_model_folder(path: str | Path, model: Any, overwrite: bool = False) -> None:
    """Write a fitted CausalModel's folder (see the module docstring), whole or not at all.

    Parameters
    ----------
    path : str or Path
        The folder; only a saved CausalModel there is replaced (and with `overwrite`, another saved model).
    model : CausalModel
        Fitted, with an `encoders.Encoder` and an `scm.SCM`.
    overwrite : bool
        Also replace another kind of saved model, or a CausalModel saved by an older crl.
    """
    check_save_path(path, overwrite)
    if not isinstance(model.encoder_, Encoder) or not isinstance(model.scm_, SCM):
        raise TypeError(f"only a model with an encoders.Encoder and an scm.SCM can be saved; this one has "
                        f"{type(model.encoder_).__name__} and {type(model.scm_).__name__}")
    meta = {"params": model.get_params(), "concepts": model.concepts_.to_dict(),
            "graphs": {"graph": graph_to_json(model.graph_), "dag": graph_to_json(model.dag_)}}
    files = {"model.json": json_file(meta), **scm_to_files(model.scm_),
             "nuisance.safetensors": tensor_bytes({"nuisance": np.asarray(model.nuisance_, dtype=np.float32)}),
             **into_subfolder(model.encoder_.to_files(), "encoder")}
    write_folder(path, seal(files, FORMAT), FORMAT, overwrite)


def read_model_folder(path: str | Path, device: str = "auto", params_of: Any = None) -> dict[str, Any]:
    """The parts of the model saved in folder `path`, each checked against the others before use.

    Parameters
    ----------
    path : str or Path
        A folder `write_model_folder` wrote.
    device : str
        Where the encoder and the SCM's networks go.
    params_of : type, optional
        The estimator class whose constructor takes the stored params (scikit-learn's `_get_param_names`):
        names it does not take are refused.

    Returns
    -------
    dict
        "params", "concepts" (ConceptMap), "graph", "dag", "nuisance", "scm", "encoder".

    Raises
    ------
    ModelFileError
        A ValueError naming the file (and field) that is wrong, and the remedy.
    """
    files, where = read_folder(path, FORMAT), str(path)
    missing = [name for name in _FILES if name not in files]
    if missing:
        raise ModelFileError(f"{where!r} is not a saved CausalModel: its manifest lists no {missing}")
    meta = parse_json(files["model.json"], f"{where}/model.json")
    parts = {key: json_field(meta, key, dict, f"{where}/model.json") for key in ("params", "concepts", "graphs")}
    check_params(parts["params"], params_of, f"{where}/model.json")
    concepts = built_from(ConceptMap.from_dict, parts["concepts"], f"{where}/model.json", "concepts")
    graphs = {name: built_from(graph_from_json, json_field(parts["graphs"], name, dict, f"{where}/model.json"),
                           f"{where}/model.json", f"graphs.{name}") for name in ("graph", "dag")}
    nuisance = parse_tensors(files["nuisance.safetensors"], f"{where}/nuisance.safetensors").get("nuisance")
    if nuisance is None or nuisance.ndim != 2 or nuisance.shape[1] != len(concepts.nuisance_names):
        raise ModelFileError(f"{where}/nuisance.safetensors: tensor 'nuisance' must have shape (N, "
                             f"{len(concepts.nuisance_names)}), one column per nuisance latent in model.json's concepts; "
                             f"got {None if nuisance is None else nuisance.shape}; {DAMAGED}")
    mechanisms = scm_from_files(files, where, device)
    encoder = encoder_from_files(subfolder(files, "encoder"), device, f"{where}/encoder")
    _check_agree(concepts, graphs["dag"], mechanisms, encoder, where)
    return {"params": parts["params"], "concepts": concepts, **graphs, "nuisance": nuisance, "scm": mechanisms,
            "encoder": encoder}


def scm_to_files(mechanisms: SCM) -> dict[str, bytes]:
    """The structural equations as ``scm.json`` and ``scm.safetensors`` (`scm.SCM.to_state`)."""
    state, arrays = mechanisms.to_state()
    return {"scm.json": json_file(state), "scm.safetensors": tensor_bytes(arrays)}


def into_subfolder(files: Mapping[str, bytes], name: str) -> dict[str, bytes]:
    """`files` named as under folder `name` of a saved model (the inverse of `subfolder`)."""
    return {f"{name}/{path}": data for path, data in files.items()}


def subfolder(files: Mapping[str, bytes], name: str) -> dict[str, bytes]:
    """The files under folder `name` of a saved model's files, named relative to it."""
    prefix = f"{name}/"
    return {path[len(prefix):]: data for path, data in files.items() if path.startswith(prefix)}


def check_params(params: Mapping[str, Any], params_of: Any, file: str) -> None:
    """Raise ModelFileError when stored constructor arguments name one that class `params_of` (a scikit-learn
    estimator; None: no check) does not take."""
    unknown = sorted(set(params) - set(params_of._get_param_names())) if params_of is not None else []
    if unknown:
        raise ModelFileError(f"{file}: field 'params' names argument(s) {unknown} that {params_of.__name__} does not "
                             f"take; {DAMAGED}")


def scm_from_files(files: Mapping[str, bytes], where: str, device: str) -> SCM:
    """The SCM of scm.json and scm.safetensors, its errors named by file and field."""
    state = parse_json(files["scm.json"], f"{where}/scm.json")
    arrays = parse_tensors(files["scm.safetensors"], f"{where}/scm.safetensors")
    try:
        return SCM.from_state(state, arrays, device=device)
    except StateError as err:
        file = "scm.safetensors" if err.part == "arrays" else "scm.json"
        raise ModelFileError(f"{where}/{file}: {err}; {DAMAGED}") from None


def _check_agree(concepts: ConceptMap, dag: nx.DiGraph, mechanisms: SCM, encoder: Encoder, where: str) -> None:
    """Raise ModelFileError unless the encoder, the concepts, the DAG and the SCM describe one model."""
    if encoder.latent_dim != concepts.latent_dim:
        raise ModelFileError(f"{where}/encoder/config.json field 'latent_dim' is {encoder.latent_dim}, but model.json "
                             f"field 'concepts.latent_dim' is {concepts.latent_dim}; {DAMAGED}")
    if set(mechanisms.graph_.nodes) != set(dag.nodes) or not set(concepts.names) <= set(dag.nodes):
        raise ModelFileError(f"{where}/scm.json field 'graph' has nodes {sorted(mechanisms.graph_.nodes)}, but "
                             f"model.json's DAG has {sorted(dag.nodes)} and its concepts {concepts.names}; {DAMAGED}")


def json_field(data: Any, key: str, kind: type, file: str) -> Any:
    """`data[key]`, which must be of JSON type `kind`, else ModelFileError naming `file` and the field."""
    value = data.get(key) if isinstance(data, dict) else None
    if not isinstance(value, kind):
        expected = "object" if kind is dict else kind.__name__
        raise ModelFileError(f"{file}: field {key!r} must be a JSON {expected}; got {type(value).__name__}; {DAMAGED}")
    return value


def built_from(build: Any, data: Any, file: str, key: str) -> Any:
    """`build(data)`, its errors on stored data (wrong fields, unknown records) named by file and field."""
    try:
        return build(data)
    except ModelFileError:
        raise
    except (KeyError, TypeError, ValueError, nx.NetworkXError) as err:
        raise ModelFileError(f"{file}: field {key!r} does not describe one ({err!r}); {DAMAGED}") from None


def json_file(value: Any) -> bytes:
    """`value` as the bytes of an indented JSON file (numpy scalars as numbers, NaN as null)."""
    return json.dumps(value, indent=2, default=_json_default).encode("utf-8")


def graph_to_json(graph: nx.DiGraph) -> dict:
    """A graph as node-link JSON data, its notes made plain (`to_plain`)."""
    data = nx.node_link_data(graph, edges="edges")
    data["graph"] = {key: to_plain(value) for key, value in data["graph"].items()}
    return data


def graph_from_json(data: dict) -> nx.DiGraph:
    """The graph `graph_to_json` described, with its notes rebuilt."""
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
    weight = params.get("readback_weight", 0.0)
    if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not 0 <= weight < float("inf"):
        raise ValueError(f"readback_weight must be a finite number >= 0; got {weight!r}")
