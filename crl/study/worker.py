"""The function Ray Tune runs for each trial, on whichever worker holds the trial's resources."""
from __future__ import annotations

import json
from typing import Any

import torch
from ray import tune

from crl.study.callback import ROW, SKIPPED
from crl.study.grid import Trial
from crl.study.results import finished_ids
from crl.study.trial import run_trial


def trainable(config: dict[str, Any]) -> None:
    """Run one trial and report its row; a trial found finished in results.parquet reports that and stops.

    Parameters
    ----------
    config : dict
        Ray's trial config: ``trial`` (`Trial.to_dict`), ``out`` (the study's folder), ``scores`` (the study's score
        settings) and ``threads`` (the CPUs the trial holds, which torch may use).
    """
    trial = Trial.from_dict(config["trial"])
    if trial.id in finished_ids(config["out"]):  # finished before a restore: never trained twice
        tune.report({SKIPPED: True})
        return
    torch.set_num_threads(config["threads"])
    result = run_trial(trial, config["out"], config["scores"])
    tune.report({ROW: json.dumps(result)})
