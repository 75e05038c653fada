"""Linear DAGMA (Bello, Aragam & Ravikumar 2022): log-det acyclicity on a central path.

Same algorithm and defaults as the authors' `dagma/linear.py`: h_s(W) = -log det(sI - W∘W)
+ d log s; T = 5 outer steps minimising mu (1/2 tr((I-W)^T S (I-W)) + lambda1 |W|_1) + h_s(W)
with Adam (`scm.fitting.Adam`; betas 0.99, 0.999, lr 3e-4), mu from 1 shrinking by 0.1, s = [1, .9, .8, .7, .6],
3e4 iterations per warm step and 6e4 for the last, stopping early when the objective moves
by <= 1e-6 (relative) between checkpoints 1000 iterations apart; leaving the M-matrix
domain halves the step (or restarts the step with s + 0.1 and half the rate).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
import torch

from scm.discovery._continuous import Backend, centred_covariance, masks, weights_to_dag
from scm.fitting import Adam
from scm.knowledge import Knowledge
from scm.thresholds import WEIGHT_THRESHOLD


@dataclass
class _Problem:
    """The fixed pieces of one DAGMA fit."""

    xp: Backend
    cov: Any
    eye: Any
    lambda1: float
    keep: Any  # 0 for forbidden entries and the diagonal
    unpenalised: Any  # 1 for required entries (their L1 term is reversed, as in the reference)
    checkpoint: int = 1000
    tol: float = 1e-6

    def objective(self, w, mu: float, s: float) -> float:
        """mu * (score + lambda1 |W|_1) + h_s(W)."""
        dif = self.eye - w
        score = 0.5 * float((dif * (self.cov @ dif)).sum())
        h = -self.xp.slogdet(s * self.eye - w * w) + w.shape[0] * np.log(s)
        return mu * (score + self.lambda1 * float(abs(w).sum())) + h

    def minimize(self, w, mu: float, iters: int, s: float, lr: float, beta1: float, beta2: float):
        """Adam on the mu-weighted objective at fixed s; (w, False) when W leaves the domain."""
        xp = self.xp
        adam = Adam(w, beta1, beta2)
        grad: Any = None
        obj_prev = 1e16
        l1_sign = mu * self.lambda1 * (1.0 - 2.0 * self.unpenalised)  # required edges: L1 pull reversed
        for it in range(1, iters + 1):
            inv = xp.inv(s * self.eye - w * w)
            inv += 1e-16
            while bool((inv < 0).any()):
                if it == 1 or s <= 0.9:
                    return w, False
                w = w + lr * grad
                lr *= 0.5
                if lr <= 1e-16:
                    return w, True
                w = w - lr * grad
                inv = xp.inv(s * self.eye - w * w) + 1e-16
            g_obj = self.cov @ (self.eye - w)
            g_obj *= -mu
            g_obj += l1_sign * (torch.sign(w) if xp.is_torch else np.sign(w))
            g_obj += 2 * w * inv.T
            grad = adam.direction(g_obj)
            w = w - lr * grad
            w *= self.keep
            if it % self.checkpoint == 0 or it == iters:
                obj_new = self.objective(w, mu, s)
                if abs((obj_prev - obj_new) / obj_prev) <= self.tol:
                    break
                obj_prev = obj_new
        return w, True


def dagma_weights(values: np.ndarray, *, lambda1: float = 0.03, T: int = 5, mu_init: float = 1.0,
                  mu_factor: float = 0.1, s: Sequence[float] = (1.0, 0.9, 0.8, 0.7, 0.6), warm_iter: int = 30000,
                  max_iter: int = 60000, lr: float = 3e-4, beta1: float = 0.99, beta2: float = 0.999,
                  allowed: np.ndarray | None = None, required: np.ndarray | None = None,
                  device: torch.device | str = "cpu") -> np.ndarray:
    """Return DAGMA's unthresholded weight matrix W (W[i, j]: effect of column i on column j)."""
    d = values.shape[1]
    xp = Backend(device)
    allowed = 1.0 - np.eye(d) if allowed is None else allowed
    required = np.zeros((d, d)) if required is None else required
    problem = _Problem(xp, xp.asarray(centred_covariance(values)), xp.eye(d), lambda1,
                       xp.asarray(allowed), xp.asarray(required))
    s_path = list(s) + [s[-1]] * max(0, T - len(s))
    w = xp.asarray(np.zeros((d, d)))
    mu = mu_init
    for t in range(T):
        step_lr, s_t = lr, s_path[t]
        iters = max_iter if t == T - 1 else warm_iter
        while True:
            w_new, ok = problem.minimize(w, mu, iters, s_t, step_lr, beta1, beta2)
            if ok:
                break
            step_lr *= 0.5
            s_t += 0.1
        w = w_new
        mu *= mu_factor
    return xp.numpy(w).copy()


def dagma(values: np.ndarray, names: Sequence[str], knowledge: Knowledge | None = None, *,
          lambda1: float = 0.03, w_threshold: float = WEIGHT_THRESHOLD, T: int = 5, warm_iter: int = 30000,
          max_iter: int = 60000, lr: float = 3e-4, device: torch.device | str = "cpu") -> nx.DiGraph:
    """Linear DAGMA DAG with `weight` per edge (published defaults; threshold 0.3).

    Not scale-invariant (see Reisach et al. 2021). Forbidden edges are held at 0; required
    edges get the reference's include-edge treatment (the L1 pull reversed) and skip the
    threshold.
    """
    for label, value in (("lambda1", lambda1), ("w_threshold", w_threshold), ("lr", lr)):
        if value < 0:
            raise ValueError(f"{label} must be >= 0; got {value}")
    if T < 1:
        raise ValueError(f"T must be >= 1; got {T}")
    allowed, required = masks(knowledge, values.shape[1])
    weights = dagma_weights(values, lambda1=lambda1, T=T, warm_iter=warm_iter, max_iter=max_iter, lr=lr,
                            allowed=allowed, required=required, device=device)
    return weights_to_dag(weights, names, w_threshold, required,
                          "dagma", {"lambda1": lambda1, "T": T, "lr": lr})
