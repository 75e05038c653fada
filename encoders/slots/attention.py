"""Slot Attention (Locatello et al. 2020) and the soft position embedding it reads, as in the reference model.

Slots start as samples of one learned Gaussian (mu, sigma shared by every slot), so the number of slots is a call
argument, not a weight shape: a model trained with 5 slots runs with 7. Each of the `iterations` rounds normalises the
slots, attends with a softmax over slots (slots compete for each input), takes the attention-weighted mean of the
values (weights + epsilon, normalised over inputs), and updates each slot with a GRU and a residual MLP.
"""
from __future__ import annotations

import math

import torch
from torch import nn


def coordinate_grid(side: int) -> torch.Tensor:
    """The 4-channel grid (side, side, 4) of the reference: (row, column) in [0, 1] and one minus each."""
    ticks = torch.linspace(0.0, 1.0, side)
    rows, cols = torch.meshgrid(ticks, ticks, indexing="ij")
    grid = torch.stack([rows, cols], dim=-1)
    return torch.cat([grid, 1.0 - grid], dim=-1)


class SoftPositionEmbed(nn.Module):
    """Adds a learned linear map of the coordinate grid to channels-last features (B, side, side, dim)."""

    def __init__(self, dim: int, side: int):
        super().__init__()
        self.project = nn.Linear(4, dim)
        self.register_buffer("grid", coordinate_grid(side), persistent=False)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return features + self.project(self.grid)


class SlotAttention(nn.Module):
    """Iterative attention from a set of inputs (B, N, input_dim) to a set of slots (B, K, slot_dim).

    Parameters
    ----------
    input_dim, slot_dim, mlp_hidden, iterations : int
        The reference's defaults are 64, 64, 128, 3.
    epsilon : float
        Added to the attention weights before their mean over inputs (1e-8, as the reference).
    """

    def __init__(self, input_dim: int, slot_dim: int = 64, mlp_hidden: int = 128, iterations: int = 3,
                 epsilon: float = 1e-8):
        super().__init__()
        self.slot_dim, self.iterations, self.epsilon = slot_dim, iterations, epsilon
        self.norm_inputs, self.norm_slots, self.norm_mlp = (nn.LayerNorm(n) for n in (input_dim, slot_dim, slot_dim))
        # Keras' glorot_uniform on a (1, 1, slot_dim) weight, as the reference initialises mu and log sigma
        bound = math.sqrt(6.0 / (1 + slot_dim))
        self.mu = nn.Parameter(torch.empty(1, 1, slot_dim).uniform_(-bound, bound))
        self.log_sigma = nn.Parameter(torch.empty(1, 1, slot_dim).uniform_(-bound, bound))
        self.project_q = nn.Linear(slot_dim, slot_dim, bias=False)
        self.project_k = nn.Linear(input_dim, slot_dim, bias=False)
        self.project_v = nn.Linear(input_dim, slot_dim, bias=False)
        self.gru = nn.GRUCell(slot_dim, slot_dim)
        self.mlp = nn.Sequential(nn.Linear(slot_dim, mlp_hidden), nn.ReLU(), nn.Linear(mlp_hidden, slot_dim))

    def initial_slots(self, batch: int, num_slots: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """`num_slots` slots per image drawn from the learned Gaussian: (batch, num_slots, slot_dim)."""
        noise = torch.randn((batch, num_slots, self.slot_dim), generator=generator, device=self.mu.device)
        return self.mu + self.log_sigma.exp() * noise

    def forward(self, inputs: torch.Tensor, slots: torch.Tensor,
                iterations: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """The slots after `iterations` rounds (None: the trained number) from the initial `slots`, and the last round's
        attention (B, N, K) (softmax over slots, before the epsilon and the normalisation over inputs). The rounds
        share their weights, so a trained module runs any number of them."""
        inputs = self.norm_inputs(inputs)
        keys, values = self.project_k(inputs), self.project_v(inputs)
        batch, count, dim = slots.shape
        attention = slots.new_zeros(batch, inputs.shape[1], count)
        for _ in range(self.iterations if iterations is None else iterations):
            previous = slots
            queries = self.project_q(self.norm_slots(slots)) * dim ** -0.5
            attention = torch.einsum("bnd,bkd->bnk", keys, queries).softmax(dim=-1)
            updates = torch.einsum("bnk,bnd->bkd", update_weights(attention, self.epsilon), values)
            slots = self.gru(updates.reshape(-1, dim), previous.reshape(-1, dim)).reshape(batch, count, dim)
            slots = slots + self.mlp(self.norm_mlp(slots))
        return slots, attention


def update_weights(attention: torch.Tensor, epsilon: float) -> torch.Tensor:
    """Attention (B, N, K), softmaxed over slots, turned into each slot's weights over the inputs: plus `epsilon`,
    normalised over N, as the reference weights the values of a slot's update."""
    weights = attention + epsilon
    return weights / weights.sum(dim=1, keepdim=True)
