"""The random draws of packed models: each model's own stream, drawn as its lone training draws it, served inside vmap.

`encoders.train` samples noise with `torch.randn(..., generator=g)` and FactorVAE's permutations with
`torch.randperm(..., generator=g)`, from a generator of its own per training. Inside `torch.func.vmap` a call with
an explicit generator is refused, and one generator would give all K models one stream. So the draws of one
step are recorded once (`record_draws`, on one model, with a throwaway generator), then every step each model
draws them from its own generator in that order (`draw_for_models`, outside vmap), and `ServedDraws` hands each
model its slice where the objective's code asks for a draw. The objectives' loss code runs unchanged.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch.overrides import TorchFunctionMode


@dataclass(frozen=True)
class Draw:
    """One random call of a step: the torch function and its arguments, bar the generator."""

    func: Callable[..., torch.Tensor]
    args: tuple[Any, ...]
    kwargs: dict[str, Any]


class _Recorder(TorchFunctionMode):
    """Notes every torch call given a `generator`, and runs it on a throwaway one (the caller's streams untouched)."""

    def __init__(self, device: torch.device):
        super().__init__()
        self.draws: list[Draw] = []
        self.generator = torch.Generator(device=device)

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = dict(kwargs or {})
        if "generator" in kwargs:
            kwargs.pop("generator")
            self.draws.append(Draw(func, tuple(args), kwargs))
            return func(*args, generator=self.generator, **kwargs)
        return func(*args, **kwargs)


def record_draws(step: Callable[[], object], device: torch.device) -> list[Draw]:
    """The random draws `step()` makes, in order (it runs once, drawing from a throwaway generator)."""
    with _Recorder(device) as recorder:
        step()
    return recorder.draws


def draw_for_models(draws: Sequence[Draw], generators: Sequence[torch.Generator]) -> list[torch.Tensor]:
    """Each recorded draw made by every model from its own generator, stacked (K, ...): what the K lone trainings
    would draw at this step, since each generator is used in the recorded order."""
    out: list[list[torch.Tensor]] = [[] for _ in draws]
    for generator in generators:
        for i, draw in enumerate(draws):
            out[i].append(draw.func(*draw.args, generator=generator, **draw.kwargs))
    return [torch.stack(tensors) for tensors in out]


class ServedDraws(TorchFunctionMode):
    """Inside one vmapped model: each torch call given a `generator` returns the next of `served` (that model's
    slice of `draw_for_models`), in order. When `batched` (inside vmap), also lets a memory-format `contiguous`
    through as is, which vmap cannot query (the values are the same in any layout)."""

    def __init__(self, served: Sequence[torch.Tensor], batched: bool = True):
        super().__init__()
        self.served, self.batched = list(served), batched

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if "generator" in kwargs:
            if not self.served:
                raise RuntimeError(f"the objective drew more random numbers ({func.__name__}) than its recorded step")
            return self.served.pop(0)
        if self.batched and func is torch.Tensor.contiguous and "memory_format" in kwargs:
            return args[0]
        return func(*args, **kwargs)
