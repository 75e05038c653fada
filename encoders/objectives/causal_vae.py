"""CausalVAE (Yang et al. 2021), kept simple: labelled concept latents tied by a learnable linear DAG.

The encoder's posterior is over exogenous noise eps (prior N(0, I)). The first k dims
(one per label column) pass through the linear SCM layer z = z A + eps, i.e.
z = eps (I - A)^-1 with A[i, j] the weight of edge i -> j (zero diagonal); the remaining
dims pass unchanged, and the decoder reads z. The causal latents are not pushed to be
independent. Terms added to recon + beta * KL(q(eps|x) || N(0, I)):
- label-conditioned prior (CausalVAE's p(z|u) with mean from the labels): on labelled images,
  KL(q(z_j|x) || N(u_j, 1)) per observed label, u standardised (categorical: standardised codes);
  q(z_j|x) uses the diagonal of the linearly mapped posterior covariance;
- label SEM fit (CausalVAE's l_u): dag_weight * mean ||u - u A||^2 over labelled rows (missing u = 0);
- acyclicity: NOTEARS h(A) = tr(exp(A * A)) - k by an augmented Lagrangian,
  lam * h + rho / 2 * h^2, with lam += rho * h and rho *= rho_growth (while h did not fall
  below a quarter of its previous value, capped at rho_max) every dag_update_every steps;
- l1 sparsity dag_l1 * sum |A|.
A has its own Adam learning rate dag_lr (default 3e-3): its problem (a linear SEM over the
standardised labels) is smaller and better scaled than the networks'.
`adjacency()` returns A with |A| < w_threshold (NOTEARS's default 0.3) set to zero.
Not implemented: CausalVAE's nonlinear mask layer (here the SCM layer is linear).
Defaults: beta 1, prior_weight 1, dag_weight 1, dag_l1 0.01, rho 1 -> x10 up to 1e6, updates
every 200 steps, w_threshold 0.3.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from encoders.networks import VAE
from encoders.objectives.base import BaseConfig, Batch, Objective, gaussian_kl, gaussian_kl_between, sample_gaussian


@dataclass
class CausalVAEConfig(BaseConfig):
    beta: float = 1.0
    prior_weight: float = 1.0
    dag_weight: float = 1.0
    dag_l1: float = 0.01
    rho_init: float = 1.0
    rho_growth: float = 10.0
    rho_max: float = 1e6
    dag_update_every: int = 200
    w_threshold: float = 0.3
    dag_lr: float = 3e-3


def notears_h(a: torch.Tensor) -> torch.Tensor:
    """NOTEARS acyclicity h(A) = tr(exp(A o A)) - d; zero exactly when A is a DAG."""
    return torch.trace(torch.matrix_exp(a * a)) - a.shape[0]


class CausalVAE(Objective):
    name = "causal-vae"
    Config = CausalVAEConfig
    needs_labels = True
    config: CausalVAEConfig
    off_diagonal: torch.Tensor
    lam: torch.Tensor
    rho: torch.Tensor
    h_previous: torch.Tensor

    def __init__(self, config, latent_dim, n_labels):
        super().__init__(config, latent_dim, n_labels)
        # small random start: from exactly zero, two tied variables would grow both edges alike forever
        self.weights = nn.Parameter(0.01 * torch.randn(n_labels, n_labels))
        self.register_buffer("off_diagonal", 1.0 - torch.eye(n_labels))
        self.register_buffer("lam", torch.zeros(()))
        self.register_buffer("rho", torch.tensor(float(config.rho_init)))
        self.register_buffer("h_previous", torch.tensor(float("inf")))

    @property
    def a(self) -> torch.Tensor:
        return self.weights * self.off_diagonal

    def param_groups(self):
        return [{"params": [self.weights], "lr": self.config.dag_lr}]

    def _mixing(self) -> torch.Tensor:
        """(I - A)^-1: row vector eps_c times it gives the causal latents z_c."""
        k = self.n_labels
        return torch.linalg.inv(torch.eye(k, device=self.weights.device) - self.a)

    def to_latent(self, eps: torch.Tensor) -> torch.Tensor:
        k = self.n_labels
        return torch.cat([eps[:, :k] @ self._mixing(), eps[:, k:]], dim=1)

    def concept_posterior(self, mean: torch.Tensor, log_var: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Mean and diagonal log-variance of the causal latents z_c under q(eps|x)."""
        k = self.n_labels
        m = self._mixing()
        var = log_var[:, :k].exp() @ m.square()
        return mean[:, :k] @ m, torch.log(var)

    def loss(self, vae: VAE, batch: Batch, step: int) -> dict[str, torch.Tensor]:
        if self.spec is None or batch.label_values is None or batch.labelled_mean is None \
                or batch.labelled_log_var is None:
            raise ValueError("causal-vae needs labels: the batch has no labelled images or label values")
        c = self.config
        mean, log_var = vae.encoder(batch.x)
        mean, log_var = mean.float(), log_var.float()
        z = self.to_latent(sample_gaussian(mean, log_var, self.generator))
        recon = self.recon(batch.x, vae.decoder(z)).mean()
        kl = gaussian_kl(mean, log_var).sum(1).mean()
        u = self.spec.standardise(batch.label_values)
        observed = ~torch.isnan(u)
        u0 = torch.nan_to_num(u)
        zc_mean, zc_log_var = self.concept_posterior(batch.labelled_mean.float(), batch.labelled_log_var.float())
        prior_kl = gaussian_kl_between(zc_mean, zc_log_var, u0, torch.zeros_like(u0))
        prior_kl = torch.where(observed, prior_kl, 0.0).sum(1).mean()
        a = self.a
        residual = torch.where(observed, u0 - u0 @ a, 0.0)
        sem = residual.square().sum(1).mean()
        h = notears_h(a)
        dag = self.lam * h + 0.5 * self.rho * h * h + c.dag_l1 * a.abs().sum()
        loss = recon + c.beta * kl + c.prior_weight * prior_kl + c.dag_weight * sem + dag
        return {"loss": loss, "recon": recon, "kl": kl, "prior_kl": prior_kl, "sem": sem, "h": h.detach()}

    @torch.no_grad()
    def after_step(self, step: int) -> None:
        """Augmented-Lagrangian dual update every dag_update_every steps."""
        c = self.config
        if step % c.dag_update_every:
            return
        h = notears_h(self.a)
        self.lam += self.rho * h
        if h > 0.25 * self.h_previous:
            self.rho.fill_(min(float(self.rho) * c.rho_growth, c.rho_max))
        self.h_previous.copy_(h)

    def adjacency(self) -> np.ndarray:
        """The learned weighted DAG over the label columns: |A| < w_threshold zeroed, then the weakest
        edges dropped until no cycle is left (the penalty makes h(A) small, not exactly zero)."""
        a = self.a.detach().cpu().numpy().astype(np.float64)
        a[np.abs(a) < self.config.w_threshold] = 0.0
        while not is_dag(a):
            edges = np.argwhere(a != 0)
            i, j = min(edges, key=lambda e: abs(a[e[0], e[1]]))
            a[i, j] = 0.0
        return a


def is_dag(a: np.ndarray) -> bool:
    """True when the nonzero pattern of `a` has no directed cycle (repeatedly peel nodes without parents)."""
    mask = a != 0
    alive = np.ones(len(a), dtype=bool)
    while alive.any():
        roots = alive & ~(mask & alive[:, None]).any(0)
        if not roots.any():
            return False
        alive &= ~roots
    return True
