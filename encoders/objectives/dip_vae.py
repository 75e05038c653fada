"""DIP-VAE-I and -II (Kumar et al. 2018): loss = recon + KL + a penalty pulling Cov[z] to the identity.

As disentanglement_lib's `DIPVAE`: DIP-VAE-I penalises the covariance of the posterior means
over the batch; DIP-VAE-II adds the mean posterior variance (Cov_q[z] = E[diag var] + Cov[mean]).
penalty = lambda_od * sum(offdiag^2) + lambda_d * sum((diag - 1)^2).
Defaults: lambda_od = 10 (disentanglement_lib sweeps 1..50); lambda_d = 10 * lambda_od for
DIP-VAE-I and lambda_od for DIP-VAE-II (disentanglement_lib's lambda_d_factor 10 and 1).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from encoders.objectives.base import BaseConfig, Objective


@dataclass
class DIPVAEConfig(BaseConfig):
    lambda_od: float = 10.0
    lambda_d: float | None = None  # None -> 10 * lambda_od (DIP-VAE-I) or lambda_od (DIP-VAE-II)


def covariance(x: torch.Tensor) -> torch.Tensor:
    """Biased (1/B) covariance of the rows of x, as disentanglement_lib's compute_covariance_z_mean."""
    centered = x - x.mean(0, keepdim=True)
    return centered.T @ centered / x.shape[0]


def dip_penalty(cov: torch.Tensor, lambda_od: float, lambda_d: float) -> torch.Tensor:
    """lambda_od * sum of squared off-diagonals + lambda_d * sum of (diagonal - 1)^2."""
    diag = torch.diagonal(cov)
    off = cov - torch.diag(diag)
    return lambda_od * off.square().sum() + lambda_d * (diag - 1.0).square().sum()


class DIPVAEI(Objective):
    name = "dip-vae-i"
    Config = DIPVAEConfig
    lambda_d_factor = 10.0

    def covariance(self, mean: torch.Tensor, log_var: torch.Tensor) -> torch.Tensor:
        return covariance(mean)

    def regularizer(self, kl, mean, log_var, z, step):
        c = self.config
        lambda_d = c.lambda_d if c.lambda_d is not None else self.lambda_d_factor * c.lambda_od
        penalty = dip_penalty(self.covariance(mean, log_var), c.lambda_od, lambda_d)
        return kl + penalty, {"dip": penalty.detach()}


class DIPVAEII(DIPVAEI):
    name = "dip-vae-ii"
    lambda_d_factor = 1.0

    def covariance(self, mean, log_var):
        return covariance(mean) + torch.diag(log_var.exp().mean(0))
