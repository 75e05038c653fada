"""FactorVAE (Kim & Mnih 2018): loss = recon + KL + gamma * TC, TC from a density-ratio discriminator.

As disentanglement_lib's `FactorVAE`: the discriminator (6 x 1000 LeakyReLU MLP, 2 logits)
tells samples of q(z) from samples with each dimension permuted across the batch; the
TC estimate is mean(logit_0 - logit_1) on q(z) samples. The discriminator has its own Adam
(lr 1e-4, betas (0.5, 0.9)) and minimises the cross-entropy of that classification.
Default gamma = 10 (disentanglement_lib sweeps 10, 20, 30, 40, 50, 100).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from encoders.networks import Discriminator
from encoders.objectives.base import BaseConfig, Objective


@dataclass
class FactorVAEConfig(BaseConfig):
    gamma: float = 10.0
    discriminator_lr: float = 1e-4
    discriminator_beta1: float = 0.5
    discriminator_beta2: float = 0.9


def permute_dims(z: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Shuffle each latent dimension independently across the batch (samples of prod_j q(z_j))."""
    b = z.shape[0]
    return torch.stack([z[torch.randperm(b, device=z.device, generator=generator), j] for j in range(z.shape[1])], dim=1)


class FactorVAE(Objective):
    name = "factor-vae"
    Config = FactorVAEConfig

    def __init__(self, config, latent_dim, n_labels):
        super().__init__(config, latent_dim, n_labels)
        self.discriminator = Discriminator(latent_dim)
        self._z: torch.Tensor | None = None

    def regularizer(self, kl, mean, log_var, z, step):
        logits = self.discriminator(z)
        tc = (logits[:, 0] - logits[:, 1]).mean()
        self._z = z.detach()
        return kl + self.config.gamma * tc, {"tc": tc.detach()}

    def auxiliary_optimizer(self):
        c = self.config
        return torch.optim.Adam(self.discriminator.parameters(), lr=c.discriminator_lr,
                                betas=(c.discriminator_beta1, c.discriminator_beta2))

    def discriminator_loss(self, z: torch.Tensor) -> torch.Tensor:
        """Cross-entropy of telling q(z) samples (class 0) from permuted ones (class 1)."""
        logits_true = self.discriminator(z)
        logits_perm = self.discriminator(permute_dims(z, self.generator))
        zeros = torch.zeros(z.shape[0], dtype=torch.long, device=z.device)
        return 0.5 * (F.cross_entropy(logits_true, zeros) + F.cross_entropy(logits_perm, zeros + 1))

    def auxiliary_loss(self, step):
        return self.discriminator_loss(self._z)
