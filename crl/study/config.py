"""A study's declaration: data x models (objective x hyperparameter grid) x seeds, with training and scoring settings.

Written as YAML (`load_config` takes a shipped name, a .yaml file or a dict) and checked here key by key,
so that every mistake is one error naming the key and what was expected, before anything trains.
The keys (docs/study.md has a full example)::

    name: smoke                    # required
    description: ...               # optional
    data:                          # required, a list
      - {scene: pendulum, resolution: 32}
      - {dataset: shapes3d, path: /data/3dshapes.h5, label: shapes3d}
    models:                        # required, a list
      - {objective: beta-vae, grid: {beta: [1, 4]}}
      - {objective: ada-gvae, grid: {beta: [1, 4], pair_k: [1, random]}, options: {}}
    seeds: [0, 1]                  # or {count: 50}
    training: {steps: 600, batch_size: 64, latent_dim: 10, n_images: 2000}   # TRAINING_DEFAULTS fill the rest
    scores: {families: [metrics, selection], fast: true, seed: 0}
    resources: {cpu: 1, gpu: 0.25} # per trial (per pack of trials with pack > 1)
    max_failures: 1                # retries of a failing trial
    pack: 1                        # trials trained together by encoders.train_many: K, or auto (by free GPU memory)

A grid may vary any option of the objective's Config (`encoders.OBJECTIVES[name].Config`) and the training
settings in `GRID_TRAINING`. The config's hash (`config_hash`) leaves out `resources`, `max_failures` and
`description` and `pack`, which change how a study runs, not what it computes.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources as package_files
from pathlib import Path
from typing import Any

import yaml

from crl.scenes.labels import LABEL_MODES
from crl.study.data import DataSpec, parse_data
from crl.study.scores import DEFAULT_FAMILIES, FAMILIES
from encoders.objectives import OBJECTIVES

TRAINING_DEFAULTS: dict[str, Any] = {
    "steps": 300_000, "batch_size": 64, "latent_dim": 10, "lr": 1e-4, "label_weight": 10.0, "n_images": 20_000,
    "n_pairs": 10_000, "pair_k": 1, "n_labels": 0, "label_mode": "exact", "data_seed": 0,
}
"""disentanglement_lib's training (300,000 Adam steps of batch 64 at lr 1e-4, 10 latents), crl's label weight,
and how much data a trial draws: images, pairs (pair objectives only; pair_k factors changed: an int or "random"),
labelled images (0: none) and their mode, all drawn with data_seed so every model of a study sees the same data."""
GRID_TRAINING = ("steps", "batch_size", "latent_dim", "lr", "label_weight", "n_pairs", "pair_k", "n_labels",
                 "label_mode")
"""Training settings a model's grid may vary besides its objective's own options."""
SECTIONS = ("name", "description", "data", "models", "seeds", "training", "scores", "resources", "max_failures",
            "pack")
MODEL_KEYS = ("objective", "grid", "options")
RUN_ONLY = ("description", "resources", "max_failures", "pack")
"""Sections the hash leaves out: they change how a study runs, not what it computes."""


@dataclass(frozen=True)
class ModelSpec:
    """One objective of a study, with its grid (option -> values, every combination trained) and fixed options."""

    objective: str
    grid: dict[str, list[Any]]
    options: dict[str, Any]


@dataclass(frozen=True)
class StudyConfig:
    """A checked study declaration (see the module docstring for its keys); `crl.study.grid.trials` expands it."""

    name: str
    description: str
    data: tuple[DataSpec, ...]
    models: tuple[ModelSpec, ...]
    seeds: tuple[int, ...]
    training: dict[str, Any]
    scores: dict[str, Any]
    resources: dict[str, float]
    max_failures: int
    pack: int | str = 1

    def to_dict(self) -> dict[str, Any]:
        """The config as plain data, defaults filled in (what study.json stores and `parse_config` reads)."""
        values = dataclasses.asdict(self)
        values["data"] = [spec.to_dict() for spec in self.data]
        values["models"] = [dataclasses.asdict(model) for model in self.models]
        values["seeds"] = list(self.seeds)
        return values

    @property
    def hash(self) -> str:
        """sha256 of what the study computes: two configs with equal hashes give the same trials and results."""
        computed = {k: v for k, v in self.to_dict().items() if k not in RUN_ONLY}
        return hashlib.sha256(json.dumps(computed, sort_keys=True).encode()).hexdigest()


def shipped_names() -> list[str]:
    """The studies shipped with crl (crl/study/configs/*.yaml), by name."""
    folder = package_files.files("crl.study") / "configs"
    return sorted(entry.name.removesuffix(".yaml") for entry in folder.iterdir() if entry.name.endswith(".yaml"))


def load_config(source: str | Path | Mapping[str, Any] | StudyConfig) -> StudyConfig:
    """The checked config of a shipped study name, a YAML file, or a dict.

    Parameters
    ----------
    source : str, Path, dict or StudyConfig
        ``"smoke"`` (see `shipped_names`), a path to a .yaml/.yml file, or the config as a dict.

    Returns
    -------
    StudyConfig
    """
    if isinstance(source, StudyConfig):
        return source
    if isinstance(source, Mapping):
        return parse_config(source)
    text = str(source)
    if text in shipped_names():
        resource = package_files.files("crl.study") / "configs" / f"{text}.yaml"
        return parse_config(_yaml(resource.read_text(), f"shipped study {text!r}"))
    path = Path(text).expanduser()
    if not path.is_file() or path.suffix not in (".yaml", ".yml"):
        raise ValueError(f"study {text!r}: expected a shipped study name ({shipped_names()}) or a .yaml file that exists")
    return parse_config(_yaml(path.read_text(), str(path)))


def _yaml(text: str, where: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ValueError(f"{where} is not valid YAML: {error}") from None


def parse_config(values: Any) -> StudyConfig:
    """Check a config given as plain data (a dict as YAML reads it) and fill in the defaults."""
    if not isinstance(values, Mapping):
        raise ValueError(f"a study config must be a mapping of sections {list(SECTIONS)}, got {type(values).__name__}")
    unknown = sorted(set(values) - set(SECTIONS))
    if unknown:
        raise ValueError(f"unknown section(s) {unknown}; expected sections from {list(SECTIONS)}")
    for key in ("name", "data", "models"):
        if key not in values:
            raise ValueError(f"{key}: missing; a study needs 'name', 'data' and 'models'")
    name = values["name"]
    if not isinstance(name, str) or not name:
        raise ValueError(f"name: expected a non-empty string, got {name!r}")
    data = tuple(parse_data(entry, f"data[{i}]") for i, entry in enumerate(_list(values["data"], "data")))
    labels = [spec.label for spec in data]
    if len(set(labels)) != len(labels):
        raise ValueError(f"data: labels {labels} repeat; give each entry its own 'label'")
    description = values.get("description", "")
    if not isinstance(description, str):
        raise ValueError(f"description: expected a string, got {description!r}")
    return StudyConfig(
        name=name, description=description, data=data,
        models=tuple(_model(entry, f"models[{i}]") for i, entry in enumerate(_list(values["models"], "models"))),
        seeds=_seeds(values.get("seeds", [0])), training=_training(values.get("training", {})),
        scores=_scores(values.get("scores", {})), resources=_resources(values.get("resources", {})),
        max_failures=_count(values.get("max_failures", 1), "max_failures", 0), pack=_pack(values.get("pack", 1)))


def _list(value: Any, where: str) -> list[Any]:
    if isinstance(value, list) and not value:
        raise ValueError(f"{where}: empty, so the study would have zero trials; expected a non-empty list")
    if not isinstance(value, list):
        raise ValueError(f"{where}: expected a non-empty list, got {value!r}")
    return value


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ValueError(f"{where}: expected a mapping, got {value!r}")
    return value


def _count(value: Any, where: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{where}: expected an integer >= {minimum}, got {value!r}")
    return value


def _number(value: Any, where: str, minimum: float, strict: bool) -> float:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or value < minimum or (strict and value == minimum):
        raise ValueError(f"{where}: expected a finite number {'>' if strict else '>='} {minimum}, got {value!r}")
    return float(value)


def check_training_value(key: str, value: Any, where: str) -> Any:
    """`value` of training setting `key`, checked (an int stays an int, a number becomes a float)."""
    if key in ("steps", "batch_size", "latent_dim", "n_images"):
        return _count(value, where, 1)
    if key in ("n_pairs", "n_labels", "data_seed"):
        return _count(value, where, 0)
    if key == "lr":
        return _number(value, where, 0.0, strict=True)
    if key == "label_weight":
        return _number(value, where, 0.0, strict=False)
    if key == "pair_k":
        if value == "random":
            return value
        return _count(value, f"{where} (or 'random')", 1)
    if value not in LABEL_MODES:
        raise ValueError(f"{where}: expected one of {list(LABEL_MODES)}, got {value!r}")
    return value


def _training(values: Any) -> dict[str, Any]:
    values = _mapping(values, "training")
    unknown = sorted(set(values) - set(TRAINING_DEFAULTS))
    if unknown:
        raise ValueError(f"training: unknown setting(s) {unknown}; expected settings from {list(TRAINING_DEFAULTS)}")
    return {key: check_training_value(key, values.get(key, default), f"training.{key}")
            for key, default in TRAINING_DEFAULTS.items()}


def _model(entry: Any, where: str) -> ModelSpec:
    entry = _mapping(entry, where)
    unknown = sorted(set(entry) - set(MODEL_KEYS))
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {unknown}; expected keys from {list(MODEL_KEYS)}")
    objective = entry.get("objective")
    if objective not in OBJECTIVES:
        raise ValueError(f"{where}.objective: unknown objective {objective!r}; expected one of {sorted(OBJECTIVES)}")
    cls = OBJECTIVES[objective]
    known = sorted(f.name for f in dataclasses.fields(cls.Config))
    options = dict(_mapping(entry.get("options", {}), f"{where}.options"))
    grid = dict(_mapping(entry.get("grid", {}), f"{where}.grid"))
    for key in options:
        if key not in known:
            raise ValueError(f"{where}.options: unknown option {key!r} of objective {objective!r}; its options are {known}")
    for key, values in grid.items():
        if key not in known and key not in GRID_TRAINING:
            raise ValueError(f"{where}.grid: unknown hyperparameter {key!r} for objective {objective!r}; its options "
                             f"are {known}, and a grid may also vary {list(GRID_TRAINING)}")
        if key in options:
            raise ValueError(f"{where}: {key!r} is both in 'grid' and in 'options'; give it in one place")
        values = _list(values, f"{where}.grid.{key}")
        if len({json.dumps(v) for v in values}) != len(values):
            raise ValueError(f"{where}.grid.{key}: expected distinct values, got {values!r}")
        if key in GRID_TRAINING:
            values = [check_training_value(key, v, f"{where}.grid.{key}") for v in values]
        grid[key] = values
    return ModelSpec(objective, grid, options)


def _seeds(value: Any) -> tuple[int, ...]:
    if isinstance(value, Mapping):
        if set(value) != {"count"}:
            raise ValueError(f"seeds: expected a list of integers or {{count: N}}, got {dict(value)!r}")
        return tuple(range(_count(value["count"], "seeds.count", 1)))
    seeds = _list(value, "seeds")
    for seed in seeds:
        _count(seed, "seeds[]", 0)
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds: expected distinct integers, got {seeds!r}")
    return tuple(seeds)


def _scores(values: Any) -> dict[str, Any]:
    values = _mapping(values, "scores")
    unknown = sorted(set(values) - {"families", "fast", "seed"})
    if unknown:
        raise ValueError(f"scores: unknown key(s) {unknown}; expected keys from ['families', 'fast', 'seed']")
    families = values.get("families", list(DEFAULT_FAMILIES))
    for family in _list(families, "scores.families"):
        if family not in FAMILIES:
            raise ValueError(f"scores.families: unknown score family {family!r}; expected names from {sorted(FAMILIES)}")
    fast = values.get("fast", False)
    if not isinstance(fast, bool):
        raise ValueError(f"scores.fast: expected true or false, got {fast!r}")
    return {"families": list(families), "fast": fast, "seed": _count(values.get("seed", 0), "scores.seed", 0)}


def _pack(value: Any) -> int | str:
    """How many trials train together: an int >= 1 (1: each alone) or "auto" (`crl.study.runner.pack_size`)."""
    if value == "auto":
        return value
    return _count(value, "pack (or 'auto')", 1)


def _resources(values: Any) -> dict[str, float]:
    values = _mapping(values, "resources")
    unknown = sorted(set(values) - {"cpu", "gpu"})
    if unknown:
        raise ValueError(f"resources: unknown key(s) {unknown}; expected 'cpu' and 'gpu' (per trial)")
    return {"cpu": _number(values.get("cpu", 1), "resources.cpu", 0.0, strict=True),
            "gpu": _number(values.get("gpu", 0), "resources.gpu", 0.0, strict=False)}
