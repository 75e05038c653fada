"""Linear NOTEARS (Zheng et al. 2018) with least-squares loss.

Same algorithm and defaults as the authors' `linear.py`: W = W+ - W- with W+, W- >= 0
(diagonal fixed at 0), objective 1/(2n)||X - XW||^2 + lambda1 sum(W+ + W-) + rho/2 h^2 +
alpha h with h(W) = tr(exp(W∘W)) - d, each subproblem solved by L-BFGS-B (scipy's, the
same bounded optimiser as the original), the augmented-Lagrangian schedule of
`_continuous.augmented_lagrangian`. Faster than the original because the loss and its
gradient use the d x d covariance S instead of the n x d data (exactly equal:
1/(2n)||X - XW||^2 = 1/2 tr((I - W)^T S (I - W))). The d x d algebra runs in numpy on CPU
and in torch on a GPU (`device`).
"""
from __future__ import annotations

from collections.abc import Sequence

import networkx as nx
import numpy as np
import torch

from scm.discovery._continuous import Backend, augmented_lagrangian, centred_covariance, h_expm, masks, weights_to_dag
from scm.fitting import minimize_lbfgsb
from scm.knowledge import Knowledge
from scm.thresholds import WEIGHT_THRESHOLD


def notears_weights(values: np.ndarray, *, lambda1: float = 0.1, max_iter: int = 100, h_tol: float = 1e-8,
                    rho_max: float = 1e16, allowed: np.ndarray | None = None, l1_mask: np.ndarray | None = None,
                    device: torch.device | str = "cpu") -> np.ndarray:
    """Return NOTEARS' unthresholded weight matrix W (W[i, j]: effect of column i on column j).

    `allowed` (0/1, d x d) pins entries to 0; `l1_mask` (0/1) says which entries pay the
    L1 penalty (required edges do not).
    """
    d = values.shape[1]
    xp = Backend(device)
    cov = xp.asarray(centred_covariance(values))
    eye = xp.eye(d)
    allowed = 1.0 - np.eye(d) if allowed is None else allowed
    l1 = lambda1 * (np.ones(d * d) if l1_mask is None else l1_mask.ravel())
    l1_both = np.concatenate([l1, l1])
    bounds = [(0.0, 0.0) if a == 0 else (0.0, None) for a in np.concatenate([allowed.ravel(), allowed.ravel()])]

    def adj(w: np.ndarray):
        return xp.asarray((w[: d * d] - w[d * d:]).reshape(d, d))

    def objective(w: np.ndarray, rho: float, alpha: float) -> tuple[float, np.ndarray]:
        weights = adj(w)
        residual = eye - weights
        cov_res = cov @ residual
        loss = 0.5 * float((residual * cov_res).sum())
        h, exp_a = h_expm(weights * weights, xp)
        smooth = xp.numpy(-cov_res + (rho * h + alpha) * exp_a.T * weights * 2).ravel()
        grad = np.concatenate([smooth, -smooth]) + l1_both
        return loss + 0.5 * rho * h * h + alpha * h + float(l1_both @ w), grad

    def solve(w_start: np.ndarray, rho: float, alpha: float) -> np.ndarray:
        return minimize_lbfgsb(objective, w_start, bounds, rho, alpha)

    def h_of(w: np.ndarray) -> float:
        weights = adj(w)
        return h_expm(weights * weights, xp)[0]

    w_est = augmented_lagrangian(solve, h_of, np.zeros(2 * d * d), max_iter=max_iter, h_tol=h_tol,
                                 rho_max=rho_max, restart_from_last=False)
    return (w_est[: d * d] - w_est[d * d:]).reshape(d, d)


def notears(values: np.ndarray, names: Sequence[str], knowledge: Knowledge | None = None, *,
            lambda1: float = 0.1, w_threshold: float = WEIGHT_THRESHOLD, max_iter: int = 100, h_tol: float = 1e-8,
            rho_max: float = 1e16, device: torch.device | str = "cpu") -> nx.DiGraph:
    """Linear NOTEARS DAG with `weight` per edge (defaults as published: lambda1 0.1, threshold 0.3).

    Not scale-invariant: on unstandardised data it profits from variances that grow along
    the causal order (Reisach et al. 2021). Forbidden edges are pinned to 0; required edges
    are exempt from the L1 penalty and the threshold.
    """
    for label, value in (("lambda1", lambda1), ("w_threshold", w_threshold)):
        if value < 0:
            raise ValueError(f"{label} must be >= 0; got {value}")
    allowed, required = masks(knowledge, values.shape[1])
    weights = notears_weights(values, lambda1=lambda1, max_iter=max_iter, h_tol=h_tol, rho_max=rho_max,
                              allowed=allowed, l1_mask=1.0 - required, device=device)
    return weights_to_dag(weights, names, w_threshold, required,
                          "notears", {"lambda1": lambda1, "h_tol": h_tol, "rho_max": rho_max})
