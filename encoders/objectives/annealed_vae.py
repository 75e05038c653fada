"""AnnealedVAE (Burgess et al. 2018): loss = recon + gamma * |KL - C(step)|.

The capacity C grows linearly from 0 to c_max over iteration_threshold steps, then stays.
Defaults from disentanglement_lib's study: gamma = 1000, c_max = 25 nats (swept 5..100),
iteration_threshold = 100000 steps.
"""
from __future__ import annotations

from dataclasses import dataclass

from encoders.objectives.base import BaseConfig, Objective


@dataclass
class AnnealedVAEConfig(BaseConfig):
    gamma: float = 1000.0
    c_max: float = 25.0
    iteration_threshold: int = 100_000


def capacity(step: int, c_max: float, iteration_threshold: int) -> float:
    """The capacity target at `step`: min(c_max * step / iteration_threshold, c_max)."""
    return min(c_max * step / max(iteration_threshold, 1), c_max)


class AnnealedVAE(Objective):
    name = "annealed-vae"
    Config = AnnealedVAEConfig

    def regularizer(self, kl, mean, log_var, z, step):
        c = capacity(step, self.config.c_max, self.config.iteration_threshold)
        return self.config.gamma * (kl - c).abs(), {}
