"""Fit the decoder to posterior means, the latents that queries decode.

A VAE's decoder is trained on posterior *samples*: a latent whose posterior stays wide is mostly
noise to it, so it learns to draw that factor from a correlated, sharper latent and ignores the
named one, and a counterfactual that changes the named latent's mean barely changes the image.
Refitting the decoder on the encoder's means (encoder frozen) makes it read every latent the means carry.

Reconstruction alone still lets the decoder draw a latent's factor from other latents it correlates
with, or leave a subtle factor out of a blurry image: a query that sets that latent alone then barely
changes the picture. Given `readback_dims` (the latents queries set, e.g. labelled concepts), each
step also sets one of them per image to another image's value, decodes, and asks the frozen encoder to
read back the asked latents (a latent cycle-consistency term), so the decoder renders what it is asked.
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import cast

import numpy as np
import torch

from encoders.data import as_uint8_tensor, to_float
from encoders.device import seeded_generator
from encoders.fitting import adam, descend, draw, run_steps
from encoders.model import Encoder
from encoders.networks import VAE
from encoders.objectives.base import Objective


def refine_decoder(encoder: Encoder, images: np.ndarray, *, steps: int, batch_size: int = 64, lr: float = 1e-3,
                   seed: int = 0, progress: bool = False, means: np.ndarray | None = None,
                   readback_dims: Sequence[int] = (), readback_weight: float = 0.0) -> list[float]:
    """Refit `encoder`'s decoder in place on (posterior mean, image) pairs, so that decoding means, as queries
    do, reads every latent they carry. Batches come from a seeded stream apart from training's.

    Parameters
    ----------
    encoder : Encoder
        A trained encoder; its decoder is changed in place, the encoder is not.
    images : numpy.ndarray
        uint8 (N, H, W, C) images shaped like the encoder's training images.
    steps, batch_size : int
        Adam steps (0 does nothing); images per step (at most N).
    lr, seed : float, int
        Adam's learning rate; the seed of the batches (one seed, one result).
    progress : bool
    means : numpy.ndarray, optional
        `encoder.encode(images)`, when the caller has it already (else computed here).
    readback_dims : sequence of int
        Latents a query sets alone; with `readback_weight` > 0 each step adds the read-back term for them.
    readback_weight : float
        Weight of the read-back term (squared errors in latent stds, summed over the dims) against the
        reconstruction's nats per image.

    Returns
    -------
    list of float
        The mean reconstruction loss of each step.
    """
    images = _check_arguments(encoder, images, steps, batch_size, lr, means, readback_dims, readback_weight)
    if steps == 0:
        return []
    device = encoder.device
    latents = torch.as_tensor(encoder.encode(images) if means is None else means, dtype=torch.float32, device=device)
    bank = as_uint8_tensor(images, device)
    vae, objective = cast(VAE, encoder.modules["vae"]), cast(Objective, encoder.modules["objective"])
    decoder = vae.decoder
    optimizer = adam(decoder.parameters(), lr, device)
    generator = seeded_generator(seed, 2)  # batch indices, a stream apart from training's
    losses = []
    readback = _ReadBack(vae.encoder, objective, latents, list(readback_dims), generator) \
        if readback_dims and readback_weight > 0 else None

    def take_step(step: int) -> None:
        x, z = draw([bank, latents], min(batch_size, len(images)), generator, device)
        loss = objective.recon(to_float(x), decoder(z)).mean()
        if readback is not None:
            loss = loss + readback_weight * readback.loss(decoder, z)
        descend(optimizer, loss)
        losses.append(loss.detach())

    # the read-back term differentiates through the encoder, which stays as it is
    with _frozen(vae.encoder):
        decoder.train()
        try:
            run_steps(take_step, 1, steps, progress=progress, desc="decoder on means")
        finally:
            decoder.eval()
    return [float(x) for x in losses]


def _check_arguments(encoder: Encoder, images: np.ndarray, steps: int, batch_size: int, lr: float,
                     means: np.ndarray | None, readback_dims: Sequence[int], readback_weight: float) -> np.ndarray:
    """`refine_decoder`'s arguments checked before any work; the images as the encoder takes them."""
    if not isinstance(steps, int) or steps < 0:
        raise ValueError(f"steps must be an integer >= 0, got {steps!r}")
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    if not lr > 0:
        raise ValueError(f"lr must be > 0, got {lr!r}")
    images = encoder.check_input(images)
    if means is not None and np.shape(means) != (len(images), encoder.latent_dim):
        raise ValueError(f"means must have shape ({len(images)}, {encoder.latent_dim}) (encoder.encode(images)), "
                         f"got {np.shape(means)}")
    dims = [int(d) for d in readback_dims]
    if any(not 0 <= d < encoder.latent_dim for d in dims) or len(set(dims)) != len(dims):
        raise ValueError(f"readback_dims must be distinct latent indices in [0, {encoder.latent_dim}), got {list(readback_dims)}")
    if not readback_weight >= 0:
        raise ValueError(f"readback_weight must be >= 0, got {readback_weight!r}")
    return images


@contextlib.contextmanager
def _frozen(module: torch.nn.Module) -> Iterator[None]:
    """`module`'s parameters take no gradient inside the block, and get their own flags back after it."""
    parameters = list(module.parameters())
    kept = [parameter.requires_grad for parameter in parameters]
    for parameter in parameters:
        parameter.requires_grad_(False)
    try:
        yield
    finally:
        for parameter, flag in zip(parameters, kept):
            parameter.requires_grad_(flag)


class _ReadBack:
    """The read-back term: set one of `dims` per image to another image's value, decode, and measure how
    far the frozen encoder's reading of the decoded image is from the asked latents (in latent stds)."""

    def __init__(self, encoder_net: torch.nn.Module, objective: Objective, latents: torch.Tensor, dims: list[int],
                 generator: torch.Generator):
        self.encoder_net, self.objective, self.generator = encoder_net, objective, generator
        self.dims = torch.as_tensor(dims, device=latents.device)
        self.scale = latents[:, self.dims].std(dim=0).clamp_min(1e-6)

    def loss(self, decoder: torch.nn.Module, z: torch.Tensor) -> torch.Tensor:
        n = len(z)
        donor = torch.randint(n, (n,), generator=self.generator).to(z.device)
        which = torch.randint(len(self.dims), (n,), generator=self.generator).to(z.device)
        rows = torch.arange(n, device=z.device)
        asked = z.clone()
        asked[rows, self.dims[which]] = z[donor, self.dims[which]]
        read = self.objective.to_latent(self.encoder_net(torch.sigmoid(decoder(asked)))[0])
        return (((read[:, self.dims] - asked[:, self.dims]) / self.scale) ** 2).sum(dim=1).mean()
