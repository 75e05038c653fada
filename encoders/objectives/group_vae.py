"""Weakly supervised VAEs on pairs (Locatello et al. 2020, "Weakly-Supervised Disentanglement
Without Compromises"; disentanglement_lib `methods/weak/weak_vae.py`).

Each pair (x1, x2) differs in a few factors. Both images are encoded; the latent dims judged
shared get one joint posterior for both images, the others keep their own. Then
loss = mean over the two images of recon + beta * KL(aggregated posterior || N(0, I)).
Two switches:
- aggregation: "mean" (GroupVAE: arithmetic mean of means and variances) or "poe"
  (ML-VAE, Bouchacourt et al. 2018: normalised product of experts, var = 2 v1 v2 / (v1 + v2),
  mean = (m1 / v1 + m2 / v2) * var / 2);
- adaptive: the shared dims are those whose KL(q(z_d|x1) || q(z_d|x2)) lies below
  0.5 * (max + min) over the dims of that pair (Ada-GVAE / Ada-ML-VAE); non-adaptive versions
  take the number k of changed factors (option `k`, default 1) and share all but the k dims
  with the largest KL.
Default beta = 1 (disentanglement_lib sweeps 1, 2, 4, 6, 8, 16). Pairs from noise shifts
identify the exogenous variables, not causal ones (docs/identifiability.md).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

from encoders.networks import VAE
from encoders.objectives.base import BaseConfig, Batch, Objective, gaussian_kl, gaussian_kl_between, sample_gaussian


@dataclass
class GroupVAEConfig(BaseConfig):
    beta: float = 1.0
    k: int = 1  # changed factors per pair; used by the non-adaptive group-vae and ml-vae only

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.k < 1:
            raise ValueError(f"k (changed factors per pair) must be >= 1, got {self.k}")


def shared_mask(pair_kl: torch.Tensor, k: int | None = None) -> torch.Tensor:
    """Boolean (B, d): True where a dim is shared. k None -> adaptive threshold 0.5*(max+min) KL per pair;
    else all but the k dims with the largest KL."""
    if k is None:
        threshold = 0.5 * (pair_kl.max(1, keepdim=True).values + pair_kl.min(1, keepdim=True).values)
        return pair_kl < threshold
    changed = pair_kl.topk(min(k, pair_kl.shape[1]), dim=1).indices
    return torch.ones_like(pair_kl, dtype=torch.bool).scatter(1, changed, False)


def aggregate_posteriors(mean1: torch.Tensor, log_var1: torch.Tensor, mean2: torch.Tensor, log_var2: torch.Tensor,
                         aggregation: str) -> tuple[torch.Tensor, torch.Tensor]:
    """The joint posterior of a shared dim: arithmetic mean ("mean") or product of experts ("poe")."""
    var1, var2 = log_var1.exp(), log_var2.exp()
    if aggregation == "mean":
        return 0.5 * (mean1 + mean2), torch.log(0.5 * (var1 + var2))
    var = 2 * var1 * var2 / (var1 + var2)
    return 0.5 * (mean1 / var1 + mean2 / var2) * var, torch.log(var)


def pair_terms(vae: VAE, x1: torch.Tensor, x2: torch.Tensor, recon: Callable, aggregation: str,
               k: int | None, to_latent: Callable = lambda e: e, sample: bool = True,
               generator: torch.Generator | None = None) -> dict[str, torch.Tensor]:
    """Recon and KL (batch means, averaged over the two images) of the weakly supervised pair model."""
    b = x1.shape[0]
    mean, log_var = vae.encoder(torch.cat([x1, x2]))
    mean, log_var = mean.float(), log_var.float()
    m1, m2, lv1, lv2 = mean[:b], mean[b:], log_var[:b], log_var[b:]
    shared = shared_mask(gaussian_kl_between(m1, lv1, m2, lv2), k)
    joint_mean, joint_log_var = aggregate_posteriors(m1, lv1, m2, lv2, aggregation)
    shared2 = torch.cat([shared, shared])
    mean = torch.where(shared2, torch.cat([joint_mean, joint_mean]), mean)
    log_var = torch.where(shared2, torch.cat([joint_log_var, joint_log_var]), log_var)
    z = sample_gaussian(mean, log_var, generator) if sample else mean
    recon_loss = recon(torch.cat([x1, x2]), vae.decoder(to_latent(z))).mean()
    kl = gaussian_kl(mean, log_var).sum(1).mean()
    return {"recon": recon_loss, "kl": kl, "shared_dims": shared.float().sum(1).mean()}


class GroupVAE(Objective):
    name = "group-vae"
    Config = GroupVAEConfig
    needs_pairs = True
    aggregation = "mean"
    adaptive = False
    config: GroupVAEConfig

    def loss(self, vae: VAE, batch: Batch, step: int) -> dict[str, torch.Tensor]:
        if batch.x2 is None:
            raise ValueError(f"objective {self.name!r} trains on pairs: the batch has no second images (x2)")
        k = None if self.adaptive else self.config.k
        terms = pair_terms(vae, batch.x, batch.x2, self.recon, self.aggregation, k, generator=self.generator)
        return {"loss": terms["recon"] + self.config.beta * terms["kl"], **terms}


class MLVAE(GroupVAE):
    name = "ml-vae"
    aggregation = "poe"


class AdaGVAE(GroupVAE):
    name = "ada-gvae"
    adaptive = True


class AdaMLVAE(GroupVAE):
    name = "ada-ml-vae"
    aggregation = "poe"
    adaptive = True
