"""Studies: declared grids of models (objectives x hyperparameters x seeds x data), trained and scored on Ray Tune.

`run(study, out)` trains and scores every trial of a study (a shipped name, a YAML file or a dict; see
`crl.study.config`) on Ray Tune, writing DIR/results.parquet as trials finish; a rerun skips finished trials.
`plan` counts the trials and estimates the time, `status` reads a study's folder, `report` writes the
papers' figures. Modules: `config` (schema and checks), `data` (scenes and data sets by name), `grid`
(the trials), `scores` (the score families, a registry), `trial` (train, save, score one model), `results`
(the folder and its table), `runner`, `worker` and `callback` (Ray Tune), `plan`, `status`, `report` and
`figures`. Shipped studies: configs/*.yaml (`shipped_names`).
"""
from __future__ import annotations

from typing import Any

from crl.study.config import StudyConfig, load_config, shipped_names
from crl.study.grid import Trial, trials
from crl.study.scores import FAMILIES


def run(*args: Any, **kwargs: Any) -> Any:
    """`crl.study.runner.run`, imported on first use (it pulls in Ray)."""
    from crl.study.runner import run as run_study

    return run_study(*args, **kwargs)


__all__ = ["FAMILIES", "StudyConfig", "Trial", "load_config", "run", "shipped_names", "trials"]
