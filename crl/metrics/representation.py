"""Every disentanglement metric of a representation on one scene, as a tidy table."""
from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import pandas as pd

from crl.metrics.beta_vae import beta_vae_score
from crl.metrics.dci import dci_from_split
from crl.metrics.discretize import NUM_BINS
from crl.metrics.factor_vae import factor_vae_score
from crl.metrics.inputs import check_pair
from crl.metrics.mcc import mcc
from crl.metrics.mig import mig_from_arrays
from crl.metrics.modularity import modularity_explicitness_from_split
from crl.metrics.probes import r2_probe_from_split
from crl.metrics.sampling import EncodeFn, Table, check_count, check_scene, sample_table
from crl.metrics.sap import sap_from_split
from crl.protocols import GroundTruthData

TABLE_METRICS = ("mig", "dci", "sap", "modularity", "mcc", "r2_linear", "r2_mlp")
SCENE_METRICS = ("beta_vae", "factor_vae")
KNOWN_METRICS = TABLE_METRICS + SCENE_METRICS
DEFAULT_METRICS = ("mig", "dci", "sap", "modularity", "mcc", "beta_vae", "factor_vae")
N_DEFAULT = 10_000
"""Train points of the table metrics (disentanglement_lib's num_train); test points are half as many."""
FAST = {"n": 300, "batch_size": 16, "num_train": 200, "num_eval": 100, "pool": 400}
"""fast=True sizes: enough for a smoke test or a quick look, far too few for publishable numbers."""


def evaluate_representation(
    encode_fn: EncodeFn,
    scene: GroundTruthData,
    metrics: Sequence[str] = DEFAULT_METRICS,
    n: int | None = None,
    seed: int = 0,
    fast: bool = False,
) -> pd.DataFrame:
    """Score `encode_fn` (images -> (N, d) latents) on `scene`; a DataFrame with columns metric, score, value.

    Table metrics (mig, dci, sap, modularity, mcc, r2_linear, r2_mlp) share one seeded draw of
    n train + n // 2 test observations (n defaults to 10,000, or 300 with fast=True); continuous
    factors are labelled by 20 equal-width bins for mig, dci, sap and modularity, while mcc
    and the probes use raw values. beta_vae and factor_vae draw their own batches with
    disentanglement_lib's sizes (fast=True: batches of 16, 200 train and 100 eval points).
    """
    check_scene(scene, encode_fn)
    unknown = [m for m in metrics if m not in KNOWN_METRICS]
    if unknown or len(metrics) == 0:
        raise ValueError(f"metrics must be a non-empty list drawn from {KNOWN_METRICS}; unknown: {unknown}")
    n = (FAST["n"] if fast else N_DEFAULT) if n is None else n
    check_count(n, "n", 2)
    rows: list[tuple[str, str, float]] = []
    if any(m in TABLE_METRICS for m in metrics):
        table = sample_table(scene, encode_fn, n + max(1, n // 2), seed)
        names = [spec.name for spec in scene.factors]
        rows += [row for m in metrics if m in TABLE_METRICS for row in _rows(m, _table_metric(m, table, n, seed, names))]
    sizes = {"batch_size": FAST["batch_size"], "num_train": FAST["num_train"], "num_eval": FAST["num_eval"]} if fast else {}
    if "beta_vae" in metrics:
        pool = {"pool_size": FAST["pool"]} if fast else {}
        rows += _rows("beta_vae", beta_vae_score(scene, encode_fn, seed=seed, **sizes, **pool))
    if "factor_vae" in metrics:
        pool = {"num_variance_estimate": FAST["pool"]} if fast else {}
        rows += _rows("factor_vae", factor_vae_score(scene, encode_fn, seed=seed, **sizes, **pool))
    return pd.DataFrame(rows, columns=["metric", "score", "value"])


def _table_metric(name: str, table: Table, n_train: int, seed: int, factor_names: list[str]) -> Any:
    """One table metric on the first `n_train` rows (train) and the rest (test)."""
    if name == "mcc":
        return mcc(table.latents, table.values)
    z, y = check_pair(table.latents, table.values if name.startswith("r2_") else table.labels)
    parts = (z[:n_train], y[:n_train], z[n_train:], y[n_train:])
    if name == "mig":
        return mig_from_arrays(parts[0], parts[1], NUM_BINS)
    if name == "dci":
        return dci_from_split(*parts, seed)
    if name == "sap":
        return sap_from_split(*parts, False)
    if name == "modularity":
        return modularity_explicitness_from_split(*parts, NUM_BINS)
    return r2_probe_from_split(*parts, name.removeprefix("r2_"), seed, factor_names)


def _rows(metric: str, result: Any) -> list[tuple[str, str, float]]:
    """Tidy rows of one metric's result: a float, or a dataclass with one row per numeric field."""
    if not dataclasses.is_dataclass(result):
        return [(metric, metric, float(result))]
    rows = []
    for field in dataclasses.fields(result):
        value = getattr(result, field.name)
        if isinstance(value, dict):
            rows += [(metric, f"{field.name}[{key}]", float(v)) for key, v in value.items()]
        else:
            rows.append((metric, field.name, float(value)))
    return rows
