"""The driver's side of a running study: each trial's row written to results.parquet as it lands, and progress.

A Ray Tune callback runs in the driver, one event at a time, so results.parquet has one writer. Its state
is built in `setup` (at the start of a run, and again after `Tuner.restore`), never pickled with the tuner.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ray import tune
from tqdm.auto import tqdm

from crl.study.results import HP_PREFIX, finished_ids, read_results, read_study, upsert, write_results

ROW = "study_row"
SKIPPED = "study_skipped"
"""Keys of what a trial reports: its row as JSON, or that it finished in an earlier run and was not run again."""
ERROR_CHARS = 500


def base_row(trial: dict[str, Any]) -> dict[str, Any]:
    """The columns every row of `trial` has: id, data, objective, seed and ``hp.<name>`` per hyperparameter."""
    return {"trial_id": trial["id"], "data": trial["data"]["label"], "objective": trial["objective"],
            "seed": trial["seed"], **{HP_PREFIX + k: v for k, v in trial["hyperparameters"].items()}}


def error_text(error_file: str | None) -> str:
    """The last line of a trial's error file (the exception and its message), or a note that there is none."""
    if not error_file or not Path(error_file).is_file():
        return "the trial failed without an error file"
    lines = [line.strip() for line in Path(error_file).read_text(errors="replace").splitlines() if line.strip()]
    return (lines[-1] if lines else "empty error file")[:ERROR_CHARS]


class StudyCallback(tune.Callback):
    """Writes DIR/results.parquet as trials finish or fail, and shows trials done / running / failed with an ETA.

    Parameters
    ----------
    out : str
        The study's folder (study.json is there already).
    progress : bool
        Show the progress bar.
    """

    def __init__(self, out: str, progress: bool):
        self.out = out
        self.progress = progress
        self._bar: Any = None
        self._running: set[str] = set()
        self._failures: dict[str, int] = {}
        self._failed = 0

    def setup(self, stop: Any = None, num_samples: int | None = None, total_num_samples: int | None = None,
              **info: Any) -> None:
        study = read_study(self.out)
        self._table = read_results(self.out)
        self._running, self._failures, self._failed = set(), {}, 0
        remaining = study["trials"] - len(finished_ids(self.out))
        self._bar = tqdm(total=remaining, desc=f"study {study['name']}", unit="trial", disable=not self.progress,
                         dynamic_ncols=True)
        self._show()

    def _show(self) -> None:
        self._bar.set_postfix_str(f"running {len(self._running)}, failed {self._failed}")

    def _write(self, row: dict[str, Any]) -> None:
        self._table = upsert(self._table, row)
        write_results(self.out, self._table)
        self._bar.update(1)
        self._show()

    def on_trial_start(self, iteration: int, trials: list, trial: Any, **info: Any) -> None:
        self._running.add(trial.trial_id)
        self._show()

    def on_trial_result(self, iteration: int, trials: list, trial: Any, result: dict, **info: Any) -> None:
        if ROW not in result:
            return
        reported = json.loads(result[ROW])
        spec = reported.get("trial", trial.config["trial"])  # a pack of trials reports each its own row
        self._write({**base_row(spec), "status": "ok", "error": "", "wall_time": reported["wall_time"],
                     "attempts": self._failures.get(trial.trial_id, 0) + 1, **reported["scores"]})

    def on_trial_recover(self, iteration: int, trials: list, trial: Any, **info: Any) -> None:
        self._failures[trial.trial_id] = self._failures.get(trial.trial_id, 0) + 1
        self._running.discard(trial.trial_id)
        self._show()

    def on_trial_complete(self, iteration: int, trials: list, trial: Any, **info: Any) -> None:
        self._running.discard(trial.trial_id)
        self._show()

    def on_trial_error(self, iteration: int, trials: list, trial: Any, **info: Any) -> None:
        self._running.discard(trial.trial_id)
        self._failed += 1
        finished = set(self._table.loc[self._table["status"] == "ok", "trial_id"]) if len(self._table) else set()
        for spec in trial.config["trial"].get("pack", [trial.config["trial"]]):  # each trial of a pack not yet done
            if spec["id"] not in finished:
                self._write({**base_row(spec), "status": "failed", "error": error_text(trial.error_file),
                             "wall_time": float("nan"), "attempts": self._failures.get(trial.trial_id, 0) + 1})

    def on_experiment_end(self, trials: list, **info: Any) -> None:
        self._bar.close()
