"""Random mechanisms for random scenes: roots with random marginals, children as random functions of their parents.

Every mechanism works on positions in [0, 1] of its factor's declared range: a parent at position t enters as
z = 2 t - 1 in [-1, 1]; a child's position is squash(0.5 + SPREAD * a + noise_scale * e), where a in [-1, 1] is a
weighted mean of per-parent functions of z and e is unit-variance noise from the factor's own u ~ U(0, 1) by an
inverse CDF. `squash` is the identity on [EDGE, 1 - EDGE] and saturates smoothly towards 0 and 1 outside it, so
every value lies inside the range (and renders) while linear mechanisms stay exactly linear on most samples.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from crl.scenes.factors import Factor
from crl.scenes.mechanisms import standard_normal

SPREAD = 0.3  # a child's parent-driven part moves its position over [0.2, 0.8]
EDGE = 0.1  # squash is the identity on [EDGE, 1 - EDGE]
NOISE_SCALE = (0.04, 0.12)  # noise standard deviation, in units of the factor's range
NOISES = ("gaussian", "uniform", "laplace")
ROOTS = ("uniform", "power", "bump")
FUNCTIONS = ("tanh", "sin", "quadratic")
WEIGHT = (0.5, 1.5)  # |weight| of each parent, with a random sign
_EPS = 1e-12


def squash(x: np.ndarray) -> np.ndarray:
    """Map the real line into (0, 1): identity on [EDGE, 1 - EDGE], exponential approach to 0 and 1 beyond (C1 smooth)."""
    x = np.asarray(x, dtype=np.float64)
    low = EDGE * np.exp(np.minimum(x - EDGE, 0.0) / EDGE)
    high = 1.0 - EDGE * np.exp(-np.maximum(x - (1.0 - EDGE), 0.0) / EDGE)
    return np.where(x < EDGE, low, np.where(x > 1.0 - EDGE, high, x))


def unit_noise(kind: str, u: np.ndarray) -> np.ndarray:
    """Zero-mean, unit-variance noise of the given kind from u ~ U(0, 1), by its inverse CDF."""
    if kind == "gaussian":
        return standard_normal(u)
    if kind == "uniform":
        return np.sqrt(3.0) * (2.0 * u - 1.0)
    centred = np.clip(u, _EPS, 1.0 - _EPS) - 0.5
    return -np.sign(centred) * np.log1p(-2.0 * np.abs(centred)) / np.sqrt(2.0)  # Laplace with scale 1/sqrt(2)


def _position(factor: Factor, values: np.ndarray) -> np.ndarray:
    return (values - factor.low) / (factor.high - factor.low)


def _shape(function: str, parameter: float, z: np.ndarray) -> np.ndarray:
    """A function of z in [-1, 1] with values in [-1, 1]."""
    if function == "linear":
        return z
    if function == "tanh":
        return np.tanh(parameter * z) / np.tanh(parameter)
    if function == "sin":
        return np.sin(np.pi * parameter * z)
    return 2.0 * z * z - 1.0


@dataclass(frozen=True)
class Root:
    """A factor without parents: position u ("uniform"), u ** gamma ("power") or squash(0.5 + 0.2 N(0, 1)) ("bump")."""

    factor: Factor
    kind: str
    gamma: float = 1.0

    def __call__(self, parents: Mapping[str, np.ndarray], u: np.ndarray) -> np.ndarray:
        if self.kind == "uniform":
            position = u
        elif self.kind == "power":
            position = u**self.gamma
        else:
            position = squash(0.5 + 0.2 * standard_normal(u))
        return self.factor.low + position * (self.factor.high - self.factor.low)

    def describe(self) -> str:
        """The marginal in words."""
        if self.kind == "power":
            return f"root, u^{self.gamma:.2f} over its range"
        return "root, uniform over its range" if self.kind == "uniform" else "root, bump-shaped (squashed normal)"


@dataclass(frozen=True)
class Child:
    """A factor with parents: squash(0.5 + SPREAD * sum_j w_j g_j(z_j) / sum_j |w_j| + noise_scale * e(u))."""

    factor: Factor
    parents: tuple[Factor, ...]
    weights: tuple[float, ...]
    functions: tuple[str, ...]
    parameters: tuple[float, ...]
    noise: str
    noise_scale: float

    def __call__(self, parents: Mapping[str, np.ndarray], u: np.ndarray) -> np.ndarray:
        drive = sum(
            w * _shape(g, k, 2.0 * _position(p, parents[p.name]) - 1.0)
            for p, w, g, k in zip(self.parents, self.weights, self.functions, self.parameters)
        ) / np.abs(self.weights).sum()
        position = squash(0.5 + SPREAD * drive + self.noise_scale * unit_noise(self.noise, u))
        return self.factor.low + position * (self.factor.high - self.factor.low)

    def describe(self) -> str:
        """The parents with their weights and functions, and the noise, in one line."""
        terms = ", ".join(f"{w:+.2f} {g}({p.name})" for p, w, g in zip(self.parents, self.weights, self.functions))
        return f"{terms}; {self.noise} noise {self.noise_scale:.3f}"


def draw_mechanism(rng: np.random.Generator, factor: Factor, parents: list[Factor], nonlinear: bool) -> Root | Child:
    """A random mechanism for `factor` given its parents.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of the random choices.
    factor : Factor
        The continuous factor the mechanism sets.
    parents : list of Factor
        Its parents in the graph (empty for a root).
    nonlinear : bool
        Children: each parent enters through a random tanh, sin or quadratic function instead of linearly.

    Returns
    -------
    Root or Child
        A callable mechanism(parents, u) with a `describe()` for the scene's description.
    """
    if not parents:
        kind = str(rng.choice(ROOTS))
        return Root(factor, kind, float(rng.uniform(0.4, 2.5)) if kind == "power" else 1.0)
    count = len(parents)
    weights = rng.uniform(*WEIGHT, count) * rng.choice([-1.0, 1.0], count)
    functions = tuple(str(g) for g in rng.choice(FUNCTIONS, count)) if nonlinear else ("linear",) * count
    parameters = tuple(float(rng.uniform(1.5, 3.0)) if g == "tanh" else float(rng.uniform(0.5, 1.0)) for g in functions)
    return Child(factor, tuple(parents), tuple(float(w) for w in weights), functions, parameters,
                 str(rng.choice(NOISES)), float(rng.uniform(*NOISE_SCALE)))
