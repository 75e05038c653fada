"""Model selection without test labels (Locatello et al. 2019, 2020): train a sweep of seeds x
hyperparameters, score every model, keep the best.

Two kinds of score need no test labels:
- unsupervised / weakly supervised: the reconstruction loss of held-out pairs after the
  weak-supervision aggregation (`pair_loss`) or the negative ELBO of held-out images
  (`neg_elbo`); lower is better. Locatello et al. (2020) found the pair loss tracks
  disentanglement for weakly supervised models; Locatello et al. (2019) found unsupervised
  scores do not for unsupervised ones.
- few-label validation: a disentanglement metric on a small labelled set (e.g. 100 images),
  `validation_<metric>`; higher is better (Locatello et al. 2020, "few labels").

`sweep` trains sequentially, or on any `concurrent.futures.Executor` (a process pool, or Ray's
executor-compatible pool) for large sweeps; `score_candidates` builds one table row per model;
`select` picks the best row.

Few-label validation scores read each factor column as labels: a categorical column (by
`scm.tables.is_discrete`, the one rule crl and scm share) by its values, any other one by
disentanglement_lib's 20 equal-width bins.
"""
from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import encoders
from crl.metrics import dci, histogram_discretize, mcc, mig, sap
from crl.metrics.discretize import NUM_BINS
from crl.metrics.inputs import as_table
from encoders.data import check_images
from encoders.objectives import get_objective
from encoders.objectives.base import Objective
from scm.tables import is_discrete

TRAIN_OPTIONS = ("latent_dim", "steps", "batch_size", "lr", "label_weight")
"""`encoders.train` arguments a grid may vary besides the objective's own options."""
VALIDATION_METRICS = ("mcc", "dci", "mig", "sap")
LOWER_IS_BETTER = ("pair_loss", "neg_elbo")
VALIDATION_PREFIX = "validation_"


@dataclass(frozen=True)
class Candidate:
    """One trained model of a sweep: the grid point it was trained with, its seed, and the encoder.

    Attributes
    ----------
    params : dict
        The grid values this model was trained with.
    seed : int
        Its training seed.
    encoder : encoders.Encoder
        The trained encoder.
    """

    params: dict[str, Any]
    seed: int
    encoder: Any

    @property
    def name(self) -> str:
        """A readable id such as 'beta=4,seed=0' (also the candidate's checkpoint folder name)."""
        return ",".join([*(f"{k}={v}" for k, v in self.params.items()), f"seed={self.seed}"])


def sweep(objective: str, images: np.ndarray, grid: Mapping[str, Sequence[Any]], seeds: Sequence[int] = (0,),
          pairs: tuple[np.ndarray, np.ndarray] | None = None, labels: pd.DataFrame | None = None, *,
          executor: Executor | None = None, **train_kwargs: Any) -> list[Candidate]:
    """Train `objective` once per (grid point, seed): the candidates model selection chooses among.

    Training is random and hyperparameters matter, so a fair comparison trains many models and
    picks one by a score that needs no test labels (`score_candidates`, `select`). All grid
    points are validated before anything trains.

    Parameters
    ----------
    objective : str
        An `encoders.OBJECTIVES` name.
    images : numpy.ndarray
        uint8 training images (N, H, W, C).
    grid : Mapping[str, Sequence]
        {option: [values]} over the objective's Config fields (e.g. beta) or the training
        arguments latent_dim, steps, batch_size, lr, label_weight; every combination is trained.
    seeds : Sequence[int]
        Distinct seeds; each grid point is trained once per seed.
    pairs : tuple of numpy.ndarray, optional
        (x1, x2) image pairs, needed by weakly supervised objectives.
    labels : pandas.DataFrame, optional
        Concept labels indexed by image row, needed by objectives that train on labels.
    executor : concurrent.futures.Executor, optional
        None trains here, one model after the other; an executor (threads, a process pool or
        Ray's pool) runs the trainings, and each seed gives the same model in all of them.
    **train_kwargs
        Passed to `encoders.train` unchanged for every model; a ``checkpoint_dir`` gets one
        sub-folder per candidate, named by `Candidate.name`, so a rerun resumes the sweep.

    Returns
    -------
    list of Candidate
        In grid-major order (all seeds of the first grid point first).
    """
    jobs = _jobs(objective, images, grid, seeds, pairs, labels, train_kwargs)
    if executor is None:
        trained = [encoders.train(objective, images, pairs, labels, **kwargs) for _, _, kwargs in jobs]
    else:
        futures = [executor.submit(encoders.train, objective, images, pairs, labels, **kwargs) for _, _, kwargs in jobs]
        trained = [future.result() for future in futures]
    return [Candidate(dict(params), seed, encoder) for (params, seed, _), encoder in zip(jobs, trained)]


def _jobs(objective: str, images: np.ndarray, grid: Mapping[str, Sequence[Any]], seeds: Sequence[int],
          pairs: Any, labels: Any, train_kwargs: Mapping[str, Any]) -> list[tuple[dict[str, Any], int, dict[str, Any]]]:
    """(grid point, seed, `encoders.train` keyword arguments) of every model, after checking all inputs."""
    cls = get_objective(objective)
    points = _grid_points(cls, grid, train_kwargs)
    seeds = _check_seeds(seeds)
    if "seed" in train_kwargs:
        raise ValueError("train_kwargs must not set ['seed']: sweep sets it (use seeds=[...])")
    check_images(images)
    if cls.needs_pairs and pairs is None:
        raise ValueError(f"pairs must be given: objective {objective!r} is weakly supervised and trains on (x1, x2)")
    if cls.needs_labels and labels is None:
        raise ValueError(f"labels must be given: objective {objective!r} needs a DataFrame of concept labels")
    jobs = []
    for params, seed in itertools.product(points, seeds):
        kwargs = {**train_kwargs, **params, "seed": seed}
        if train_kwargs.get("checkpoint_dir") is not None:
            kwargs["checkpoint_dir"] = Path(train_kwargs["checkpoint_dir"]) / Candidate(params, seed, None).name
        jobs.append((params, seed, kwargs))
    return jobs


def _grid_points(
    cls: type[Objective], grid: Mapping[str, Sequence[Any]], train_kwargs: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """Every combination of the grid's values, each checked against the objective's Config."""
    options = sorted(f.name for f in dataclasses.fields(cls.Config))
    if not isinstance(grid, Mapping) or not grid:
        raise ValueError(f"grid must be a non-empty dict {{option: [values]}}; objective {cls.name!r} options: "
                         f"{options}, training options: {list(TRAIN_OPTIONS)}")
    unknown = sorted(k for k in grid if k not in options and k not in TRAIN_OPTIONS)
    if unknown:
        raise ValueError(f"grid has unknown hyperparameter(s) {unknown} for objective {cls.name!r}; its options are "
                         f"{options}, and the training options are {list(TRAIN_OPTIONS)}")
    both = sorted(set(grid) & set(train_kwargs))
    if both:
        raise ValueError(f"grid and train_kwargs both set {both}; give each option in one place")
    values = [_distinct_list(v, f"grid[{k!r}]") for k, v in grid.items()]
    points = [dict(zip(grid, combo)) for combo in itertools.product(*values)]
    fixed_options = {k: v for k, v in train_kwargs.items() if k in options}
    for point in points:
        cls.make_config({**fixed_options, **{k: v for k, v in point.items() if k in options}})
        _check_train_values(point)
    return points


def _check_train_values(point: Mapping[str, Any]) -> None:
    """Raise ValueError for a grid value of a training option that `encoders.train` would reject."""
    for key in ("latent_dim", "steps", "batch_size"):
        value = point.get(key, 1)
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"grid[{key!r}] values must be positive integers, got {value!r}")
    for key, minimum, strict in (("lr", 0.0, True), ("label_weight", 0.0, False)):
        value = point.get(key, 1.0)
        ok = isinstance(value, (int, float, np.number)) and not isinstance(value, bool) and np.isfinite(value)
        if not ok or value < minimum or (strict and value == minimum):
            relation = ">" if strict else ">="
            raise ValueError(f"grid[{key!r}] values must be finite numbers {relation} {minimum}, got {value!r}")


def _distinct_list(values: Any, name: str) -> list[Any]:
    """A list or 1-D array of distinct values as a list of Python scalars (numpy scalars unwrapped)."""
    if isinstance(values, np.ndarray) and values.ndim == 1:
        values = values.tolist()
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or len(values) == 0:
        raise ValueError(f"{name} must be a non-empty list of values, got {values!r}")
    values = [v.item() if isinstance(v, np.generic) else v for v in values]
    if len({repr(v) for v in values}) != len(values):
        raise ValueError(f"{name} must hold distinct values, got {values!r}")
    return values


def _check_seeds(seeds: Sequence[int]) -> list[int]:
    """The seeds as a list of distinct ints."""
    seeds = _distinct_list(seeds, "seeds")
    if any(isinstance(s, bool) or not isinstance(s, int) for s in seeds):
        raise ValueError(f"seeds must be integers, got {seeds!r}")
    return seeds


def score_candidates(candidates: Sequence[Candidate], *, heldout_pairs: Any = None,
                     heldout_images: np.ndarray | None = None, validation: tuple[np.ndarray, Any] | None = None,
                     metric: str | Sequence[str] = "mcc") -> pd.DataFrame:
    """Score every candidate without test labels: one table row per model, ready for `select`.

    Parameters
    ----------
    candidates : Sequence[Candidate]
        Trained models, from `sweep`.
    heldout_pairs : tuple of numpy.ndarray or crl.scenes.Pairs, optional
        (x1, x2) image pairs not trained on -> column ``pair_loss``
        (`Encoder.pair_reconstruction_loss`; lower is better).
    heldout_images : numpy.ndarray, optional
        Images not trained on -> column ``neg_elbo`` (lower is better).
    validation : tuple (images, factors), optional
        A few labelled images (at least 4) and their factor table -> ``validation_<metric>``
        for each metric asked (higher is better). mcc uses the raw factor values; dci (its
        disentanglement), mig and sap use labels: categorical columns as they are, others in 20
        equal-width bins (disentanglement_lib's discretiser); dci and sap fit on the first 2/3
        of the rows and test on the rest.
    metric : str or Sequence[str]
        One or more of "mcc", "dci", "mig", "sap".

    Returns
    -------
    pandas.DataFrame
        One row per candidate, in order: name, objective, the grid params, seed, and the scores.
    """
    metrics = _check_scoring(candidates, heldout_pairs, heldout_images, validation, metric)
    x1, x2 = _check_pairs(heldout_pairs) if heldout_pairs is not None else (None, None)
    if validation is not None:
        val_images, values, labels = _check_validation(validation)
    rows = []
    for candidate in candidates:
        encoder = candidate.encoder
        row = {"name": candidate.name, "objective": encoder.objective, **candidate.params, "seed": candidate.seed}
        if x1 is not None:
            row["pair_loss"] = encoder.pair_reconstruction_loss(x1, x2)
        if heldout_images is not None:
            row["neg_elbo"] = encoder.elbo(heldout_images)
        if validation is not None:
            latents = encoder.encode(val_images)
            for m in metrics:
                row[VALIDATION_PREFIX + m] = _validation_score(m, latents, values, labels)
        rows.append(row)
    return pd.DataFrame(rows)


def _check_scoring(candidates: Any, heldout_pairs: Any, heldout_images: Any, validation: Any,
                   metric: str | Sequence[str]) -> list[str]:
    """The validation metrics asked for, after checking the candidates and that some score is asked."""
    if isinstance(candidates, Candidate) or not isinstance(candidates, Sequence) or len(candidates) == 0:
        raise ValueError("candidates must be a non-empty list of Candidate (from sweep)")
    not_candidates = [type(c).__name__ for c in candidates if not isinstance(c, Candidate)]
    if not_candidates:
        raise ValueError(f"candidates must all be Candidate objects, got {sorted(set(not_candidates))}")
    if heldout_pairs is None and heldout_images is None and validation is None:
        raise ValueError("give at least one of heldout_pairs, heldout_images or validation to score the candidates")
    metrics = [metric] if isinstance(metric, str) else list(metric)
    unknown = [m for m in metrics if m not in VALIDATION_METRICS]
    if unknown or not metrics:
        raise ValueError(f"metric must be one or more of {list(VALIDATION_METRICS)}, got {metric!r}")
    return metrics


def _check_pairs(pairs: Any) -> tuple[np.ndarray, np.ndarray]:
    """(x1, x2) from a tuple or a scene Pairs; shapes are checked by the encoder."""
    if hasattr(pairs, "x1") and hasattr(pairs, "x2"):
        return pairs.x1, pairs.x2
    if not isinstance(pairs, (tuple, list)) or len(pairs) != 2:
        raise ValueError(f"heldout_pairs must be (x1, x2) image arrays or a scene Pairs, got {type(pairs).__name__}")
    return pairs[0], pairs[1]


def _check_validation(validation: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validation images, their raw factor values (N, k) and discrete labels (N, k)."""
    if not isinstance(validation, (tuple, list)) or len(validation) != 2:
        raise ValueError("validation must be a tuple (images, factors) of labelled images and their factor table")
    images, factors = validation
    values = as_table(factors, "validation factors")
    if not hasattr(images, "shape") or len(images) != len(values):
        raise ValueError(f"validation images and factors must have one row per image; got "
                         f"{getattr(images, 'shape', type(images).__name__)} images and {len(values)} factor rows")
    if len(values) < 4:
        raise ValueError(f"validation needs at least 4 labelled images, got {len(values)}")
    constant = [j for j in range(values.shape[1]) if np.all(values[:, j] == values[0, j])]
    if constant:
        raise ValueError(f"validation factors column(s) {constant} take a single value; every factor must vary")
    labels = np.empty(values.shape, dtype=np.int64)
    for j in range(values.shape[1]):
        column = factors.iloc[:, j] if isinstance(factors, pd.DataFrame) else values[:, j]
        if is_discrete(column):
            labels[:, j] = np.unique(values[:, j], return_inverse=True)[1]
        else:
            labels[:, j] = histogram_discretize(values[:, [j]], NUM_BINS)[:, 0]
    return images, values, labels


def _validation_score(metric: str, latents: np.ndarray, values: np.ndarray, labels: np.ndarray) -> float:
    """One validation metric of the latents of the labelled images."""
    if metric == "mcc":
        return mcc(latents, values)
    if metric == "dci":
        return dci(latents, labels).disentanglement
    if metric == "mig":
        return mig(latents, labels)
    return sap(latents, labels)


def select(table: pd.DataFrame, by: str = "pair_loss", higher_is_better: bool | None = None) -> pd.Series:
    """The best row of a `score_candidates` table: the model to keep.

    Parameters
    ----------
    table : pandas.DataFrame
        From `score_candidates` (or any table with a numeric score column).
    by : str
        The score column. pair_loss and neg_elbo are minimised, validation_* maximised.
    higher_is_better : bool, optional
        The direction, needed for any other column.

    Returns
    -------
    pandas.Series
        The best row (rows where `by` is NaN are skipped); its ``.name`` is the candidate's index.
    """
    if not isinstance(table, pd.DataFrame):
        raise ValueError(f"table must be a DataFrame from score_candidates, got {type(table).__name__}")
    if by not in table.columns:
        scores = [c for c in table.columns if c in LOWER_IS_BETTER or str(c).startswith(VALIDATION_PREFIX)]
        raise ValueError(f"by must name a score column of table; {by!r} is missing, available scores: {scores}")
    if higher_is_better is None:
        if by in LOWER_IS_BETTER:
            higher_is_better = False
        elif by.startswith(VALIDATION_PREFIX):
            higher_is_better = True
        else:
            raise ValueError(f"by={by!r} is not a known score ({list(LOWER_IS_BETTER)} or {VALIDATION_PREFIX}*); "
                             "say which way is better with higher_is_better=True/False")
    column = pd.to_numeric(table[by], errors="coerce")
    if column.isna().all():
        raise ValueError(f"table column {by!r} has no numeric values to select by")
    return table.loc[column.idxmax() if higher_is_better else column.idxmin()]
