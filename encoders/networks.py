"""The convolutional encoder/decoder of disentanglement_lib (`conv_encoder`, `deconv_decoder`).

From the beta-VAE paper (Higgins et al. 2017, Table 1 row 3) as disentanglement_lib builds it:
encoder conv 32-32 (4x4, stride 2) then 64-64 (2x2, stride 2; disentanglement_lib's kernel
size for the last two layers), dense 256, then two dense heads for the Gaussian posterior's
mean and log-variance. The decoder mirrors it: dense 256, dense 64*(R/16)^2, four 4x4
stride-2 transposed convs 64-32-32-C, returning per-pixel logits. Any square resolution R
that is a multiple of 16 and any channel count work; the flatten size follows from R.
"""
from __future__ import annotations

import torch
from torch import nn


class ConvEncoder(nn.Module):
    """Image (B, C, R, R) in [0, 1] -> Gaussian posterior (mean, log-variance), each (B, latent_dim)."""

    def __init__(self, channels: int, resolution: int, latent_dim: int):
        super().__init__()
        side = resolution // 16
        self.features = nn.Sequential(
            nn.Conv2d(channels, 32, 4, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(32, 32, 4, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(32, 64, 2, stride=2), nn.ReLU(),
            nn.Conv2d(64, 64, 2, stride=2), nn.ReLU(),
            nn.Flatten(),
            nn.Linear(64 * side * side, 256), nn.ReLU(),
        )
        self.mean = nn.Linear(256, latent_dim)
        self.log_var = nn.Linear(256, latent_dim)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.features(x)
        return self.mean(h), self.log_var(h)


class DeconvDecoder(nn.Module):
    """Latent (B, latent_dim) -> per-pixel logits (B, C, R, R)."""

    def __init__(self, channels: int, resolution: int, latent_dim: int):
        super().__init__()
        self.side = resolution // 16
        self.dense = nn.Sequential(
            nn.Linear(latent_dim, 256), nn.ReLU(),
            nn.Linear(256, 64 * self.side * self.side), nn.ReLU(),
        )
        self.deconv = nn.Sequential(
            nn.ConvTranspose2d(64, 64, 4, stride=2, padding=1), nn.ReLU(),
            nn.ConvTranspose2d(64, 32, 4, stride=2, padding=1), nn.ReLU(),
            nn.ConvTranspose2d(32, 32, 4, stride=2, padding=1), nn.ReLU(),
            nn.ConvTranspose2d(32, channels, 4, stride=2, padding=1),
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        h = self.dense(z).view(-1, 64, self.side, self.side)
        return self.deconv(h.contiguous(memory_format=torch.channels_last))


class VAE(nn.Module):
    """The encoder/decoder pair every objective trains."""

    def __init__(self, channels: int, resolution: int, latent_dim: int):
        super().__init__()
        self.encoder = ConvEncoder(channels, resolution, latent_dim)
        self.decoder = DeconvDecoder(channels, resolution, latent_dim)


class Discriminator(nn.Module):
    """FactorVAE's discriminator: 6 dense layers of 1000 units with LeakyReLU(0.2), 2 logits."""

    def __init__(self, latent_dim: int, width: int = 1000, depth: int = 6):
        super().__init__()
        layers: list[nn.Module] = []
        size = latent_dim
        for _ in range(depth):
            layers += [nn.Linear(size, width), nn.LeakyReLU(0.2)]
            size = width
        layers.append(nn.Linear(size, 2))
        self.net = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)
