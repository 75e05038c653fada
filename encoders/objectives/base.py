"""What every objective shares: the batch it sees, the Gaussian/reconstruction maths, the base class.

The terms follow disentanglement_lib's `vae.py`: the reconstruction loss is summed over
pixels and averaged over the batch (Bernoulli: sigmoid cross-entropy on logits; Gaussian:
squared error of the sigmoid mean), the KL to N(0, I) is summed over latent dims and
averaged over the batch. An objective returns a dict of scalar tensors with at least
`loss` (what is minimised), `recon` and `kl`.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from encoders.networks import VAE
from encoders.objectives.supervision import LabelSpec

RECONSTRUCTIONS = ("bernoulli", "gaussian")


@dataclass
class BaseConfig:
    """Options every objective accepts. reconstruction: "bernoulli" (default, as disentanglement_lib) or "gaussian"."""

    reconstruction: str = "bernoulli"

    def __post_init__(self) -> None:
        if self.reconstruction not in RECONSTRUCTIONS:
            raise ValueError(f"reconstruction must be one of {RECONSTRUCTIONS}, got {self.reconstruction!r}")


@dataclass
class Batch:
    """One training step's data: images (B, C, H, W) float in [0, 1]; optional second images of pairs;
    optional posterior of the labelled images and their numeric (standardised) labels, NaN = missing."""

    x: torch.Tensor
    x2: torch.Tensor | None = None
    labelled_mean: torch.Tensor | None = None
    labelled_log_var: torch.Tensor | None = None
    label_values: torch.Tensor | None = None


def gaussian_kl(mean: torch.Tensor, log_var: torch.Tensor) -> torch.Tensor:
    """KL(N(mean, exp(log_var)) || N(0, I)) per dimension, same shape as `mean`."""
    return 0.5 * (mean.square() + log_var.exp() - log_var - 1.0)


def gaussian_kl_between(mean1: torch.Tensor, log_var1: torch.Tensor,
                        mean2: torch.Tensor, log_var2: torch.Tensor) -> torch.Tensor:
    """KL(N(mean1, var1) || N(mean2, var2)) per dimension (diagonal Gaussians)."""
    return 0.5 * ((log_var1 - log_var2).exp() + (mean1 - mean2).square() / log_var2.exp() - 1.0
                  + log_var2 - log_var1)


def gaussian_log_density(z: torch.Tensor, mean: torch.Tensor, log_var: torch.Tensor) -> torch.Tensor:
    """log N(z; mean, exp(log_var)) elementwise (broadcasting)."""
    return -0.5 * (math.log(2 * math.pi) + log_var + (z - mean).square() * torch.exp(-log_var))


def sample_gaussian(mean: torch.Tensor, log_var: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Reparameterised sample mean + exp(log_var / 2) * noise."""
    noise = torch.randn(mean.shape, generator=generator, device=mean.device, dtype=mean.dtype)
    return mean + torch.exp(0.5 * log_var) * noise


def reconstruction_loss(x: torch.Tensor, logits: torch.Tensor, kind: str) -> torch.Tensor:
    """Per-image reconstruction loss (B,), summed over pixels; `logits` are the decoder's outputs."""
    logits = logits.float()
    if kind == "bernoulli":
        per_pixel = F.binary_cross_entropy_with_logits(logits, x, reduction="none")
    else:
        per_pixel = (torch.sigmoid(logits) - x).square()
    return per_pixel.flatten(1).sum(1)


class Objective(nn.Module):
    """Base objective: the ELBO pieces plus one regulariser that a subclass defines.

    A subclass sets `name`, `Config` (a dataclass extending BaseConfig) and overrides
    `regularizer` (single-image objectives) or `loss` (pair objectives, CausalVAE).
    """

    name: ClassVar[str] = ""
    Config: ClassVar[type] = BaseConfig
    needs_pairs: ClassVar[bool] = False
    needs_labels: ClassVar[bool] = False

    def __init__(self, config: BaseConfig, latent_dim: int, n_labels: int):
        super().__init__()
        self.config = config
        self.latent_dim = latent_dim
        self.n_labels = n_labels
        # the training loop's own source of sampling noise, so that trainings running in threads
        # side by side draw from their own streams (None: torch's global generator)
        self.generator: torch.Generator | None = None
        # the label encoding, set by build_modules when training with labels (CausalVAE reads it)
        self.spec: LabelSpec | None = None

    @classmethod
    def make_config(cls, options: dict) -> BaseConfig:
        """Build the Config from user keyword options, rejecting unknown names."""
        known = {f.name for f in dataclasses.fields(cls.Config)}
        unknown = sorted(set(options) - known)
        if unknown:
            raise ValueError(f"objective {cls.name!r} has no option(s) {unknown}; valid options: {sorted(known)}")
        return cls.Config(**options)

    def recon(self, x: torch.Tensor, logits: torch.Tensor) -> torch.Tensor:
        """Per-image reconstruction loss under this objective's likelihood."""
        return reconstruction_loss(x, logits, self.config.reconstruction)

    def to_latent(self, eps: torch.Tensor) -> torch.Tensor:
        """Map encoder-space latents to the representation the decoder reads (identity here)."""
        return eps

    def regularizer(self, kl: torch.Tensor, mean: torch.Tensor, log_var: torch.Tensor, z: torch.Tensor,
                    step: int) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """Return the regulariser added to the reconstruction loss and any extra terms to log."""
        raise NotImplementedError

    def loss(self, vae: VAE, batch: Batch, step: int) -> dict[str, torch.Tensor]:
        """Single-image objective: recon + regularizer(KL, posterior, sample)."""
        mean, log_var = vae.encoder(batch.x)
        mean, log_var = mean.float(), log_var.float()
        z = sample_gaussian(mean, log_var, self.generator)
        recon = self.recon(batch.x, vae.decoder(z)).mean()
        kl = gaussian_kl(mean, log_var).sum(1).mean()
        reg, extra = self.regularizer(kl, mean, log_var, z, step)
        return {"loss": recon + reg, "recon": recon, "kl": kl, **extra}

    def auxiliary_optimizer(self) -> torch.optim.Optimizer | None:
        """An optimiser for parameters trained apart from the VAE (FactorVAE's discriminator), else None."""
        return None

    def auxiliary_loss(self, step: int) -> torch.Tensor:
        """The loss the auxiliary optimiser minimises after the VAE step (only if auxiliary_optimizer is set)."""
        raise NotImplementedError

    def after_step(self, step: int) -> None:
        """Update non-gradient state (e.g. a Lagrange multiplier) after optimiser step `step` (1-based)."""

    def param_groups(self) -> list[dict]:
        """Optimiser parameter groups of this objective's own parameters trained with the VAE's optimiser
        (e.g. CausalVAE's DAG, with its own learning rate); [] for most objectives."""
        return []
