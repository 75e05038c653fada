"""beta-TCVAE (Chen et al. 2018): loss = recon + KL + (beta - 1) * TC, TC by minibatch-weighted sampling.

As disentanglement_lib's `BetaTCVAE.total_correlation`: with log q(z_i | x_j) on all pairs
of the batch, TC ~ mean_i [logsumexp_j sum_d log q(z_id|x_j) - sum_d logsumexp_j log q(z_id|x_j)].
Like disentanglement_lib it omits the constant (d - 1) * log(batch * dataset), which does not
change the gradient; `total_correlation(..., normaliser=log(M))` adds (1 - d) log M back for a
calibrated estimate. Default beta = 6 (Chen et al.; disentanglement_lib sweeps 1..10).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from encoders.objectives.base import BaseConfig, Objective, gaussian_log_density


@dataclass
class BetaTCVAEConfig(BaseConfig):
    beta: float = 6.0


def total_correlation(z: torch.Tensor, mean: torch.Tensor, log_var: torch.Tensor,
                      normaliser: float = 0.0) -> torch.Tensor:
    """Minibatch estimate of TC(q(z)); `normaliser` = log M makes it calibrated (default 0, as disentanglement_lib)."""
    log_qz_pairs = gaussian_log_density(z[:, None, :], mean[None, :, :], log_var[None, :, :])  # (B, B, d)
    log_qz = torch.logsumexp(log_qz_pairs.sum(2), dim=1) - normaliser
    log_qz_product = (torch.logsumexp(log_qz_pairs, dim=1) - normaliser).sum(1)
    return (log_qz - log_qz_product).mean()


class BetaTCVAE(Objective):
    name = "beta-tcvae"
    Config = BetaTCVAEConfig

    def regularizer(self, kl, mean, log_var, z, step):
        tc = total_correlation(z, mean, log_var)
        return kl + (self.config.beta - 1.0) * tc, {"tc": tc.detach()}
