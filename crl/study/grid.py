"""A study's trials: every data x model x grid point x seed, each checked and named before anything trains.

A trial's id is readable and stable (``pendulum-beta-vae-beta=4-s1``): it names the trial's row in
results.parquet and its folder under models/, and a rerun of the same study recognises finished trials by it.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import asdict, dataclass
from typing import Any

from crl.study.config import GRID_TRAINING, StudyConfig
from crl.study.data import DataFacts, DataSpec, check_data
from encoders.objectives import OBJECTIVES


@dataclass(frozen=True)
class Trial:
    """One model of a study: where its data comes from, what trains it, and its seed.

    Attributes
    ----------
    id : str
        Unique within the study; the results row and the models/ folder are named by it.
    data : DataSpec
    objective : str
        An `encoders.OBJECTIVES` name.
    hyperparameters : dict
        The model's fixed options and its grid point (the results table's ``hp.<name>`` columns).
    options : dict
        The objective's options passed to `encoders.train`.
    training : dict
        The training settings (`crl.study.config.TRAINING_DEFAULTS` keys), grid values applied.
    seed : int
        The training seed.
    """

    id: str
    data: DataSpec
    objective: str
    hyperparameters: dict[str, Any]
    options: dict[str, Any]
    training: dict[str, Any]
    seed: int

    def to_dict(self) -> dict[str, Any]:
        """The trial as plain data: what a Ray worker receives."""
        values = asdict(self)
        values["data"] = self.data.to_dict()
        return values

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Trial:
        """The trial `to_dict` wrote."""
        return cls(**{**values, "data": DataSpec.from_dict(values["data"])})


def trials(config: StudyConfig) -> list[Trial]:
    """Every trial of `config`, data-major then model, grid point and seed; the data are opened once to check them.

    Raises
    ------
    ValueError
        Naming the config key, for a grid point its objective refuses, a pair objective without pairs or on data
        that cannot make them, labels the latents cannot hold, or two entries that declare the same trial.
    """
    facts = {spec.label: check_data(spec, f"data[{i}]") for i, spec in enumerate(config.data)}
    found: dict[str, str] = {}
    out = []
    for spec in config.data:
        for m, model in enumerate(config.models):
            where = f"models[{m}]"
            for point in _points(model.grid):
                options = {**model.options, **{k: v for k, v in point.items() if k not in GRID_TRAINING}}
                training = {**config.training, **{k: v for k, v in point.items() if k in GRID_TRAINING}}
                _check(model.objective, options, training, facts[spec.label], f"{where} on {spec.label}")
                hyper = {**model.options, **point}
                for seed in config.seeds:
                    trial = Trial(trial_id(spec.label, model.objective, hyper, seed), spec, model.objective, hyper,
                                  options, training, seed)
                    if trial.id in found:
                        raise ValueError(f"{where}: declares trial {trial.id!r} again ({found[trial.id]} did first); "
                                         "give each model entry different options or grid values")
                    found[trial.id] = where
                    out.append(trial)
    return out


def _points(grid: dict[str, list[Any]]) -> list[dict[str, Any]]:
    """Every combination of the grid's values (one empty point for an empty grid)."""
    return [dict(zip(grid, combination)) for combination in itertools.product(*grid.values())]


def _check(objective: str, options: dict[str, Any], training: dict[str, Any], facts: DataFacts, where: str) -> None:
    """What `encoders.train` and the data would refuse in the middle of a study, refused now."""
    cls = OBJECTIVES[objective]
    try:
        cls.make_config(options)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{where}: objective {objective!r} refuses options {options}: {error}") from None
    if cls.needs_pairs and training["n_pairs"] < 1:
        raise ValueError(f"{where}: objective {objective!r} trains on pairs; training.n_pairs must be >= 1")
    if cls.needs_pairs and not facts.renders:
        raise ValueError(f"{where}: objective {objective!r} trains on pairs, and this data (a folder of images that is "
                         "no full grid) cannot make them")
    if cls.needs_labels and training["n_labels"] < 1:
        raise ValueError(f"{where}: objective {objective!r} needs labels; set n_labels >= 1 in training or the grid")
    if training["n_labels"] > training["n_images"]:
        raise ValueError(f"{where}: n_labels ({training['n_labels']}) must not exceed n_images ({training['n_images']})")
    if training["n_labels"] and training["latent_dim"] < facts.n_factors:
        raise ValueError(f"{where}: with labels, latent_dim ({training['latent_dim']}) must be >= the data's "
                         f"{facts.n_factors} factors (one latent per labelled factor)")


def _value(value: Any) -> str:
    return format(value, "g") if isinstance(value, float) else str(value)


def trial_id(label: str, objective: str, hyperparameters: dict[str, Any], seed: int) -> str:
    """``<data>-<objective>-<name>=<value>...-s<seed>``, with any character outside [A-Za-z0-9._=-] made '_'."""
    parts = [label, objective, *(f"{k}={_value(v)}" for k, v in hyperparameters.items()), f"s{seed}"]
    return re.sub(r"[^A-Za-z0-9._=-]", "_", "-".join(parts))
