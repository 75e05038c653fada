"""One trial of a study, as a Ray worker runs it: open the data, train, save the model, score it.

Plain Python over a `Trial` (no Ray here), so it can be run and tested alone. The training checkpoints to
DIR/checkpoints/<trial id> (`encoders.train`'s own checkpoints), so a retried trial continues where the failed
or killed attempt stopped; the checkpoint is removed once the model is saved to DIR/models/<trial id>.
"""
from __future__ import annotations

import math
import shutil
import time
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
    pair_objective = OBJECTIVES[trial.objective].needs_pairs
    sample = scene_training_data(data, settings["n_images"], settings["n_pairs"] if pair_objective else 0,
                                 settings["n_labels"], label_mode=settings["label_mode"], k=settings["pair_k"],
                                 seed=settings["data_seed"])
    checkpoints = out / CHECKPOINTS / trial.id
    encoder = encoders.train(
        trial.objective, sample.sample.images, None if sample.pairs is None else (sample.pairs.x1, sample.pairs.x2),
        sample.labels, latent_dim=settings["latent_dim"], steps=settings["steps"], batch_size=settings["batch_size"],
        lr=settings["lr"], label_weight=settings["label_weight"], seed=trial.seed, checkpoint_dir=checkpoints,
        checkpoint_every=max(1, settings["steps"] // CHECKPOINTS_PER_TRAINING), progress=False, **trial.options)
    check_converged(encoder.history, trial.id)
    encoder.save(out / MODELS / trial.id)
    context = ScoreContext(fast=scores["fast"], seed=scores["seed"], renders=renders(data), pair_k=settings["pair_k"])
    row = score(encoder, data, scores["families"], context)
    shutil.rmtree(checkpoints, ignore_errors=True)
    return {"scores": row, "wall_time": time.perf_counter() - started, "steps": settings["steps"]}


def check_converged(history: list[dict[str, Any]], trial_id: str) -> None:
    """Raise TrainingDiverged when the last logged loss is not finite."""
    if not history:
        return
    last = history[-1]
    loss = last.get("loss", 0.0)
    if not math.isfinite(loss):
        raise TrainingDiverged(f"trial {trial_id}: training diverged (loss {loss} at step {last.get('step')}); "
                               "a smaller lr or a different hyperparameter value trains")
