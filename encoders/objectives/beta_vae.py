"""beta-VAE (Higgins et al. 2017): loss = recon + beta * KL(q(z|x) || N(0, I)).

As disentanglement_lib's `BetaVAE`. Default beta = 4 (disentanglement_lib sweeps
1, 2, 4, 6, 8, 16 and sets none; beta = 1 is the plain VAE). Identifies nothing on its own:
the factorised prior is rotation invariant (docs/identifiability.md).
"""
from __future__ import annotations

from dataclasses import dataclass

from encoders.objectives.base import BaseConfig, Objective


@dataclass
class BetaVAEConfig(BaseConfig):
    beta: float = 4.0

class BetaVAE(Objective):
    name = "beta-vae"
    Config = BetaVAEConfig

    def regularizer(self, kl, mean, log_var, z, step):
        return self.config.beta * kl, {}
