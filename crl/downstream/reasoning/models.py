"""The reasoning networks: WReN, the MLP baseline, and the CNN that embeds raw pixels.

As disentanglement_lib's `abstract_reasoning/models.py` (`OptimizedWildRelNet`, `BaselineCNNEmbedder`),
after Barrett et al. (2018)'s Wild Relation Network. For each candidate, the 8 context panels' embeddings and
the candidate's (position 8) each get a one-hot of their position (9 values); the edge MLP g reads every
ordered pair (i, j) of these 9 nodes, self pairs included, as the concatenation [x_i, x_j]; g's outputs are
summed over all 81 pairs; the graph MLP f, dropout and a linear layer give the candidate's score; a softmax
over the candidates' scores answers. Every layer is ReLU and lecun-normal initialised (the reference's
defaults); dropout (rate 1 - 0.5) draws one mask for the whole batch and every candidate (its noise_shape).

The sum over pairs is computed without materialising the 81 pairs per candidate: g's first layer is linear
in [x_i, x_j], so it splits into W_a x_i + W_b x_j, and the 64 context-context pairs are the same for every
candidate, so they go through g once per puzzle; only the 17 pairs that hold the candidate go per candidate.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn

CONTEXT = 8
NODES = CONTEXT + 1
EDGE_MLP = (512, 512, 512, 512)
GRAPH_MLP = (256, 256)
DROPOUT = 0.5
"""The reference's example configuration (`abstract_reasoning_study_v1/stage2/example.gin`); this dropout is
the rate, 1 - its ``dropout_in_last_graph_layer`` keep fraction 0.5."""
CNN_CHANNELS = (32, 32, 64, 64)


def lecun_normal_(layer: nn.Linear | nn.Conv2d) -> None:
    """Keras' "lecun_normal" kernel (normal truncated at two deviations, variance 1 / fan_in), zero bias."""
    std = math.sqrt(1.0 / layer.weight[0].numel()) / 0.87962566103423978
    nn.init.trunc_normal_(layer.weight, std=std, a=-2.0 * std, b=2.0 * std)
    if layer.bias is not None:
        nn.init.zeros_(layer.bias)


def mlp(width: int, hidden: Sequence[int]) -> nn.Sequential:
    """Linear + ReLU layers of the given widths, lecun-normal initialised."""
    layers: list[nn.Module] = []
    for units in hidden:
        linear = nn.Linear(width, units)
        lecun_normal_(linear)
        layers += [linear, nn.ReLU()]
        width = units
    return nn.Sequential(*layers)


def check_sizes(dim: int, **widths: Sequence[int]) -> None:
    """Raise ValueError unless `dim` is a positive int and each of `widths` a non-empty list of positive widths."""
    if isinstance(dim, bool) or not isinstance(dim, int) or dim < 1:
        raise ValueError(f"dim must be a positive int (the panel embedding's length); got {dim!r}")
    for name, hidden in widths.items():
        if not len(hidden) or any(isinstance(u, bool) or not isinstance(u, int) or u < 1 for u in hidden):
            raise ValueError(f"{name} must be a non-empty list of positive layer widths; got {hidden!r}")


def _check_panels(model: nn.Module, context: torch.Tensor, candidates: torch.Tensor) -> None:
    dim = model.dim
    if context.ndim != 3 or context.shape[1:] != (CONTEXT, dim) or candidates.ndim != 3 \
            or candidates.shape[0] != context.shape[0] or candidates.shape[2] != dim:
        raise ValueError(f"{type(model).__name__} expects context (B, {CONTEXT}, {dim}) and candidates (B, A, {dim}) "
                         f"embeddings; got {tuple(context.shape)} and {tuple(candidates.shape)}")


class WReN(nn.Module):
    """Wild Relation Network scores: context (B, 8, d) and candidates (B, A, d) embeddings -> logits (B, A).

    Parameters
    ----------
    dim : int
        Length d of a panel's embedding.
    edge_mlp, graph_mlp : sequence of int
        Widths of g (over pairs) and f (over their sum).
    dropout : float
        Dropout rate before the last layer (0: none).
    """

    def __init__(self, dim: int, edge_mlp: Sequence[int] = EDGE_MLP, graph_mlp: Sequence[int] = GRAPH_MLP,
                 dropout: float = DROPOUT):
        super().__init__()
        check_sizes(dim, edge_mlp=edge_mlp, graph_mlp=graph_mlp)
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be a rate in [0, 1); got {dropout!r}")
        self.dim, self.dropout = dim, float(dropout)
        self.edge = mlp(2 * (dim + NODES), edge_mlp)
        self.graph = mlp(edge_mlp[-1], graph_mlp)
        self.score = nn.Linear(graph_mlp[-1], 1)
        lecun_normal_(self.score)

    def _rest(self, pre: torch.Tensor) -> torch.Tensor:
        """g after its first linear layer, on pre-activations."""
        return self.edge[1:](pre)

    def pair_sum(self, context: torch.Tensor, candidates: torch.Tensor) -> torch.Tensor:
        """(B, A, width) sum of g over the 81 ordered node pairs of each candidate's 9 nodes."""
        position = torch.eye(NODES, dtype=context.dtype, device=context.device)
        batch, count = candidates.shape[:2]
        ctx = torch.cat([context, position[:CONTEXT].expand(batch, -1, -1)], dim=-1)
        cand = torch.cat([candidates, position[CONTEXT].expand(batch, count, -1)], dim=-1)
        first: nn.Linear = self.edge[0]  # type: ignore[assignment]
        left, right = first.weight.split(self.dim + NODES, dim=1)
        ctx_l, ctx_r = ctx @ left.T, ctx @ right.T + first.bias
        cand_l, cand_r = cand @ left.T, cand @ right.T + first.bias
        shared = self._rest(ctx_l[:, :, None] + ctx_r[:, None, :]).sum(dim=(1, 2))  # context-context pairs
        total = shared[:, None] + self._rest(cand_l + cand_r)  # the candidate with itself
        total = total + self._rest(cand_l[:, :, None] + ctx_r[:, None]).sum(dim=2)  # (candidate, context j)
        return total + self._rest(ctx_l[:, None] + cand_r[:, :, None]).sum(dim=2)  # (context i, candidate)

    def head(self, pooled: torch.Tensor) -> torch.Tensor:
        """f, dropout (one mask for every row and candidate) and the linear score: (B, A, width) -> (B, A)."""
        hidden = self.graph(pooled)
        if self.training and self.dropout > 0:
            keep = torch.rand((1, 1, hidden.shape[-1]), device=hidden.device) >= self.dropout
            hidden = hidden * keep / (1.0 - self.dropout)
        return self.score(hidden).squeeze(-1)

    def forward(self, context: torch.Tensor, candidates: torch.Tensor) -> torch.Tensor:
        _check_panels(self, context, candidates)
        return self.head(self.pair_sum(context, candidates))


class MLPBaseline(nn.Module):
    """The baseline scorer: an MLP over the concatenated embeddings of the 8 context panels and one candidate.

    Parameters
    ----------
    dim : int
        Length d of a panel's embedding.
    hidden : sequence of int
        Widths of its hidden layers (then a linear score).
    """

    def __init__(self, dim: int, hidden: Sequence[int] = GRAPH_MLP):
        super().__init__()
        check_sizes(dim, hidden=hidden)
        self.dim = dim
        self.body = mlp(NODES * dim, hidden)
        self.score = nn.Linear(hidden[-1], 1)
        lecun_normal_(self.score)

    def forward(self, context: torch.Tensor, candidates: torch.Tensor) -> torch.Tensor:
        _check_panels(self, context, candidates)
        batch, count = candidates.shape[:2]
        flat = context.reshape(batch, 1, -1).expand(-1, count, -1)
        return self.score(self.body(torch.cat([flat, candidates], dim=-1))).squeeze(-1)


class PanelCNN(nn.Module):
    """The reference's `BaselineCNNEmbedder`: four 4x4 stride-2 "same" convolutions (32, 32, 64, 64), ReLU,
    flattened: uint8-valued float images (N, C, R, R) scaled to [0, 1] -> (N, 64 (R/16)^2)."""

    def __init__(self, channels: int, resolution: int):
        super().__init__()
        if resolution % 16:
            raise ValueError(f"PanelCNN needs a resolution that is a multiple of 16; got {resolution}")
        layers: list[nn.Module] = []
        for out in CNN_CHANNELS:
            conv = nn.Conv2d(channels, out, 4, stride=2, padding=1)
            lecun_normal_(conv)
            layers += [conv, nn.ReLU()]
            channels = out
        self.features = nn.Sequential(*layers, nn.Flatten())
        self.dim = CNN_CHANNELS[-1] * (resolution // 16) ** 2

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.features(images)
