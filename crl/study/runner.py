"""Running a study on Ray Tune: a grid of trials, per-trial resources, retries, restore, and the results table.

`run` checks everything first (config, data, output folder, the Ray address), then runs the trials not yet
finished as one Ray Tune experiment under DIR/ray. Embedded local Ray by default (no dashboard, worker logs
kept from the terminal); ``address=`` joins an existing cluster, whose workers must see DIR and the data
files at the same paths (shared storage). A rerun after a kill restores the experiment (`Tuner.restore`)
when Ray saved it, and any trial whose row in results.parquet says "ok" returns at once without training.
With ``pack`` > 1 (or "auto") in the config, trials that differ only in seed, lr, label weight and the objective's
options train together as one Ray trial (`encoders.train_many`), each still scored and recorded as its own row.
"""
from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import shutil
import socket
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from crl.study.config import StudyConfig, load_config
from crl.study.grid import Trial, trials
from crl.study.results import check_folder, finished_ids, read_results, write_study

EXPERIMENT = "study"
RAY_FOLDER = "ray"
CONNECT_TIMEOUT = 5.0
"""Seconds to wait for a Ray address to answer before refusing it."""
QUIET = {"RAY_AIR_NEW_OUTPUT": "0", "TUNE_DISABLE_AUTO_CALLBACK_LOGGERS": "1"}
"""Ray Tune's settings for a quiet terminal (the study's own progress bar instead of Ray's tables) and no
TensorBoard/CSV logs per trial (results.parquet is the record)."""


def run(study: str | Path | Mapping[str, Any] | StudyConfig, out: str | Path, *, address: str | None = None,
        num_cpus: int | None = None, progress: bool = True) -> pd.DataFrame:
    """Run every trial of a study not yet finished in `out`, on Ray Tune; the results table.

    Parameters
    ----------
    study : str, Path, dict or StudyConfig
        A shipped study name ("smoke", "unsupervised", "weak", "semi"), a YAML file, or a config dict.
    out : str or Path
        The study's folder: new, empty, or holding this same study (then finished trials are skipped).
    address : str, optional
        A Ray cluster to run on ("HOST:PORT", "ray://HOST:PORT" or "auto"); None starts Ray here. When Ray is
        running in this process already (`ray.init` called), that session is used.
    num_cpus : int, optional
        CPUs of the embedded Ray (default: all of this machine's).
    progress : bool
        Show trials done / running / failed and an ETA.

    Returns
    -------
    pandas.DataFrame
        DIR/results.parquet: one row per trial run so far (`crl.study.results`).
    """
    config = load_config(study)
    planned = trials(config)
    folder = Path(out).expanduser().resolve()
    check_folder(folder, config)
    if address is not None:
        check_address(address)
    folder.mkdir(parents=True, exist_ok=True)
    write_study(folder, config, len(planned))
    done = finished_ids(folder)
    pending = [trial for trial in planned if trial.id not in done]
    if pending:
        with ray_session(address, num_cpus), _quiet():
            _tuner(folder, config, pending, progress).fit()
    return read_results(folder)


def check_address(address: str, timeout: float = CONNECT_TIMEOUT) -> None:
    """Raise ValueError unless a Ray cluster answers at `address` within `timeout` seconds ("auto" is left to Ray)."""
    if address == "auto":
        return
    match = re.fullmatch(r"(?:ray://)?([^:/\s]+):(\d+)", address)
    if match is None:
        raise ValueError(f"address {address!r}: expected HOST:PORT, ray://HOST:PORT or auto")
    host, port = match.group(1), int(match.group(2))
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as error:
        raise ValueError(f"address {address!r}: no Ray cluster answers at {host}:{port} within {timeout:g} s "
                         f"({error.strerror or error}); start one with `ray start --head` or check the address") from None


@contextlib.contextmanager
def ray_session(address: str | None, num_cpus: int | None) -> Iterator[None]:
    """Ray for the length of a run: the session already started in this process, else a new one, shut down after."""
    import ray

    if ray.is_initialized():
        yield
        return
    try:
        if address is None:
            ray.init(num_cpus=num_cpus, include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR)
        else:
            ray.init(address=address, log_to_driver=False, logging_level=logging.ERROR)
    except (ConnectionError, ImportError) as error:  # ImportError: ray:// needs `pip install "ray[client]"`
        raise ValueError(f"address {address!r}: Ray could not connect ({error})") from None
    try:
        yield
    finally:
        ray.shutdown()


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Ray Tune's terminal output and per-trial loggers off for the run (`QUIET`), restored after."""
    saved = {key: os.environ.get(key) for key in QUIET}
    logger = logging.getLogger("ray.tune")
    level = logger.level
    os.environ.update(QUIET)
    logger.setLevel(logging.CRITICAL)  # a failing trial's traceback goes to its error file and its row
    try:
        yield
    finally:
        logger.setLevel(level)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _trial_name(trial: Any) -> str:
    """Ray's name and folder for a trial: the study's trial id."""
    return str(trial.config["trial"]["id"])


def _tuner(folder: Path, config: StudyConfig, pending: list[Trial], progress: bool) -> Any:
    """Restore the experiment a killed run left under DIR/ray, else a new one over the pending trials."""
    from ray import tune

    from crl.study.callback import StudyCallback
    from crl.study.worker import trainable

    experiment = folder / RAY_FOLDER / EXPERIMENT
    resources = {"cpu": config.resources["cpu"], "gpu": config.resources["gpu"]}
    runnable = tune.with_resources(trainable, resources)
    if tune.Tuner.can_restore(str(experiment)):
        return tune.Tuner.restore(str(experiment), runnable, resume_unfinished=True, resume_errored=True)
    shutil.rmtree(experiment, ignore_errors=True)  # a run killed before Ray first saved its state
    space = {"trial": tune.grid_search(_units(pending, pack_size(config))), "out": str(folder),
             "scores": config.scores, "threads": max(1, int(config.resources["cpu"]))}
    return tune.Tuner(
        runnable, param_space=space,
        tune_config=tune.TuneConfig(trial_name_creator=_trial_name, trial_dirname_creator=_trial_name),
        run_config=tune.RunConfig(name=EXPERIMENT, storage_path=str(folder / RAY_FOLDER), verbose=0,
                                  failure_config=tune.FailureConfig(max_failures=config.max_failures),
                                  callbacks=[StudyCallback(str(folder), progress)]))


PACK_MEMORY_SHARE = 0.5
"""Of the GPU memory free when a study starts, the share "auto" packing fills (the rest: workspaces, scoring)."""


def pack_size(config: StudyConfig) -> int:
    """The trials per pack: the config's int, or for "auto" how many of its largest models fit `PACK_MEMORY_SHARE`
    of this machine's free GPU memory (1 without a GPU: on a CPU packing does not pay)."""
    if config.pack != "auto":
        return int(config.pack)
    import torch

    if not torch.cuda.is_available():
        return 1
    free, _ = torch.cuda.mem_get_info()
    return max(1, int(PACK_MEMORY_SHARE * free // max(model_bytes(config, spec.resolution or 64) for spec in config.data)))


def model_bytes(config: StudyConfig, resolution: int) -> int:
    """Rough GPU memory of one packed training: float32 weights, gradients and Adam's two moments of the
    disentanglement_lib network (about 0.7 M parameters at 64 px) and about 50 activations per pixel and image
    kept for the backward pass (counted on that network at 64 px)."""
    side = resolution // 16
    parameters = 2 * 256 * 64 * side * side + 200_000
    return 4 * (4 * parameters + 50 * resolution * resolution * int(config.training["batch_size"]))


def _units(pending: list[Trial], size: int) -> list[dict[str, Any]]:
    """What each Ray trial runs: one trial's dict, or with `size` > 1 the first of a pack with the pack's trials
    under "pack" (trials of one data set, objective and training settings bar lr and label weight)."""
    if size == 1:
        return [trial.to_dict() for trial in pending]
    groups: dict[str, list[Trial]] = {}
    for trial in pending:
        shared = {k: v for k, v in trial.training.items() if k not in ("lr", "label_weight")}
        key = json.dumps([trial.data.to_dict(), trial.objective, shared], sort_keys=True, default=str)
        groups.setdefault(key, []).append(trial)
    units = []
    for members in groups.values():
        for start in range(0, len(members), size):
            pack = [trial.to_dict() for trial in members[start:start + size]]
            units.append({**pack[0], "pack": pack})
    return units
