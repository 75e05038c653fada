"""`auto` mechanism choice per node: linear unless an MLP predicts clearly better on held-out rows."""
from __future__ import annotations

import numpy as np

from scm.mechanisms.base import AdditiveNoiseMechanism
from scm.mechanisms.linear import LinearMechanism
from scm.mechanisms.mlp import MLPMechanism
from scm.thresholds import SELECTION_MARGIN


def select_mechanism(X: np.ndarray, y: np.ndarray, rng: np.random.Generator, *, noise: str = "empirical",
                     holdout: float = 0.2, margin: float = SELECTION_MARGIN,
                     **mlp_options) -> tuple[AdditiveNoiseMechanism, dict[str, float]]:
    """Fit linear and MLP on a random (1 - holdout) split; keep the MLP only if its held-out mean
    squared error is below (1 - margin) times the linear one (the simpler model wins ties).

    The winner is refitted on all rows. Returns it and the held-out MSE of both candidates.
    Defaults: holdout=0.2, margin=`scm.thresholds.SELECTION_MARGIN`.
    """
    if not 0.0 < holdout < 1.0:
        raise ValueError(f"holdout must be in (0, 1); got {holdout!r}")
    if not 0.0 <= margin < 1.0:
        raise ValueError(f"margin must be in [0, 1); got {margin!r}")
    order = rng.permutation(len(y))
    n_test = max(1, int(round(holdout * len(y))))
    test, train = order[:n_test], order[n_test:]
    candidates = {"linear": lambda: LinearMechanism(noise=noise),
                  "mlp": lambda: MLPMechanism(noise=noise, **mlp_options)}
    scores = {}
    for name, make in candidates.items():
        fitted = make().fit(X[train], y[train], rng)
        scores[name] = float(np.mean((fitted.predict(X[test]) - y[test]) ** 2))
    choice = "mlp" if scores["mlp"] < (1.0 - margin) * scores["linear"] else "linear"
    return candidates[choice]().fit(X, y, rng), scores
