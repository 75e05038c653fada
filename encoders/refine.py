"""Fit the decoder to posterior means, the latents that queries decode.

A VAE's decoder is trained on posterior *samples*. A latent whose posterior stays wide (on
`flow` the ball_size latent keeps a posterior std of 0.91 while its mean tracks the label with
r = 0.997) is mostly noise to the decoder, so it learns to draw that factor from a correlated,
sharper latent (the water height) and ignores the named one. Decoding the means with one of
them changed then leaves the image as it was: a counterfactual on ball_size moved the ball by
almost nothing. Refitting the decoder on the encoder's means (encoder frozen, reconstruction
loss only) makes it read every latent the means carry; on that flow model, 200 steps brought
the encoder's read-back of the asked ball size from 0.88 to 0.11 standard deviations.
"""
from __future__ import annotations

import numpy as np
import torch
from tqdm.auto import tqdm

from encoders.data import as_uint8_tensor, to_float
from encoders.device import random_indices, seeded_generator
from encoders.model import Encoder


def refine_decoder(encoder: Encoder, images: np.ndarray, *, steps: int, batch_size: int = 64, lr: float = 1e-3,
                   seed: int = 0, progress: bool = False, means: np.ndarray | None = None) -> list[float]:
    """Train `encoder`'s decoder in place for `steps` Adam steps on (posterior mean, image) pairs.

    `means`: `encoder.encode(images)` when the caller has it already (else computed here).
    Returns the mean reconstruction loss of each step. The encoder itself is not changed.
    """
    if not isinstance(steps, int) or steps < 0:
        raise ValueError(f"steps must be an integer >= 0, got {steps!r}")
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    if not lr > 0:
        raise ValueError(f"lr must be > 0, got {lr!r}")
    images = encoder._check(images)
    if means is not None and np.shape(means) != (len(images), encoder.latent_dim):
        raise ValueError(f"means must have shape ({len(images)}, {encoder.latent_dim}) (encoder.encode(images)), "
                         f"got {np.shape(means)}")
    if steps == 0:
        return []
    latents = torch.as_tensor(encoder.encode(images) if means is None else means, dtype=torch.float32,
                              device=encoder.device)
    bank = as_uint8_tensor(images, encoder.device)
    decoder, objective = encoder.modules["vae"].decoder, encoder.modules["objective"]
    optimizer = torch.optim.Adam(decoder.parameters(), lr=lr, fused=encoder.device.type == "cuda")
    generator = seeded_generator(seed, 2)  # batch indices, a stream apart from training's
    losses = []
    decoder.train()
    try:
        for _ in tqdm(range(steps), disable=not progress, desc="decoder on means", dynamic_ncols=True):
            idx = random_indices(len(images), min(batch_size, len(images)), generator, encoder.device)
            loss = objective.recon(to_float(bank[idx]), decoder(latents[idx])).mean()
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            losses.append(loss.detach())
    finally:
        decoder.eval()
    return [float(x) for x in losses]
