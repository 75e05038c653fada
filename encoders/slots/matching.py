"""The set-prediction loss: each target object matched to one slot by the Hungarian algorithm, Huber on the pairs.

As the reference's `hungarian_huber_loss`: the cost of a (target, prediction) pair is the Huber loss (delta 1)
averaged over the property vector; scipy's `linear_sum_assignment` picks, per image, the one-to-one matching of
targets to predictions with the least total cost; the loss is that total, averaged over images. Gradients flow through
the matched costs only (the matching itself is a discrete choice).
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from scipy.optimize import linear_sum_assignment


def pairwise_huber(predictions: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Huber cost of every (target, prediction) pair: (B, M, K) from targets (B, M, D) and predictions (B, K, D)."""
    expanded = torch.broadcast_shapes(targets[:, :, None].shape, predictions[:, None].shape)
    cost = F.huber_loss(predictions[:, None].expand(expanded), targets[:, :, None].expand(expanded),
                        reduction="none", delta=1.0)
    return cost.mean(dim=-1)


def hungarian_match(cost: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
    """The least-cost one-to-one matching of each image's rows to its columns: row and column indices (B, min(M, K))."""
    pairs = [linear_sum_assignment(image) for image in cost.detach().float().cpu().numpy()]
    return np.stack([rows for rows, _ in pairs]), np.stack([cols for _, cols in pairs])


def hungarian_huber_loss(predictions: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """The matched Huber loss of predicted sets (B, K, D) against target sets (B, M, D), M <= K: a scalar.

    Targets are padded to M rows with all-zero rows (objectness 0), as the reference pads CLEVR to 10 objects; the
    padding is matched too, which teaches the spare slots to predict "no object".
    """
    cost = pairwise_huber(predictions, targets)
    rows, cols = hungarian_match(cost)
    batch = torch.arange(cost.shape[0], device=cost.device)[:, None]
    matched = cost[batch, torch.as_tensor(rows, device=cost.device), torch.as_tensor(cols, device=cost.device)]
    return matched.sum(dim=1).mean()
