"""A study's folder: study.json (which study it holds), results.parquet (one row per trial) and models/.

Every file is written atomically (temp file, then rename: `encoders.atomic`), so a study killed at any moment
leaves each file whole, as it was before the write or after it. The table's columns: `META` (trial id, data,
objective, seed, status "ok" or "failed", error text, wall time in seconds, attempts), one ``hp.<name>`` column
per hyperparameter and one ``<family>.<score>`` column per score (`crl.study.scores`).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

import crl
from crl.study.config import StudyConfig
from encoders.atomic import atomic_path, atomic_write_text

STUDY_FILE = "study.json"
RESULTS_FILE = "results.parquet"
MODELS = "models"
META = ("trial_id", "data", "objective", "seed", "status", "error", "wall_time", "attempts")
HP_PREFIX = "hp."


def read_study(out: str | Path) -> dict[str, Any]:
    """The contents of DIR/study.json: the study's name, config hash, full config and trial count."""
    path = Path(out) / STUDY_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{str(out)!r} holds no study (no {STUDY_FILE}); run `crl study run NAME --out DIR` first")
    values = json.loads(path.read_text())
    if not isinstance(values, dict) or not {"name", "hash", "config", "trials"} <= set(values):
        raise ValueError(f"{path} is not a study file of crl (expected keys name, hash, config, trials)")
    return values


def check_folder(out: str | Path, config: StudyConfig) -> bool:
    """Raise ValueError unless `out` is new, empty, or holds this same study; True when it holds it already.

    A folder with another study's study.json, or with files but no study.json, is refused, so that a study
    never mixes its results with another's or writes over a user's files.
    """
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise ValueError(f"--out {str(out)!r} is a file; give a folder for the study")
    if not folder.exists() or not any(folder.iterdir()):
        return False
    if not (folder / STUDY_FILE).is_file():
        raise ValueError(f"--out {str(out)!r} has files but no {STUDY_FILE}; give a new or empty folder for the study")
    held = read_study(folder)
    if held["hash"] != config.hash:
        raise ValueError(f"--out {str(out)!r} holds the results of another study ({held['name']!r}, config hash "
                         f"{held['hash'][:12]}); this one ({config.name!r}, {config.hash[:12]}) needs its own folder")
    return True


def write_study(out: str | Path, config: StudyConfig, n_trials: int) -> None:
    """Write DIR/study.json for `config` (atomically)."""
    values = {"name": config.name, "hash": config.hash, "trials": n_trials, "crl_version": crl.__version__,
              "config": config.to_dict()}
    atomic_write_text(Path(out) / STUDY_FILE, json.dumps(values, indent=2, sort_keys=True) + "\n")


def read_results(out: str | Path) -> pd.DataFrame:
    """DIR/results.parquet, or an empty table with the `META` columns when no trial has finished yet."""
    path = Path(out) / RESULTS_FILE
    if not path.is_file():
        return pd.DataFrame({column: pd.Series(dtype=object) for column in META})
    return pd.read_parquet(path)


def finished_ids(out: str | Path) -> set[str]:
    """Ids of the trials whose row says status "ok": a rerun skips them."""
    table = read_results(out)
    return set(table.loc[table["status"] == "ok", "trial_id"].astype(str))


def upsert(table: pd.DataFrame, row: dict[str, Any]) -> pd.DataFrame:
    """`table` with `row` in place of any earlier row of the same trial (a retried or rerun trial keeps one row)."""
    kept = table[table["trial_id"] != row["trial_id"]] if len(table) else table
    new = pd.DataFrame([row])
    if not len(kept):
        return new.reset_index(drop=True)
    return pd.concat([kept, new], ignore_index=True)


def write_results(out: str | Path, table: pd.DataFrame) -> None:
    """Write the table to DIR/results.parquet atomically; a hyperparameter column mixing numbers and text
    (pair_k: 1 or "random") is stored as text, which parquet needs."""
    table = table.copy()
    for column in table.columns:
        if table[column].dtype == object:
            kinds = {type(v) for v in table[column].dropna()}
            if len(kinds) > 1 and str in kinds:
                table[column] = table[column].map(lambda v: v if v is None or (isinstance(v, float) and v != v) else str(v))
    with atomic_path(Path(out) / RESULTS_FILE) as tmp:
        table.to_parquet(tmp, index=False)
