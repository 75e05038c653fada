"""Panel embeddings: what the reasoning network reads for each distinct panel of the puzzles.

- a fitted `encoders.Encoder`: its frozen posterior means, or (``sampled``) one draw from its posterior per
  panel, as the reference's "mean" and "sampled" representations;
- any callable uint8 images (N, H, W, C) -> (N, d) array: its output, frozen;
- "factors": the ground-truth classes scaled to [-0.5, 0.5] (the reference's ``values`` embedding, the ceiling);
- "onehot": the classes one-hot, concatenated (the reference's ``onehot`` embedding);
- "pixels": the panels' images through `PanelCNN`, trained end to end with the reasoner (the reference's
  ``BaselineCNNEmbedder``, no representation at all).

A frozen embedding is a table (U, d) indexed by panel; the pixel embedder keeps the images (U, C, H, W) and
runs its CNN on the distinct panels of each batch only.
"""
from __future__ import annotations

from typing import Any, cast

import numpy as np
import torch
from torch import nn

from crl.downstream.reasoning.models import CONTEXT, PanelCNN
from crl.downstream.reasoning.puzzles import Puzzles
from crl.metrics.sampling import encode_images
from encoders.data import iter_batches
from encoders.device import seeded_generator
from encoders.model import Encoder

NAMED = ("factors", "onehot", "pixels")
SAMPLE_BATCH = 256


class TablePanels(nn.Module):
    """Frozen panel embeddings: indices (...) -> rows of a fixed (U, d) table."""

    table: torch.Tensor

    def __init__(self, table: np.ndarray):
        super().__init__()
        self.register_buffer("table", torch.as_tensor(np.asarray(table, dtype=np.float32)))
        self.dim = int(self.table.shape[1])

    def forward(self, index: torch.Tensor) -> torch.Tensor:
        return self.table[index]


class PixelPanels(nn.Module):
    """Pixel panels through a trainable `PanelCNN`: indices (...) -> (..., 64 (R/16)^2)."""

    images: torch.Tensor

    def __init__(self, images: np.ndarray):
        super().__init__()
        self.register_buffer("images", torch.as_tensor(np.ascontiguousarray(images.transpose(0, 3, 1, 2))))
        self.cnn = PanelCNN(images.shape[3], images.shape[1])
        self.dim = self.cnn.dim

    def forward(self, index: torch.Tensor) -> torch.Tensor:
        distinct, inverse = torch.unique(index, return_inverse=True)
        return self.cnn(self.images[distinct].float() / 255.0)[inverse]


class Reasoner(nn.Module):
    """A panel embedder and a scorer: context (B, 8) and candidate (B, A) panel indices -> logits (B, A)."""

    def __init__(self, panels: nn.Module, scorer: nn.Module):
        super().__init__()
        self.panels, self.scorer = panels, scorer

    def forward(self, context: torch.Tensor, candidates: torch.Tensor) -> torch.Tensor:
        embedded = self.panels(torch.cat([context, candidates], dim=1))
        return self.scorer(embedded[:, :CONTEXT], embedded[:, CONTEXT:])


@torch.no_grad()
def sampled_latents(encoder: Encoder, images: np.ndarray, seed: int) -> np.ndarray:
    """One draw per image from the encoder's Gaussian posterior, in its representation (`to_latent`)."""
    images = encoder.check_input(images)
    vae, objective = cast(Any, encoder.modules["vae"]), cast(Any, encoder.modules["objective"])
    generator = seeded_generator(seed, 0)
    out = []
    for x in iter_batches(images, SAMPLE_BATCH, encoder.device):
        mean, log_var = vae.encoder(x)
        noise = torch.randn(mean.shape, generator=generator).to(mean.device)
        out.append(objective.to_latent(mean.float() + torch.exp(0.5 * log_var.float()) * noise).cpu())
    return torch.cat(out).numpy().astype(np.float64)


def check_representation(represent: Any, sampled: bool) -> None:
    """Raise ValueError unless `represent` is an Encoder, a callable or one of `NAMED` (sampled: an Encoder)."""
    if isinstance(represent, str) and represent not in NAMED:
        raise ValueError(f"represent must be an encoders.Encoder, a callable images -> (N, d) array, or one of "
                         f"{NAMED}; got {represent!r}")
    if not isinstance(represent, str) and not callable(represent) and not isinstance(represent, Encoder):
        raise ValueError(f"represent must be an encoders.Encoder, a callable or one of {NAMED}; "
                         f"got {type(represent).__name__}")
    if sampled and not isinstance(represent, Encoder):
        raise ValueError("sampled=True draws latents from an encoders.Encoder's posterior; represent is not one")


def panel_embedder(represent: Any, puzzles: Puzzles, rows: np.ndarray, sampled: bool = False,
                   seed: int = 0) -> TablePanels | PixelPanels:
    """The embedder of the distinct panels `rows` (U, F) classes of `puzzles` (see the module docstring)."""
    check_representation(represent, sampled)
    if isinstance(represent, str) and represent == "factors":
        counts = np.array([len(v) for v in puzzles.values], dtype=np.float64)
        return TablePanels(rows / (counts - 1.0) - 0.5)
    if isinstance(represent, str) and represent == "onehot":
        return TablePanels(np.concatenate([np.eye(len(v))[rows[:, f]] for f, v in enumerate(puzzles.values)], axis=1))
    images = puzzles.render(rows)
    if isinstance(represent, str):
        return PixelPanels(images)
    if sampled:
        return TablePanels(sampled_latents(represent, images, seed))
    encode = represent.encode if isinstance(represent, Encoder) else represent
    return TablePanels(encode_images(encode, images))
