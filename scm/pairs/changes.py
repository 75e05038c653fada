"""Which variables changed in each pair: per-column cuts calibrated on the pairs themselves.

|after - before| of a column mixes "unchanged" (exact zeros on true factors, estimation noise on
learned latents) and "changed" (the size of real variation). Rules, per column:
- discrete: a column of whole-number codes with at most `scm.thresholds.MAX_LEVELS` levels (a
  categorical concept, read out as a class) changes exactly when its level does. Its zeros say
  nothing about the other columns.
- exact: the continuous columns are measured without error when one of them has |delta| <= 1e-9
  std in at least 1% of pairs; then any nonzero delta is a change, and a column with no zeros
  changes in every pair.
- noise: otherwise the unchanged deltas are estimation noise, Gaussian with scale s around zero. s is
  the scale of the central mode (iterated 2.5 s truncated variance, started from below, so it locks
  onto the narrowest mode); every column then takes the lowest such level in units of its std, as
  errors of one encoder are of similar relative size and a column that changes in every pair has no
  noise mode of its own. |delta| > 3 s is a change (0.3% false calls);
  |delta| <= s is "clearly still" (68% of unchanged pairs, but few real changes fall so low); the
  band between is left undecided. Both cuts are raised to at least 10% of the column's
  90th-percentile change: an encoder's leak of one variable into another's latent is systematic,
  not noise, and would otherwise read as a causal effect; effects below that share are not seen.
- given: a user `threshold` t in units of the column's std: |delta| > t std is a change, else none.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

from scm.tables import is_discrete
from scm.thresholds import CHANGED, EXACT_SHARE, EXACT_TOL, MIN_RELATIVE, REAL_QUANTILE, STILL, TRUNCATE

# Variance of a standard normal truncated to [-c, c], to de-bias the truncated fit.
_TRUNC_VAR = 1 - 2 * TRUNCATE * norm.pdf(TRUNCATE) / (2 * norm.cdf(TRUNCATE) - 1)


@dataclass(frozen=True)
class Changes:
    """Per-pair change calls: `changed` and `still` are (n_pairs, n_columns) booleans (both False in
    the undecided band); `threshold` is each column's |delta| cut for a change; `still_share` the
    share of truly unchanged pairs that are called still; `rule` says which rule set each column
    ("discrete", "exact", "always", "noise", "given").
    """

    changed: np.ndarray
    still: np.ndarray
    threshold: np.ndarray
    still_share: np.ndarray
    rule: list[str]


def noise_scale(delta: np.ndarray) -> float:
    """Scale of the central (estimation-noise) mode of one column's deltas."""
    mag = np.abs(delta)
    scale = float(np.quantile(mag, 0.02) / norm.ppf(0.51))  # as if the smallest 2% were all noise
    if scale <= 0:
        return 0.0
    for _ in range(200):
        inside = mag < TRUNCATE * scale
        new = float(np.sqrt(np.mean(delta[inside] ** 2) / _TRUNC_VAR))
        if abs(new - scale) <= 1e-9 * scale:
            break
        scale = new
    return scale


def discrete_columns(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """Boolean per column: discrete (`scm.tables.is_discrete`) over both tables."""
    both = np.concatenate([before, after])
    return np.array([is_discrete(both[:, j]) for j in range(both.shape[1])])


def detect_changes(before: np.ndarray, after: np.ndarray, threshold: str | float = "auto") -> Changes:
    """Call, in each pair, the columns that changed and those that clearly stood still."""
    delta = np.abs(after - before)
    d = delta.shape[1]
    std = np.concatenate([before, after]).std(axis=0)
    std = np.where(std > 0, std, 1.0)
    if threshold != "auto":
        cut = float(threshold) * std
        return Changes(delta > cut, delta <= cut, cut, np.ones(d), ["given"] * d)
    discrete = discrete_columns(before, after)
    cont = _continuous_changes(delta[:, ~discrete], before[:, ~discrete], after[:, ~discrete], std[~discrete])
    changed, still = delta > 0, delta == 0  # the discrete rule, overwritten on the continuous columns
    changed[:, ~discrete], still[:, ~discrete] = cont.changed, cont.still
    cut, still_share = np.zeros(d), np.ones(d)
    cut[~discrete], still_share[~discrete] = cont.threshold, cont.still_share
    rules = iter(cont.rule)
    return Changes(changed, still, cut, still_share, ["discrete" if disc else next(rules) for disc in discrete])


def _continuous_changes(delta: np.ndarray, before: np.ndarray, after: np.ndarray, std: np.ndarray) -> Changes:
    """The exact or noise rule over the continuous columns (see the module docstring)."""
    d = delta.shape[1]
    if d == 0:
        return Changes(delta > 0, delta == 0, np.zeros(0), np.ones(0), [])
    zero = delta <= EXACT_TOL * std
    exact_cols = zero.mean(axis=0) >= EXACT_SHARE
    if exact_cols.any():
        cut = np.where(exact_cols, EXACT_TOL * std, 0.0)
        changed = ~zero | ~exact_cols
        rules = ["exact" if e else "always" for e in exact_cols]
        return Changes(changed, ~changed, cut, np.ones(d), rules)
    signed = after - before
    level = np.array([noise_scale(signed[:, j]) for j in range(d)]) / std
    # A column's central mode mixes its noise with its smallest real changes, and a column that
    # changes in every pair has no noise mode at all; the cleanest column's level, in std units, is
    # the best bound on everyone's, assuming one encoder estimates its variables with errors of
    # similar relative size.
    scale = level.min() * std
    # Encoders leak a little of one variable into another's latent; such a leak moves with every
    # change of the leaking variable and would pass the noise cut. A change must also reach a
    # fraction of the column's typical real change (the median of its changes above the noise cut).
    floor = np.zeros(d)
    for j in range(d):
        real = delta[delta[:, j] > CHANGED * scale[j], j]
        if len(real):
            floor[j] = MIN_RELATIVE * np.quantile(real, REAL_QUANTILE)
    cut, still_cut = np.maximum(CHANGED * scale, floor), np.maximum(STILL * scale, floor)
    still_share = 2 * norm.cdf(still_cut / np.where(scale > 0, scale, np.inf)) - 1  # unchanged pairs called still
    return Changes(delta > cut, delta <= still_cut, cut, still_share, ["noise"] * d)
