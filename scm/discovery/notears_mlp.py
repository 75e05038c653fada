"""NOTEARS-MLP (Zheng et al. 2020): nonlinear additive-noise discovery with one MLP per node.

As the authors' `nonlinear.py`: column j is predicted by an MLP with one hidden layer of
10 sigmoid units whose first layer reads all columns; the first-layer weights are split
into nonnegative parts (bounded L-BFGS-B, input j masked out of node j), the adjacency is
A[i, j] = sqrt(sum over hidden units of node j of the squared weights from input i),
h = tr(exp(A∘A)) - d, loss 1/(2n)||X - f(X)||^2 + lambda2/2 ||weights||^2 + lambda1 ||W1||_1,
same augmented-Lagrangian schedule, threshold 0.3. Runs in torch (CPU or GPU).
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import networkx as nx
import numpy as np
import torch

from scm.discovery._continuous import augmented_lagrangian, expm, masks, weights_to_dag
from scm.fitting import minimize_lbfgsb
from scm.knowledge import Knowledge
from scm.thresholds import WEIGHT_THRESHOLD


class _MLPs:
    """Parameters of d per-node MLPs [d -> hidden -> 1], packed in one flat vector."""

    def __init__(self, d: int, hidden: int, allowed: np.ndarray, seed: int, device: torch.device) -> None:
        self.d, self.hidden, self.device = d, hidden, device
        gen = torch.Generator().manual_seed(seed)
        bound1, bound2 = 1.0 / math.sqrt(d), 1.0 / math.sqrt(hidden)
        shapes = {"w1_pos": (d, hidden, d), "w1_neg": (d, hidden, d), "b1": (d, hidden),
                  "w2": (d, hidden), "b2": (d,)}
        self.sizes = {k: int(np.prod(v)) for k, v in shapes.items()}
        self.shapes = shapes
        init = {k: (torch.rand(v, generator=gen, dtype=torch.float64) * 2 - 1) * (bound1 if k != "w2" and k != "b2"
                                                                                   else bound2)
                for k, v in shapes.items()}
        self.start = torch.cat([init[k].reshape(-1) for k in shapes]).numpy()
        # w1[j, m, i]: weight from input i to hidden unit m of node j; bounded >= 0, 0 where i -> j is not allowed
        gate = np.broadcast_to(allowed.T[:, None, :], (d, hidden, d)).ravel()
        first = [(0.0, 0.0) if a == 0 else (0.0, None) for a in gate]
        rest = [(None, None)] * (self.sizes["b1"] + self.sizes["w2"] + self.sizes["b2"])
        self.bounds = first + first + rest

    def unpack(self, flat: torch.Tensor) -> dict[str, torch.Tensor]:
        """Split the flat vector into named tensors."""
        out, start = {}, 0
        for k, shape in self.shapes.items():
            out[k] = flat[start:start + self.sizes[k]].reshape(shape)
            start += self.sizes[k]
        return out

    @staticmethod
    def forward(p: dict[str, torch.Tensor], x: torch.Tensor) -> torch.Tensor:
        """Predict every column from all columns: [n, d] -> [n, d]."""
        w1 = p["w1_pos"] - p["w1_neg"]
        hidden = torch.sigmoid(torch.einsum("ni,jmi->njm", x, w1) + p["b1"])
        return torch.einsum("njm,jm->nj", hidden, p["w2"]) + p["b2"]

    @staticmethod
    def adjacency_sq(p: dict[str, torch.Tensor]) -> torch.Tensor:
        """A∘A with A[i, j] the L2 norm of the weights from input i into node j's MLP."""
        w1 = p["w1_pos"] - p["w1_neg"]
        return (w1 * w1).sum(dim=1).T


def notears_mlp(values: np.ndarray, names: Sequence[str], knowledge: Knowledge | None = None, *,
                hidden: int = 10, lambda1: float = 0.01, lambda2: float = 0.01, w_threshold: float = WEIGHT_THRESHOLD,
                max_iter: int = 100, h_tol: float = 1e-8, rho_max: float = 1e16, seed: int = 0,
                device: torch.device | str = "cpu") -> nx.DiGraph:
    """NOTEARS-MLP DAG; edge `weight` is the first-layer norm A[i, j] (published defaults).

    Forbidden edges are masked in the first layer. Required edges are not supported by the
    method (no per-edge sign to fix) and raise. Seeds the initial weights with `seed`.
    """
    if knowledge is not None and knowledge.required:
        raise ValueError("method 'notears-mlp' does not support required edges; use forbidden or tiers")
    if hidden < 1:
        raise ValueError(f"hidden must be >= 1; got {hidden}")
    dev = torch.device(device)
    d = values.shape[1]
    allowed, required = masks(knowledge, d)
    model = _MLPs(d, hidden, allowed, seed, dev)
    x = torch.tensor(values, dtype=torch.float64, device=dev)
    n = x.shape[0]
    n_first = 2 * model.sizes["w1_pos"]

    def objective(flat_np: np.ndarray, rho: float, alpha: float) -> tuple[float, np.ndarray]:
        flat = torch.tensor(flat_np, dtype=torch.float64, device=dev, requires_grad=True)
        p = model.unpack(flat)
        loss = 0.5 / n * ((model.forward(p, x) - x) ** 2).sum()
        a_sq = model.adjacency_sq(p)
        h = torch.diagonal(expm(a_sq)).sum() - d
        l2 = ((p["w1_pos"] - p["w1_neg"]) ** 2).sum() + (p["w2"] ** 2).sum()
        total = loss + 0.5 * rho * h * h + alpha * h + 0.5 * lambda2 * l2 + lambda1 * flat[:n_first].sum()
        (grad,) = torch.autograd.grad(total, flat)
        return float(total.detach()), grad.cpu().numpy()

    def solve(start: np.ndarray, rho: float, alpha: float) -> np.ndarray:
        return minimize_lbfgsb(objective, start, model.bounds, rho, alpha)

    def h_of(flat_np: np.ndarray) -> float:
        a_sq = model.adjacency_sq(model.unpack(torch.as_tensor(flat_np, device=dev)))
        return float(torch.diagonal(expm(a_sq)).sum() - d)

    start = np.clip(model.start, [b[0] if b[0] is not None else -np.inf for b in model.bounds],
                    [b[1] if b[1] is not None else np.inf for b in model.bounds])
    flat = augmented_lagrangian(solve, h_of, start, max_iter=max_iter, h_tol=h_tol, rho_max=rho_max,
                                restart_from_last=True)
    weights = torch.sqrt(model.adjacency_sq(model.unpack(torch.as_tensor(flat, device=dev)))).cpu().numpy()
    return weights_to_dag(weights, names, w_threshold, required,
                          "notears-mlp", {"hidden": hidden, "lambda1": lambda1, "lambda2": lambda2, "seed": seed})
