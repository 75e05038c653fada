"""One trial of a study, as a Ray worker runs it: open the data, train, save the model, score it.

Plain Python over a `Trial` (no Ray here), so it can be run and tested alone. The training checkpoints to
DIR/checkpoints/<trial id> (`encoders.train`'s own checkpoints), so a retried trial continues where the failed
or killed attempt stopped; the checkpoint is removed once the model is saved to DIR/models/<trial id>.
`run_pack` trains several trials of one data set and objective together (`encoders.train_many`, checkpointed to
DIR/checkpoints/<first trial id>.pack) and yields each trial's result as it is scored.
"""
from __future__ import annotations

import math
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import encoders
from crl.scene_data import scene_training_data
from crl.study.data import renders
from crl.study.grid import Trial
from crl.study.results import MODELS
from crl.study.scores import ScoreContext, score
from encoders.objectives import OBJECTIVES

CHECKPOINTS = "checkpoints"
CHECKPOINTS_PER_TRAINING = 10
"""A trial checkpoints its training this many times, so a retry redoes at most a tenth of it."""


class TrainingDiverged(ValueError):
    """The training's loss went to NaN or infinity (lr too large for the objective, say): no model to score."""


def run_trial(trial: Trial, out: str | Path, scores: dict[str, Any]) -> dict[str, Any]:
    """Train `trial`'s model, save it, and score it with the study's score families.

    Parameters
    ----------
    trial : Trial
    out : str or Path
        The study's folder; the model goes to ``out/models/<trial id>``.
    scores : dict
        The study's ``scores`` settings: families, fast, seed.

    Returns
    -------
    dict
        ``scores``: {column: number} (`crl.study.scores.score`); ``wall_time``: seconds, data to scores;
        ``steps``: training steps run.
    """
    started = time.perf_counter()
    out = Path(out)
    data = trial.data.open()
    settings = trial.training
    images, pairs, labels = _training_data(trial, data)
    checkpoints = out / CHECKPOINTS / trial.id
    encoder = encoders.train(
        trial.objective, images, pairs, labels, latent_dim=settings["latent_dim"], steps=settings["steps"],
        batch_size=settings["batch_size"], lr=settings["lr"], label_weight=settings["label_weight"], seed=trial.seed,
        checkpoint_dir=checkpoints, checkpoint_every=max(1, settings["steps"] // CHECKPOINTS_PER_TRAINING),
        progress=False, **trial.options)
    row = _save_and_score(encoder, trial, data, out, scores)
    shutil.rmtree(checkpoints, ignore_errors=True)
    return {"scores": row, "wall_time": time.perf_counter() - started, "steps": settings["steps"]}


def run_pack(trials: list[Trial], out: str | Path, scores: dict[str, Any], done: frozenset[str] = frozenset()
             ) -> Iterator[dict[str, Any]]:
    """Train trials of one data set, objective and training settings (bar lr and label weight) together, then
    save and score each not in `done`; yields `run_trial`'s result per trial with its ``trial`` dict, in order.
    A diverged trial raises `TrainingDiverged` after the others are yielded. ``wall_time``: its share of the
    training and its own scoring. A retried pack resumes its checkpoint (all of its trials train, so that the
    checkpoint is theirs; a pack killed while scoring has nothing left to train)."""
    started, first = time.perf_counter(), trials[0]
    checkpoints = Path(out) / CHECKPOINTS / f"{first.id}.pack"
    data, settings = first.data.open(), first.training
    images, pairs, labels = _training_data(first, data)
    configs = [{"seed": t.seed, "lr": t.training["lr"], "label_weight": t.training["label_weight"],
                "latent_dim": settings["latent_dim"], **t.options} for t in trials]
    models = encoders.train_many(first.objective, images, configs, pairs=pairs, labels=labels, steps=settings["steps"],
                                 batch_size=settings["batch_size"], checkpoint_dir=checkpoints, progress=False,
                                 checkpoint_every=max(1, settings["steps"] // CHECKPOINTS_PER_TRAINING))
    share, diverged = (time.perf_counter() - started) / len(trials), []
    for trial, encoder in zip(trials, models):
        if trial.id in done:
            continue
        scored = time.perf_counter()
        try:
            row = _save_and_score(encoder, trial, data, Path(out), scores)
        except TrainingDiverged as error:
            diverged.append(error)
            continue
        yield {"trial": trial.to_dict(), "scores": row, "wall_time": share + time.perf_counter() - scored,
               "steps": settings["steps"]}
    if diverged:
        raise diverged[0]
    shutil.rmtree(checkpoints, ignore_errors=True)


def _training_data(trial: Trial, data: Any) -> tuple[Any, Any, Any]:
    """The images, pairs (pair objectives) and labels the trial trains on, drawn with its data seed."""
    settings = trial.training
    pair_objective = OBJECTIVES[trial.objective].needs_pairs
    sample = scene_training_data(data, settings["n_images"], settings["n_pairs"] if pair_objective else 0,
                                 settings["n_labels"], label_mode=settings["label_mode"], k=settings["pair_k"],
                                 seed=settings["data_seed"])
    pairs = None if sample.pairs is None else (sample.pairs.x1, sample.pairs.x2)
    return sample.sample.images, pairs, sample.labels


def _save_and_score(encoder: encoders.Encoder, trial: Trial, data: Any, out: Path, scores: dict[str, Any]
                    ) -> dict[str, float]:
    """Check the training converged, save the model to DIR/models/<trial id>, and score it."""
    check_converged(encoder.history, trial.id)
    encoder.save(out / MODELS / trial.id)
    context = ScoreContext(fast=scores["fast"], seed=scores["seed"], renders=renders(data),
                           pair_k=trial.training["pair_k"])
    return score(encoder, data, scores["families"], context)


def check_converged(history: list[dict[str, Any]], trial_id: str) -> None:
    """Raise TrainingDiverged when the last logged loss is not finite."""
    if not history:
        return
    last = history[-1]
    loss = last.get("loss", 0.0)
    if not math.isfinite(loss):
        raise TrainingDiverged(f"trial {trial_id}: training diverged (loss {loss} at step {last.get('step')}); "
                               "a smaller lr or a different hyperparameter value trains")
