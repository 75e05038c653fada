"""An ObjectModel's saved folder: JSON and safetensors, never pickle (the layout of `crl.model_io`).

- ``model.json``: constructor arguments, the modelled attributes, categorical ones and scene factors, the graph and
  the DAG as node-link JSON, and the probes' metadata (`Probes.to_state`).
- ``probes.safetensors``: the probes' weights; ``tables.safetensors``: the training object table and the labelled
  matching, one tensor per column.
- ``scm.json`` and ``scm.safetensors``: the structural equations (`scm.SCM.to_state`).
- ``encoder/``: the slot model's own folder (`encoders.slots.SlotModel.save`).
- ``manifest.json``, written last (`encoders.manifest`).

Loading checks the manifest, then each part against the others, and names the file and field that is wrong.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from crl.model_io import (
    built_from,
    check_params,
    graph_from_json,
    graph_to_json,
    into_subfolder,
    json_field,
    json_file,
    scm_from_files,
    scm_to_files,
    subfolder,
)
from crl.objects.probes import Probes
from encoders.manifest import FolderFormat, seal
from encoders.model_files import DAMAGED, ModelFileError, parse_json, parse_tensors, tensor_bytes
from encoders.model_folder import check_target, read_folder, write_folder
from encoders.slots.model import SlotModel, slot_model_from_files

FORMAT = FolderFormat(name="crl.ObjectModel", noun="ObjectModel", schema=1, cosmetic=("encoder/history.json",))
_FILES = ("model.json", "probes.safetensors", "tables.safetensors", "scm.json", "scm.safetensors",
          "encoder/manifest.json")
_TABLES = ("objects", "matching")


def check_object_save_path(path: str | Path, overwrite: bool = False) -> None:
    """Raise ValueError unless an ObjectModel may be saved at `path` (nothing but a saved model is replaced)."""
    check_target(path, FORMAT, overwrite)


def write_object_folder(path: str | Path, model: Any, overwrite: bool = False) -> None:
    """Write a fitted ObjectModel's folder (see the module docstring), whole or not at all."""
    check_object_save_path(path, overwrite)
    if not isinstance(model.encoder_, SlotModel):
        raise TypeError(f"only an ObjectModel with an encoders.slots.SlotModel can be saved; this one has "
                        f"{type(model.encoder_).__name__}")
    probe_meta, probe_arrays = model.probes_.to_state()
    meta = {"params": model.get_params(), "attributes": model.attributes_, "categorical": model.categorical_,
            "factor_names": model.factor_names_, "probes": probe_meta, "columns": {},
            "graphs": {"graph": graph_to_json(model.graph_), "dag": graph_to_json(model.dag_)}}
    tables: dict[str, np.ndarray] = {}
    for name in _TABLES:
        frame = getattr(model, f"{name}_")
        meta["columns"][name] = [str(column) for column in frame.columns]
        tables.update({f"{name}.{column}": frame[column].to_numpy() for column in frame.columns})
    files = {"model.json": json_file(meta), "probes.safetensors": tensor_bytes(probe_arrays),
             "tables.safetensors": tensor_bytes(tables), **scm_to_files(model.scm_),
             **into_subfolder(model.encoder_.to_files(), "encoder")}
    write_folder(path, seal(files, FORMAT), FORMAT, overwrite)


def read_object_folder(path: str | Path, device: str = "auto", params_of: Any = None) -> dict[str, Any]:
    """The parts of the ObjectModel saved in folder `path`: "params", "attributes", "categorical", "factor_names",
    "graph", "dag", "probes", "objects", "matching", "scm", "encoder"; ModelFileError naming what is wrong."""
    files, where = read_folder(path, FORMAT), str(path)
    missing = [name for name in _FILES if name not in files]
    if missing:
        raise ModelFileError(f"{where!r} is not a saved ObjectModel: its manifest lists no {missing}")
    file = f"{where}/model.json"
    meta = parse_json(files["model.json"], file)
    params = json_field(meta, "params", dict, file)
    check_params(params, params_of, file)
    names = {key: [str(v) for v in json_field(meta, key, list, file)]
             for key in ("attributes", "categorical", "factor_names")}
    graphs = {name: built_from(graph_from_json, json_field(json_field(meta, "graphs", dict, file), name, dict, file),
                               file, f"graphs.{name}") for name in ("graph", "dag")}
    probe_arrays = parse_tensors(files["probes.safetensors"], f"{where}/probes.safetensors")
    probes = built_from(lambda data: Probes.from_state(data, probe_arrays), json_field(meta, "probes", dict, file),
                        f"{where}/model.json and probes.safetensors", "probes")
    tables = _tables(parse_tensors(files["tables.safetensors"], f"{where}/tables.safetensors"),
                     json_field(meta, "columns", dict, file), f"{where}/tables.safetensors")
    mechanisms = scm_from_files(files, where, device)
    encoder = slot_model_from_files(subfolder(files, "encoder"), device, f"{where}/encoder")
    _check_agree(names, graphs["dag"], probes, mechanisms, encoder, where)
    return {"params": params, **names, **graphs, "probes": probes, **tables, "scm": mechanisms, "encoder": encoder}


def _tables(arrays: dict[str, np.ndarray], columns: dict, where: str) -> dict[str, pd.DataFrame]:
    """The object table and the matching, rebuilt column by column in model.json's order."""
    frames = {}
    for name in _TABLES:
        order = columns.get(name)
        if not isinstance(order, list):
            raise ModelFileError(f"{where}: model.json lists no columns for table {name!r}; {DAMAGED}")
        absent = [c for c in order if f"{name}.{c}" not in arrays]
        if absent:
            raise ModelFileError(f"{where}: table {name!r} lacks column(s) {absent} that model.json lists; {DAMAGED}")
        frames[name] = pd.DataFrame({column: arrays[f"{name}.{column}"] for column in order})
    return frames


def _check_agree(names: dict[str, list[str]], dag: Any, probes: Probes, mechanisms: Any, encoder: SlotModel,
                 where: str) -> None:
    """Raise ModelFileError unless the slot model, the probes, the DAG and the SCM describe one model."""
    if probes.inverse.coef.shape[0] != encoder.slot_dim:
        raise ModelFileError(f"{where}/probes.safetensors: the inverse map writes {probes.inverse.coef.shape[0]} slot "
                             f"dimensions, the slot model has {encoder.slot_dim}; {DAMAGED}")
    nodes = {*names["factor_names"], *names["attributes"]}
    if set(dag.nodes) != nodes or set(mechanisms.graph_.nodes) != nodes or probes.attributes != names["attributes"]:
        raise ModelFileError(f"{where}: model.json's attributes and factors {sorted(nodes)}, its DAG "
                             f"{sorted(dag.nodes)}, the SCM's nodes {sorted(mechanisms.graph_.nodes)} and the probes' "
                             f"attributes {probes.attributes} must agree; {DAMAGED}")
