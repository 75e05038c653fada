"""How much of each factor a probe can read from the latents: test-set R^2 of a linear or a
small MLP regressor per factor (a common complement to the disentanglement scores)."""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression
from sklearn.metrics import r2_score
from sklearn.neural_network import MLPRegressor
from threadpoolctl import threadpool_limits

from crl.metrics.inputs import check_fraction, check_pair, column_names

PROBES = ("linear", "mlp")
MLP_HIDDEN = (64, 64)
MLP_MAX_ITER = 500


@dataclass(frozen=True)
class ProbeScore:
    """Mean test R^2 over factors (the main score) and the R^2 of each factor by name."""

    r2: float
    per_factor: dict[str, float]


def r2_probe(
    latents: Any, factors: Any, probe: str = "linear", seed: int = 0, train_fraction: float = 2 / 3
) -> ProbeScore:
    """Fit a probe from latents to factors on the first ceil(N * train_fraction) rows; R^2 on the rest.

    probe="linear": least squares per factor. probe="mlp": one scikit-learn MLPRegressor
    for all factors (two hidden layers of 64, up to 500 epochs, seeded), inputs and targets
    standardised with train statistics. R^2 can be
    negative when the probe predicts worse than the test mean.
    """
    if probe not in PROBES:
        raise ValueError(f"probe must be one of {PROBES}; got {probe!r}")
    z, y = check_pair(latents, factors)
    n_train = check_fraction(train_fraction, len(z))
    if len(z) - n_train < 2:  # R^2 of a single test row is undefined
        raise ValueError(f"latents has {len(z)} rows: train_fraction={train_fraction} leaves {len(z) - n_train} test "
                         "row(s); R^2 needs at least 2")
    names = column_names(factors, "factor", y.shape[1])
    return r2_probe_from_split(z[:n_train], y[:n_train], z[n_train:], y[n_train:], probe, seed, names)


def r2_probe_from_split(
    z_train: np.ndarray, y_train: np.ndarray, z_test: np.ndarray, y_test: np.ndarray, probe: str, seed: int, names: list[str]
) -> ProbeScore:
    """Probe R^2 of arrays already checked by `r2_probe` (or drawn by a sampler): the computation alone.

    Parameters
    ----------
    z_train, z_test : numpy.ndarray
        Latents (N, d) of the train and test rows.
    y_train, y_test : numpy.ndarray
        Raw factor values (N, k) of the same rows.
    probe : {"linear", "mlp"}
        The regressor.
    seed : int
        The MLP's random_state.
    names : list of str
        Factor names, for `ProbeScore.per_factor`.

    Returns
    -------
    ProbeScore
    """
    mean, std = z_train.mean(axis=0), z_train.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    y_mean, y_std = y_train.mean(axis=0), y_train.std(axis=0)
    y_std = np.where(y_std > 0, y_std, 1.0)  # R^2 is unchanged by this affine map of the targets
    x_train, x_test = (z_train - mean) / std, (z_test - mean) / std
    t_train, t_test = (y_train - y_mean) / y_std, (y_test - y_mean) / y_std
    if probe == "linear":
        model = LinearRegression()
    else:
        model = MLPRegressor(hidden_layer_sizes=MLP_HIDDEN, max_iter=MLP_MAX_ITER, random_state=seed)
    # small matrices: one BLAS thread is faster than many, and much faster on a busy machine
    with warnings.catch_warnings(), threadpool_limits(limits=1, user_api="blas"):
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(x_train, t_train)
    scores = r2_score(t_test, model.predict(x_test).reshape(len(x_test), -1), multioutput="raw_values")
    return ProbeScore(r2=float(np.mean(scores)), per_factor=dict(zip(names, map(float, scores))))
