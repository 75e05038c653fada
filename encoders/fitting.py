"""The optimisation loop every fit in encoders shares: batches drawn from a seeded generator,
Adam, one gradient step, and the steps run under a progress bar.

`encoders.train` and `encoders.refine_decoder` both fit through these, so a seed draws its
batches and updates its weights the same way in each.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import torch
from tqdm.auto import tqdm

from encoders.device import random_indices


def adam(params: Iterable, lr: float, device: torch.device) -> torch.optim.Adam:
    """Adam with disentanglement_lib's settings (betas (0.9, 0.999), eps 1e-8).

    Parameters
    ----------
    params : iterable
        Parameters or parameter groups, as `torch.optim.Adam` takes them.
    lr : float
        Learning rate.
    device : torch.device
        Where the parameters live; on CUDA the update is fused into one kernel instead of a dozen
        per parameter group.

    Returns
    -------
    torch.optim.Adam
    """
    return torch.optim.Adam(params, lr=lr, betas=(0.9, 0.999), eps=1e-8, fused=device.type == "cuda")


def descend(optimizer: torch.optim.Optimizer, loss: torch.Tensor) -> None:
    """One gradient step of `optimizer` on scalar `loss` (gradients cleared first)."""
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()


def draw(tensors: Sequence[torch.Tensor], size: int, generator: torch.Generator,
         device: torch.device) -> list[torch.Tensor]:
    """The same `size` random rows of each of `tensors` (aligned along their first axis).

    Parameters
    ----------
    tensors : sequence of torch.Tensor
        Tensors on `device` with equal first dimensions.
    size : int
        Rows to draw (with replacement).
    generator : torch.Generator
        A CPU generator, so that a seed picks the same rows on every device.
    device : torch.device

    Returns
    -------
    list of torch.Tensor
        The drawn rows of each tensor, in the order given.
    """
    idx = random_indices(tensors[0].shape[0], size, generator, device)
    return [t[idx] for t in tensors]


def run_steps(take_step: Callable[[int], float | None], first: int, last: int | None, *, progress: bool,
              desc: str, after: Callable[[int], int | None] | None = None) -> None:
    """Call `take_step(step)` for step = first, first + 1, ... up to `last` (1-based) under one tqdm bar.

    Parameters
    ----------
    take_step : callable
        Runs one step; a number it returns is shown on the bar as the loss.
    first, last : int
        The first and last step to run; a resumed fit starts past 1 and its bar starts there. `last` None:
        `after` sets it.
    progress : bool
        Show the bar.
    desc : str
        The bar's label.
    after : callable, optional
        Called with each step run; a number it returns becomes the last step (`encoders.budget.StepTimer`).
    """
    bar = tqdm(total=last, initial=first - 1, disable=not progress, desc=desc, dynamic_ncols=True)
    try:
        step = first
        while last is None or step <= last:
            shown = take_step(step)
            if shown is not None:
                bar.set_postfix(loss=f"{shown:.4g}")
            bar.update(1)
            settled = after(step) if after is not None else None
            if settled is not None:
                last = bar.total = settled
                bar.refresh()
            step += 1
    finally:
        bar.close()
