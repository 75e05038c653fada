"""K trainings of one objective held as one: their weights stacked, one vmapped step, one Adam step for all.

Each model starts as its lone training would (`encoders.training.initial_state`: weights from its seed, its batch
and noise generators, its optimisers), then its parameters move into one flat (K, P) tensor per optimiser group
(`encoders.packed.adam`). A step draws each model's batch from its own generator (as `encoders.feed.Feed` does),
each model's noise from its own stream (`encoders.packed.draws`), runs `Program` under `torch.func.vmap` (or model
after model, on CPU), and takes the gradients of the summed losses: the models are independent, so row k is model
k's own gradient.
"""
from __future__ import annotations

import contextlib
import copy
import functools
from typing import Any

import numpy as np
import torch
from torch.func import functional_call, vmap

from encoders.checkpoint import TrainingState
from encoders.data import as_uint8_tensor, to_float
from encoders.device import random_indices
from encoders.model import Encoder
from encoders.objectives.base import Objective
from encoders.packed.adam import StackedAdam
from encoders.packed.draws import Draw, draw_for_models, record_draws
from encoders.packed.program import Program
from encoders.training import initial_state

CPU = torch.device("cpu")


class _Group:
    """One optimiser param group of the K models: its parameter names, their flat (K, P) store and its Adam;
    `loss` names the term it descends ("loss" for the networks, "discriminator" for an auxiliary network)."""

    def __init__(self, names: list[str], shapes: list[torch.Size], flat: torch.Tensor, adam: StackedAdam, loss: str):
        self.names, self.shapes, self.flat, self.adam, self.loss = names, shapes, flat, adam, loss

    def views(self) -> dict[str, torch.Tensor]:
        """Each parameter as a (K, *shape) view of the flat store."""
        out, start = {}, 0
        for name, shape in zip(self.names, self.shapes):
            size = int(np.prod(shape))
            out[name] = self.flat[:, start:start + size].view(-1, *shape)
            start += size
        return out


def _groups(states: list[TrainingState], programs: list[Program]) -> list[_Group]:
    """The stacked optimiser groups of the K states (their optimisers' groups, in order; main, then auxiliary)."""
    names = [{id(p): n for n, p in program.named_parameters()} for program in programs]
    groups = []
    for which, loss in (("optimizer", "loss"), ("aux_optimizer", "discriminator")):
        optimizers = [getattr(state, which) for state in states]
        if optimizers[0] is None:
            continue
        for index, first in enumerate(optimizers[0].param_groups):
            settings = [optimizer.param_groups[index] for optimizer in optimizers]
            group_names = [names[0][id(p)] for p in first["params"]]
            params = [dict(program.named_parameters()) for program in programs]
            flat = torch.stack([torch.cat([params[k][n].detach().reshape(-1) for n in group_names])
                                for k in range(len(programs))])
            adam = StackedAdam(flat, [s["lr"] for s in settings], [s["betas"][0] for s in settings],
                               [s["betas"][1] for s in settings], [s["eps"] for s in settings])
            groups.append(_Group(group_names, [params[0][n].shape for n in group_names], flat, adam, loss))
    return groups


class Pack:
    """K trainings of one objective, one architecture and one data set, stepped together.

    Parameters
    ----------
    configs : list of dict
        Each model's config (`encoders.training.check_arguments`); they differ only in seed, lr, label_weight and
        the options `encoders.packed.program.per_model_options` allows.
    data : object
        The checked data (`check_arguments`' second result) they share: images, pairs, labels.
    device : torch.device
    bf16 : bool
        Run the step under bfloat16 autocast (CPU too, unlike `encoders.train`, which ignores it there).
    vectorize : bool, optional
        Run the K models' networks as one vmapped program (grouped convolutions); False: one model after another
        inside the step (still one optimiser step for all). None: vmap on CUDA, where a step is bound by kernel
        launches; one by one on CPU, where oneDNN's grouped convolutions ran at half the per-image rate
        (docs/train_many.md).
    """

    def __init__(self, configs: list[dict], data: Any, device: torch.device, bf16: bool = False,
                 vectorize: bool | None = None):
        self.configs, self.device, self.bf16 = configs, device, bf16
        self.vectorize = device.type == "cuda" if vectorize is None else vectorize
        self.states = [initial_state(config, device) for config in configs]
        auxiliary = self.states[0].aux_optimizer is not None
        programs = [Program(state.modules, auxiliary) for state in self.states]
        self.template = copy.deepcopy(programs[0])
        self.groups = _groups(self.states, programs)
        self.buffers = {name: torch.stack([dict(p.named_buffers())[name] for p in programs])
                        for name, _ in programs[0].named_buffers()}
        self.options = _differing_options(configs, device)
        self.images = as_uint8_tensor(data.images, device) if data.pairs is None or data.labels is not None else None
        self.pairs = None if data.pairs is None else tuple(as_uint8_tensor(x, device) for x in data.pairs)
        self.labels = None if data.labels is None else tuple(torch.from_numpy(x).to(device) for x in data.labels)
        self.label_weight = torch.tensor([c["label_weight"] for c in configs], device=device)
        objective = self.states[0].objective
        self.after_step = type(objective).after_step is not Objective.after_step
        self.draws: list[Draw] | None = None

    def _indices(self, high: int, size: int) -> torch.Tensor:
        """(K, size) indices in [0, high), model k's from its own batch generator, as `encoders.fitting.draw`."""
        rows = [random_indices(high, size, state.generator, CPU) for state in self.states]
        return torch.stack(rows).to(self.device)

    def _batch(self) -> dict[str, Any]:
        """The step's data for every model (K, B, ...), drawn in the order `encoders.feed.Feed` draws it."""
        k, size = len(self.states), self.configs[0]["batch_size"]
        inputs: dict[str, Any] = {}
        if self.pairs is not None:
            idx = self._indices(self.pairs[0].shape[0], size).reshape(-1)
            inputs["x"], inputs["x2"] = (to_float(x[idx]).unflatten(0, (k, size)) for x in self.pairs)
        else:
            assert self.images is not None
            inputs["x"] = to_float(self.images[self._indices(self.images.shape[0], size).reshape(-1)]).unflatten(0, (k, size))
        if self.labels is not None:
            assert self.images is not None
            labelled = min(size, self.labels[0].shape[0])
            idx = self._indices(self.labels[0].shape[0], labelled).reshape(-1)
            rows, values = self.labels[0][idx], self.labels[1][idx]
            inputs["labelled"] = to_float(self.images[rows]).unflatten(0, (k, labelled))
            inputs["values"] = values.unflatten(0, (k, labelled))
            inputs["label_weight"] = self.label_weight
        return inputs

    def _call(self, step: int, params: dict, buffers: dict, inputs: dict) -> dict[str, torch.Tensor]:
        return functional_call(self.template, (params, buffers), (inputs, step))

    def step(self, step: int) -> dict[str, torch.Tensor]:
        """Run step `step` (1-based) of every model; its loss terms, each (K,)."""
        inputs = self._batch()
        if self.draws is None:  # the first step of model 0, once, to learn what a step draws
            first = {key: value[0] for key, value in inputs.items()}
            params0 = {n: v[0] for g in self.groups for n, v in g.views().items()}
            with torch.no_grad():
                self.draws = record_draws(lambda: self._call(step, params0, {n: b[0] for n, b in self.buffers.items()},
                                                             {**first, "draws": None, "options": {}}), self.device)
        inputs["draws"] = draw_for_models(self.draws, [state.noise for state in self.states])
        inputs["options"] = self.options
        leaves = {n: v.detach().requires_grad_() for g in self.groups for n, v in g.views().items()}
        autocast = torch.autocast(self.device.type, dtype=torch.bfloat16) if self.bf16 else contextlib.nullcontext()
        with autocast:
            if self.vectorize:
                terms = vmap(functools.partial(self._call, step))(leaves, self.buffers, inputs)
            else:
                terms = self._one_by_one(step, leaves, inputs)
        losses = [g.loss for g in self.groups]
        for index, loss in enumerate(dict.fromkeys(losses)):
            groups = [g for g in self.groups if g.loss == loss]
            names = [n for g in groups for n in g.names]
            grads = torch.autograd.grad(terms[loss].sum(), [leaves[n] for n in names], allow_unused=True,
                                        retain_graph=index < len(set(losses)) - 1)
            by_name = dict(zip(names, grads))
            for group in groups:
                group.adam.step(torch.cat([_or_zeros(by_name[n], leaves[n]).reshape(len(self.states), -1)
                                           for n in group.names], 1))
        if self.after_step:
            self._after_step(step)
        return {key: value.detach() for key, value in terms.items()}

    def _one_by_one(self, step: int, leaves: dict, inputs: dict) -> dict[str, torch.Tensor]:
        """The K models' terms, each model's step run on its own slice, without vmap."""
        params = {n: leaf.unbind(0) for n, leaf in leaves.items()}
        buffers = {n: b.unbind(0) for n, b in self.buffers.items()}
        runs = []
        for k in range(len(self.states)):
            one = {key: ({n: v[k] for n, v in value.items()} if key == "options" else
                         [d[k] for d in value] if key == "draws" else value[k]) for key, value in inputs.items()}
            runs.append(self._call(step, {n: v[k] for n, v in params.items()}, {n: v[k] for n, v in buffers.items()},
                                   {**one, "batched": False}))
        return {key: torch.stack([run[key] for run in runs]) for key in runs[0]}

    def _after_step(self, step: int) -> None:
        """Each model's objective updates its non-gradient state (CausalVAE's Lagrangian), on its own weights."""
        params = {n: v for g in self.groups for n, v in g.views().items()}
        for k, state in enumerate(self.states):
            with torch.no_grad():
                for name, param in state.objective.named_parameters(prefix="net.objective"):
                    param.copy_(params[name][k])
                for name, buffer in state.objective.named_buffers(prefix="net.objective"):
                    buffer.copy_(self.buffers[name][k])
            state.objective.after_step(step)
            with torch.no_grad():
                for name, buffer in state.objective.named_buffers(prefix="net.objective"):
                    self.buffers[name][k].copy_(buffer)

    def unpack(self, histories: list[list[dict]], plan: Any) -> list[Encoder]:
        """The K trained models as ordinary encoders, each with its config, history and `plan`."""
        params = {n: v for g in self.groups for n, v in g.views().items()}
        encoders = []
        for k, state in enumerate(self.states):
            weights = {**{n: v[k] for n, v in params.items()}, **{n: b[k] for n, b in self.buffers.items()}}
            Program(state.modules, False).load_state_dict({n: w.detach().clone() for n, w in weights.items()})
            encoders.append(Encoder(state.modules, {**self.configs[k], "steps": plan.steps}, histories[k],
                                    self.device, plan=plan))
        return encoders


def _or_zeros(grad: torch.Tensor | None, like: torch.Tensor) -> torch.Tensor:
    """A parameter's gradient; zeros for one the loss did not reach (Adam then leaves it where it is)."""
    return torch.zeros_like(like) if grad is None else grad


def _differing_options(configs: list[dict], device: torch.device) -> dict[str, torch.Tensor]:
    """The objective options whose values differ between the models, as (K,) float tensors (the pack's
    grouping put only per-model options here)."""
    options = [c["objective_options"] for c in configs]
    return {name: torch.tensor([float(o[name]) for o in options], device=device)
            for name in options[0] if len({o[name] for o in options}) > 1}

