"""The function Ray Tune runs for each trial, on whichever worker holds the trial's resources."""
from __future__ import annotations

import json
from typing import Any

import torch
from ray import tune

from crl.study.callback import ROW, SKIPPED
from crl.study.grid import Trial
from crl.study.results import finished_ids
from crl.study.trial import run_pack, run_trial


def trainable(config: dict[str, Any]) -> None:
    """Run one trial (or pack) and report its row(s); trials found finished in results.parquet are not run again.

    Parameters
    ----------
    config : dict
        Ray's trial config: ``trial`` (`Trial.to_dict`; for a pack, its first trial with all of them under
        ``pack``, each reported as its own row), ``out`` (the study's folder), ``scores`` (the study's score
        settings) and ``threads`` (the CPUs the trial holds, which torch may use).
    """
    spec = dict(config["trial"])
    pack = spec.pop("pack", None)
    done = finished_ids(config["out"])
    if pack is None and spec["id"] in done or pack is not None and all(t["id"] in done for t in pack):
        tune.report({SKIPPED: True})  # finished before a restore: never trained twice
        return
    torch.set_num_threads(config["threads"])
    if pack is None:
        tune.report({ROW: json.dumps(run_trial(Trial.from_dict(spec), config["out"], config["scores"]))})
        return
    for result in run_pack([Trial.from_dict(t) for t in pack], config["out"], config["scores"], frozenset(done)):
        tune.report({ROW: json.dumps(result)})
