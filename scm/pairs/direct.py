"""Is ancestor i a direct parent of j? A test that measurement error cannot fake.

Regress j (before) on polynomial features of its ancestors (before), instrumented by the same
features measured after, and the after row the other way round. The two measurements of a pair
carry independent errors, and j's own noise is independent of its ancestors' values in either
measurement, so the instruments are valid in every pair; they are strong because most ancestors
keep their true value within a pair (exactly the replicate-measurement design of errors-in-
variables regression). For independent additive error E[x^k measured | x] is a degree-k polynomial
in x with leading coefficient 1, so an additive polynomial mechanism is estimated without the
attenuation that makes plain conditional-independence tests on noisy tables find spurious edges.
The parent test is a pair-clustered Wald test that the coefficients of i's features are zero.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from scm.thresholds import PAIRS_PER_FEATURE

# Additive polynomial degree of the mechanism model: 3 captures monotone saturation (tanh-like)
# and U-shapes (quadratic) while keeping the instruments strong.
DEGREE = 3


@dataclass(frozen=True)
class DirectTest:
    """Outcome of one direct-edge test."""

    p_value: float
    effect: float  # share of j's (measured) variance carried by i's features, in [0, 1]
    n_pairs: int


def _features(x: np.ndarray) -> np.ndarray:
    """Columns x, x^2, ..., x^DEGREE of each (standardised) variable, plus an intercept."""
    powers = [x**k for k in range(1, DEGREE + 1)]
    return np.column_stack([np.ones(len(x)), *powers])


def direct_edge_test(before: np.ndarray, after: np.ndarray, target: int, candidate: int,
                     others: list[int], rows_after: np.ndarray | None = None) -> DirectTest | None:
    """Test whether column `candidate` enters column `target`'s mechanism given `others` (the rest
    of the target's ancestors). `before`/`after` are standardised tables; `rows_after` (default all)
    marks pairs whose after-row still follows the target's mechanism (not so where the target itself
    was intervened on). Returns None when there are too few pairs or the instruments are degenerate.
    """
    cols = [candidate, *others]
    n = len(before)
    fb, fa = _features(before[:, cols]), _features(after[:, cols])
    if n < PAIRS_PER_FEATURE * fb.shape[1]:
        return None
    keep = np.ones(n, dtype=bool) if rows_after is None else rows_after
    x = np.vstack([fb, fa])
    w = np.vstack([fa, fb * keep[:, None]])  # each row is instrumented by the pair's other measurement
    y = np.concatenate([before[:, target], after[:, target]])
    a = w.T @ x
    try:
        a_inv = np.linalg.inv(a)
    except np.linalg.LinAlgError:
        return None
    beta = a_inv @ (w.T @ y)
    resid = y - x @ beta
    scores = w[:n] * resid[:n, None] + w[n:] * resid[n:, None]  # one score per pair (cluster)
    cov = a_inv @ (scores.T @ scores) @ a_inv.T
    # the candidate's features sit at positions 1 + k * len(cols) for k = 0..DEGREE-1
    idx = np.array([1 + k * len(cols) for k in range(DEGREE)])
    b = beta[idx]
    try:
        wald = float(b @ np.linalg.solve(cov[np.ix_(idx, idx)], b))
    except np.linalg.LinAlgError:
        return None
    p_value = float(stats.chi2.sf(wald, df=len(idx)))
    # true covariance of the candidate's features: the before/after cross-covariance (errors cancel)
    fc_b, fc_a = fb[:, idx] - fb[:, idx].mean(0), fa[:, idx] - fa[:, idx].mean(0)
    cross = 0.5 * (fc_b.T @ fc_a + fc_a.T @ fc_b) / n
    effect = float(np.clip(b @ cross @ b / max(float(y.var()), 1e-12), 0.0, 1.0))
    return DirectTest(p_value, effect, n)
