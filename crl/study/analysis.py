"""The numbers behind a study's figures: rank correlations, where score variance comes from, model selection.

Each function takes the results table (`crl.study.results`, rows with status "ok") and returns a table, so the
report prints the numbers next to each figure and tests check them on tables made by hand.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from crl.model_selection import select
from crl.study.config import GRID_TRAINING
from crl.study.results import HP_PREFIX
from crl.study.scores import lower_is_better

SOURCES = ("data", "objective", "hyperparameters", "seed")


def hyperparameter_columns(table: pd.DataFrame) -> list[str]:
    """The ``hp.<name>`` columns of the table, in order."""
    return [c for c in table.columns if str(c).startswith(HP_PREFIX)]


def rank_correlation(table: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Spearman rank correlation between every pair of score `columns` over the trials (pairwise complete rows)."""
    return table[list(columns)].apply(pd.to_numeric, errors="coerce").corr(method="spearman")


def cross_correlation(table: pd.DataFrame, ys: Sequence[str], xs: Sequence[str]) -> pd.DataFrame:
    """Spearman's rho of each `ys` column (rows) with each `xs` column (columns) over the trials."""
    return rank_correlation(table, list(dict.fromkeys([*ys, *xs]))).loc[list(ys), list(xs)]


def step_curves(table: pd.DataFrame, prefix: str) -> pd.DataFrame:
    """Median per objective of the columns ``{prefix}{step}`` (a score along training): rows steps, columns objectives."""
    found = {int(c[len(prefix):]): c for c in table.columns if str(c).startswith(prefix) and c[len(prefix):].isdigit()}
    steps = sorted(found)
    medians = table.groupby("objective", sort=False)[[found[s] for s in steps]].median()
    return pd.DataFrame(medians.to_numpy().T, index=pd.Index(steps, name="step"), columns=medians.index)


def _point(table: pd.DataFrame) -> pd.Series:
    """A key per row naming its grid point: objective and every hyperparameter value (seeds share it)."""
    parts = [table["objective"].astype(str)]
    parts += [table[c].map(lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v)) else repr(v))
              for c in hyperparameter_columns(table)]
    key = parts[0]
    for part in parts[1:]:
        key = key + "|" + part
    return key


def variance_shares(table: pd.DataFrame, column: str) -> dict[str, float]:
    """How much of a score's variance over the trials the data set, the objective, the hyperparameters and the
    seed explain: nested sums of squares (data, then objective within data, then grid point within objective;
    the seed is what is left within a grid point), each as a share of the total.

    Returns
    -------
    dict
        `SOURCES` -> share in [0, 1], summing to 1; all NaN when the score does not vary.
    """
    values = pd.to_numeric(table[column], errors="coerce")
    keep = values.notna()
    y, frame = values[keep].to_numpy(dtype=float), table[keep]
    total = float(((y - y.mean()) ** 2).sum())
    if total <= 0 or len(y) < 2:
        return dict.fromkeys(SOURCES, float("nan"))
    data = frame["data"].astype(str)
    objective = data + "|" + frame["objective"].astype(str)
    point = data + "|" + _point(frame)
    between = [_between(y, keys) for keys in (data, objective, point)]
    shares = [between[0], between[1] - between[0], between[2] - between[1], total - between[2]]
    return {source: max(0.0, share / total) for source, share in zip(SOURCES, shares)}


def _between(y: np.ndarray, keys: pd.Series) -> float:
    """Sum of squares between the groups `keys` makes: sum over groups of size x (group mean - mean)^2."""
    frame = pd.DataFrame({"y": y, "key": keys.to_numpy()})
    groups = frame.groupby("key")["y"].agg(["mean", "size"])
    return float((groups["size"] * (groups["mean"] - y.mean()) ** 2).sum())


def selection_table(table: pd.DataFrame, rules: Sequence[str], truths: Sequence[str]) -> pd.DataFrame:
    """Model selection against the true best, per data set: the model each rule picks (`crl.model_selection.select`),
    scored by each truth column, next to the best and the median model of that data set.

    Parameters
    ----------
    table : pandas.DataFrame
        Finished trials.
    rules : sequence of str
        Columns that pick a model without test labels (selection and unsupervised scores); a loss is minimised.
    truths : sequence of str
        Disentanglement scores the picks are judged by (higher is better).

    Returns
    -------
    pandas.DataFrame
        data, rule, truth, selected, best, median, regret (best - selected), one row per combination that has values.
    """
    rows = []
    for data, group in table.groupby("data"):
        for rule in rules:
            if pd.to_numeric(group[rule], errors="coerce").isna().all():
                continue
            picked = select(group, by=rule, higher_is_better=not lower_is_better(rule))
            for truth in truths:
                values = pd.to_numeric(group[truth], errors="coerce")
                chosen = pd.to_numeric(pd.Series([picked[truth]]), errors="coerce").iloc[0]
                if values.isna().all() or pd.isna(chosen):
                    continue
                rows.append({"data": data, "rule": rule, "truth": truth, "selected": float(chosen),
                             "best": float(values.max()), "median": float(values.median()),
                             "regret": float(values.max() - chosen)})
    return pd.DataFrame(rows, columns=["data", "rule", "truth", "selected", "best", "median", "regret"])


def regularisation_column(table: pd.DataFrame, objective: str) -> str | None:
    """The numeric option of the objective its trials vary most (its regularisation strength), or None.

    Options of the objective come before training settings (a grid over n_labels is no regularisation strength).
    """
    rows = table[table["objective"] == objective]
    best, rank = None, (0, 1)
    for column in hyperparameter_columns(rows):
        spread = pd.to_numeric(rows[column], errors="coerce").dropna().nunique()
        candidate = (int(column.removeprefix(HP_PREFIX) not in GRID_TRAINING), spread)
        if spread > 1 and candidate > rank:
            best, rank = column, candidate
    return best
