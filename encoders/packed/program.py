"""One model's training step as a module, so that `torch.func.functional_call` + `vmap` run it for K models at once.

The step is `encoders.training.objective_terms` (the objective's own loss, plus the label loss) and, for an
objective with an auxiliary network (FactorVAE's discriminator), its auxiliary loss: the same code a lone
training runs. What differs per model enters as inputs: the batch, the random draws (`encoders.packed.draws`),
the label weight, and the float options in which the models differ, passed as tensors in place of the
objective's Config fields for the length of the call.
"""
from __future__ import annotations

import contextlib
import dataclasses
from typing import Any, cast

import torch
from torch import nn

from encoders.objectives.base import Batch, Objective
from encoders.packed.draws import ServedDraws
from encoders.training import objective_terms

PYTHON_FLOATS = frozenset({"c_max"})
"""Float options an objective uses in Python control flow, which a tensor cannot pass through inside vmap
(annealed-vae's capacity takes a Python `min` of c_max): models that differ in them go to separate packs."""


def per_model_options(cls: type[Objective]) -> frozenset[str]:
    """The options of objective `cls` that may differ within one pack: float fields of its Config (their value
    is read as a number in the loss, or by the model's own optimiser), bar `PYTHON_FLOATS`."""
    return frozenset(f.name for f in dataclasses.fields(cls.Config)
                     if isinstance(f.default, float) and f.name not in PYTHON_FLOATS)


class Program(nn.Module):
    """The networks of one training (``net``: `encoders.model.build_modules`'s dict) and its step.

    Parameters
    ----------
    modules : torch.nn.ModuleDict
        "vae", "objective" and, with labels, "supervision".
    auxiliary : bool
        Also compute the objective's auxiliary loss (term "discriminator"), as `encoders.train` does after its step.
    """

    def __init__(self, modules: nn.ModuleDict, auxiliary: bool):
        super().__init__()
        self.net = modules
        self.auxiliary = auxiliary

    def forward(self, inputs: dict[str, Any], step: int) -> dict[str, torch.Tensor]:
        """The loss terms of step `step` on `inputs`: "x" (and "x2" for pairs; "labelled", "values" and
        "label_weight" with labels), "draws" (None: draw from the objective's generator), "options" and
        optionally "batched" (False: not inside vmap)."""
        objective = cast(Objective, self.net["objective"])
        config = objective.config
        objective.config = dataclasses.replace(config, **inputs["options"])
        draws = inputs["draws"]
        try:
            with contextlib.nullcontext() if draws is None else ServedDraws(draws, inputs.get("batched", True)):
                batch = Batch(x=inputs["x"], x2=inputs.get("x2"), label_values=inputs.get("values"))
                terms = objective_terms(self.net, batch, inputs.get("labelled"), step, inputs.get("label_weight", 0.0),
                                        objective.loss)
                if self.auxiliary:
                    terms["discriminator"] = objective.auxiliary_loss(step)
        finally:
            objective.config = config
        return terms
