"""Adam over K stacked models at once, each with its own learning rate and betas.

The K models' parameters of one optimiser group are held side by side in one flat (K, P) tensor, so a step is a
handful of elementwise kernels whatever the number of parameters and models. Adam's maths is elementwise, so
stacking changes nothing: row k follows `torch.optim.Adam` (single-tensor form, no weight decay, no amsgrad) with
model k's settings, to float rounding (the per-model step size is computed in float64, as torch does in Python).
"""
from __future__ import annotations

from collections.abc import Sequence

import torch


class StackedAdam:
    """Adam on the rows of `flat` (K, P): model k with lr[k], betas (beta1[k], beta2[k]) and eps[k].

    Parameters
    ----------
    flat : torch.Tensor
        The K models' parameters of one group, (K, P); updated in place.
    lr, beta1, beta2, eps : sequence of float
        Each model's settings (from its own `torch.optim.Adam` param group).
    """

    def __init__(self, flat: torch.Tensor, lr: Sequence[float], beta1: Sequence[float], beta2: Sequence[float],
                 eps: Sequence[float]):
        self.flat = flat
        self.exp_avg = torch.zeros_like(flat)
        self.exp_avg_sq = torch.zeros_like(flat)
        self.step_count = 0

        def column(values: Sequence[float]) -> torch.Tensor:
            return torch.tensor(values, dtype=torch.float64).unsqueeze(1)

        self.lr, self.beta1, self.beta2, self.eps = column(lr), column(beta1), column(beta2), column(eps)
        device, dtype = flat.device, flat.dtype
        # settings shared by every model stay Python numbers, as in torch.optim.Adam; others become (K, 1) columns
        self._one_minus_beta1 = _setting([1 - b for b in beta1], device, dtype)
        self._one_minus_beta2 = _setting([1 - b for b in beta2], device, dtype)
        self._beta2 = _setting(list(beta2), device, dtype)
        self._eps = _setting(list(eps), device, dtype)

    @torch.no_grad()
    def step(self, grad: torch.Tensor) -> None:
        """One Adam step of every model on `grad` (K, P), the gradients of `flat` (overwritten)."""
        self.step_count += 1
        correction1 = 1 - self.beta1 ** self.step_count
        correction2_sqrt = (1 - self.beta2 ** self.step_count).sqrt()
        device, dtype = self.flat.device, self.flat.dtype
        self.exp_avg.lerp_(grad, self._one_minus_beta1)
        if isinstance(self._one_minus_beta2, float):
            self.exp_avg_sq.mul_(self._beta2).addcmul_(grad, grad, value=self._one_minus_beta2)
        else:
            self.exp_avg_sq.mul_(self._beta2).add_(grad.mul_(grad).mul_(self._one_minus_beta2))  # grad is spent
        update = self.exp_avg_sq.sqrt().div_(correction2_sqrt.to(device, dtype)).add_(self._eps)
        torch.div(self.exp_avg, update, out=update)
        self.flat.sub_(update.mul_((self.lr / correction1).to(device, dtype)))


def _setting(values: list[float], device: torch.device, dtype: torch.dtype) -> float | torch.Tensor:
    """One setting of the K models: a float when they share it, else a (K, 1) column."""
    if len(set(values)) == 1:
        return float(values[0])
    return torch.tensor(values, dtype=torch.float64).unsqueeze(1).to(device, dtype)
