"""Weakly supervised pairs on a grid of factors: which factors each pair changes, and their new grid classes.

disentanglement_lib builds its pairs in ``methods/weak/train_weak_lib.py`` (``simple_dynamics``,
Locatello et al. 2020, "Weakly-Supervised Disentanglement Without Compromises"): k is given, or
with ``k=-1`` drawn per pair as ``randint(1, num_factors)`` (1..d-1); the pair then changes
``choice([1, k])`` factors chosen without replacement, each set to a value drawn uniformly from
*all* its values, so a "changed" factor keeps its value with probability 1/K. Two rules here:

- ``"noise"`` (the default, the name crl's scenes give resampling): exactly k factors change, k
  fixed or drawn from 1..d-1 per pair as disentanglement_lib draws it, and each moves to a value
  drawn uniformly from its *other* values, so ``changed`` is what the images show.
- ``"disentanglement_lib"``: its code's distribution as written, the choice between 1 and k and
  possible repeats included (``changed`` then marks what was touched). Its new values come from
  numpy's global generator, so its exact stream cannot be replayed; the distribution is the same.
"""
from __future__ import annotations

import numpy as np

PAIR_MODES = ("noise", "disentanglement_lib")


def pair_classes(first: np.ndarray, sizes: np.ndarray, k: int | None, mode: str,
                 rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Second classes and the changed mask for pairs whose first classes are `first`.

    Parameters
    ----------
    first : numpy.ndarray
        Integer grid classes (n, d) of the first images, one column per varying factor.
    sizes : numpy.ndarray
        The number of values of each of the d factors (each at least 2).
    k : int or None
        Factors changed per pair; None draws it from 1..d-1 per pair.
    mode : {"noise", "disentanglement_lib"}
        The rule (see the module docstring).
    rng : numpy.random.Generator

    Returns
    -------
    tuple of numpy.ndarray
        The second classes (n, d) and the boolean changed mask (n, d).
    """
    n, d = first.shape
    counts = np.asarray(rng.integers(1, d, size=n) if k is None else np.full(n, k))
    if mode == "disentanglement_lib":
        counts = np.where(rng.random(n) < 0.5, 1, counts)  # its choice([1, k_observed])
    ranks = np.argsort(rng.random((n, d)), axis=1).argsort(axis=1)  # a random order of the factors per pair
    changed = ranks < counts[:, None]
    if mode == "noise":
        moved = (first + rng.integers(1, sizes, size=(n, d))) % sizes  # uniform over the other values
    else:
        moved = rng.integers(0, sizes, size=(n, d))  # uniform over all values, the old one included
    return np.where(changed, moved, first), changed
