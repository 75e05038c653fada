"""Optimisers shared by scm's fitted models.

`Adam` holds Adam's moment estimates for one parameter array, numpy or torch, for loops that write
their own gradients (DAGMA). `minimize_lbfgsb` is the bounded quasi-Newton solve of each
augmented-Lagrangian step (NOTEARS, NOTEARS-MLP). The MLP mechanisms train through torch's own
`torch.optim.Adam`, with autograd and minibatches.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import scipy.optimize as sopt


class Adam:
    """Adam's bias-corrected step direction (Kingma & Ba 2015) for one array of parameters.

    Parameters
    ----------
    like : array (numpy or torch)
        An array of the parameters' shape and backend; the moments start at zero.
    beta1, beta2 : float
        Decay of the first and second moment estimates.
    eps : float
        Added to the root of the second moment.
    """

    def __init__(self, like: Any, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8) -> None:
        self.m, self.v = 0 * like, 0 * like
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.steps = 0

    def direction(self, grad: Any) -> Any:
        """Take in `grad` and return m_hat / (sqrt(v_hat) + eps); the caller subtracts lr times it."""
        self.steps += 1
        self.m *= self.beta1
        self.m += (1 - self.beta1) * grad
        self.v *= self.beta2
        self.v += (1 - self.beta2) * grad * grad
        return (self.m / (1 - self.beta1 ** self.steps)) / ((self.v / (1 - self.beta2 ** self.steps)) ** 0.5 + self.eps)


def minimize_lbfgsb(objective: Callable[..., tuple[float, np.ndarray]], start: np.ndarray,
                    bounds: Sequence[tuple[float | None, float | None]], *args: Any) -> np.ndarray:
    """The minimiser of `objective(x, *args)` (returning the value and its gradient) by scipy's L-BFGS-B.

    Parameters
    ----------
    objective : callable
        ``objective(x, *args) -> (value, gradient)``.
    start : array
        The starting point.
    bounds : sequence of (low, high)
        Per entry of x; None is unbounded.
    *args
        Passed to `objective`.
    """
    return sopt.minimize(objective, start, args=args, method="L-BFGS-B", jac=True, bounds=bounds).x
