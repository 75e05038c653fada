"""Fit the decoder to posterior means, the latents that queries decode.

A VAE's decoder is trained on posterior *samples*: a latent whose posterior stays wide is mostly
noise to it, so it learns to draw that factor from a correlated, sharper latent and ignores the
named one, and a counterfactual that changes the named latent's mean barely changes the image.
Refitting the decoder on the encoder's means (encoder frozen, reconstruction loss only) makes it
read every latent the means carry.
"""
from __future__ import annotations

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
                   seed: int = 0, progress: bool = False, means: np.ndarray | None = None) -> list[float]:
    """Refit `encoder`'s decoder in place on (posterior mean, image) pairs, by the objective's reconstruction loss.

    Decoding means, as interventions and counterfactuals do, then reads every latent they carry.
    Batches come from a seeded stream apart from training's.

    Parameters
    ----------
    encoder : Encoder
        A trained encoder; its decoder is changed in place, the encoder is not.
    images : numpy.ndarray
        uint8 (N, H, W, C) images shaped like the encoder's training images.
    steps, batch_size : int
        Adam steps (0 does nothing); images per step (at most N).
    lr : float
        Adam's learning rate.
    seed : int
        Seeds the batches: one seed, one result.
    progress : bool
    means : numpy.ndarray, optional
        `encoder.encode(images)`, when the caller has it already (else computed here).

    Returns
    -------
    list of float
        The mean reconstruction loss of each step.
    """
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
    if steps == 0:
        return []
    device = encoder.device
    latents = torch.as_tensor(encoder.encode(images) if means is None else means, dtype=torch.float32, device=device)
    bank = as_uint8_tensor(images, device)
    decoder, objective = cast(VAE, encoder.modules["vae"]).decoder, cast(Objective, encoder.modules["objective"])
    optimizer = adam(decoder.parameters(), lr, device)
    generator = seeded_generator(seed, 2)  # batch indices, a stream apart from training's
    losses = []

    def take_step(step: int) -> None:
        x, z = draw([bank, latents], min(batch_size, len(images)), generator, device)
        loss = objective.recon(to_float(x), decoder(z)).mean()
        descend(optimizer, loss)
        losses.append(loss.detach())

    decoder.train()
    try:
        run_steps(take_step, 1, steps, progress=progress, desc="decoder on means")
    finally:
        decoder.eval()
    return [float(x) for x in losses]
