"""Training a reasoner on puzzles: seeded Adam steps on the softmax cross-entropy over candidates, with test
accuracy measured along the way (the reference trains and evaluates in rounds of steps, `reason.py`).

The batches, the optimiser and the progress bar are the ones `encoders` trains with (`encoders.fitting`).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from encoders.device import seeded_generator
from encoders.fitting import adam, descend, draw, run_steps

EVAL_BATCH = 512


@dataclass(frozen=True)
class PuzzleIndex:
    """Puzzles as panel indices on the training device: context (n, 8), candidates (n, 6), answer (n,)."""

    context: torch.Tensor
    candidates: torch.Tensor
    answer: torch.Tensor

    @classmethod
    def of(cls, context: np.ndarray, candidates: np.ndarray, answer: np.ndarray, device: torch.device) -> PuzzleIndex:
        return cls(*(torch.as_tensor(np.asarray(a), dtype=torch.long, device=device)
                     for a in (context, candidates, answer)))


@torch.no_grad()
def predict(model: nn.Module, puzzles: PuzzleIndex) -> np.ndarray:
    """(n,) the candidate the model picks per puzzle (the model left in eval mode)."""
    model.eval()
    chosen = [model(puzzles.context[s:s + EVAL_BATCH], puzzles.candidates[s:s + EVAL_BATCH]).argmax(dim=1)
              for s in range(0, len(puzzles.answer), EVAL_BATCH)]
    return torch.cat(chosen).cpu().numpy()


def accuracy(model: nn.Module, puzzles: PuzzleIndex) -> float:
    """Share of puzzles whose correct candidate the model picks."""
    return float(np.mean(predict(model, puzzles) == puzzles.answer.cpu().numpy()))


def fit(model: nn.Module, train: PuzzleIndex, test: PuzzleIndex, *, steps: int, checkpoints: Sequence[int],
        batch_size: int, lr: float, seed: int, device: torch.device, progress: bool = True) -> list[float]:
    """Train `model` for `steps` Adam steps on batches of `train`; its test accuracy after each checkpoint step.

    Parameters
    ----------
    model : torch.nn.Module
        Panel indices (context (B, 8), candidates (B, A)) -> logits (B, A), on `device`.
    train, test : PuzzleIndex
    steps : int
        Steps in all.
    checkpoints : sequence of int
        Steps (1..steps, increasing) after which the test accuracy is measured.
    batch_size : int
        Puzzles per step, drawn with replacement from `train` by a generator seeded with `seed`.
    lr : float
        Adam's learning rate (betas (0.9, 0.999), eps 1e-8).
    seed : int
    device : torch.device
    progress : bool
        A tqdm bar over the steps.

    Returns
    -------
    list of float
        Test accuracy at each checkpoint.
    """
    optimizer = adam(model.parameters(), lr, device)
    generator = seeded_generator(seed, 1)
    tensors = [train.context, train.candidates, train.answer]
    marks, curve = set(checkpoints), []

    def step(index: int) -> float:
        model.train()
        context, candidates, answer = draw(tensors, batch_size, generator, device)
        loss = F.cross_entropy(model(context, candidates), answer)
        descend(optimizer, loss)
        if index in marks:
            curve.append(accuracy(model, test))
        return float(loss.detach())

    run_steps(step, 1, steps, progress=progress, desc="reasoning")
    return curve
