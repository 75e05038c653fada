"""The reasoning task of a representation: train WReN (or the MLP baseline) on its embeddings of puzzle
panels and score test accuracy after few and after many steps (van Steenkiste et al. 2019's sample efficiency).

Training puzzles are a fixed seeded pool (the reference draws an endless stream; a pool keeps the panels
rendered and encoded once), the test puzzles a disjoint seeded draw. Defaults are the reference's where it
has one (batch 32, Adam, WReN widths and dropout of its example configuration, learning rate 1e-3 of its
sweep 1e-2 / 1e-3 / 1e-4); the step counts and pool sizes are crl's, for a laptop: the reference trains
100,000 steps on a fresh stream. `FAST` is the study's smoke-test size.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import nn

from crl.downstream.classes import child_seeds
from crl.downstream.reasoning.design import STRATEGIES
from crl.downstream.reasoning.embed import Reasoner, check_representation, panel_embedder
from crl.downstream.reasoning.fit import PuzzleIndex, fit, predict
from crl.downstream.reasoning.models import DROPOUT, EDGE_MLP, GRAPH_MLP, MLPBaseline, WReN, check_sizes
from crl.downstream.reasoning.puzzles import LEVELS, Levels, Puzzles, generate
from crl.metrics.sampling import check_count
from encoders.device import resolve_device

MODELS = ("wren", "mlp")


@dataclass(frozen=True)
class ReasoningConfig:
    """Settings of one reasoning run (see the module docstring for where each default comes from).

    Attributes
    ----------
    model : {"wren", "mlp"}
    steps, few, eval_every : int
        Training steps; the "few steps" accuracy is read after `few`; test accuracy every `eval_every` steps.
    n_train, n_test : int
        Training pool and test puzzles.
    relations, strategy, levels :
        As `generate` (the reference's "mixed" easy puzzles by default).
    batch_size : int
    lr : float
    edge_mlp, graph_mlp : tuple of int
        WReN's widths (graph_mlp: the MLP baseline's hidden widths too).
    dropout : float
    sampled : bool
        Embed with one posterior draw per panel instead of the mean (an `encoders.Encoder` only).
    """

    model: str = "wren"
    steps: int = 10_000
    few: int = 1_000
    eval_every: int = 500
    n_train: int = 10_000
    n_test: int = 1_000
    relations: Any = (1, 3)
    strategy: str = "easy"
    levels: Levels = LEVELS
    batch_size: int = 32
    lr: float = 1e-3
    edge_mlp: tuple[int, ...] = EDGE_MLP
    graph_mlp: tuple[int, ...] = GRAPH_MLP
    dropout: float = DROPOUT
    sampled: bool = False

    def check(self) -> None:
        """Raise ValueError naming the first setting out of range."""
        if self.model not in MODELS:
            raise ValueError(f"model must be one of {MODELS}; got {self.model!r}")
        if self.strategy not in STRATEGIES:
            raise ValueError(f"strategy must be one of {STRATEGIES}; got {self.strategy!r}")
        for name in ("steps", "few", "eval_every", "n_train", "n_test", "batch_size"):
            check_count(getattr(self, name), name, 1)
        if self.few > self.steps:
            raise ValueError(f"few must be at most steps; got few={self.few}, steps={self.steps}")
        if not (isinstance(self.lr, float | int) and self.lr > 0):
            raise ValueError(f"lr must be a positive number; got {self.lr!r}")
        check_sizes(1, edge_mlp=self.edge_mlp, graph_mlp=self.graph_mlp)
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be a rate in [0, 1); got {self.dropout!r}")

    def checkpoints(self) -> list[int]:
        """The steps after which test accuracy is measured: every `eval_every`, `few` and the last."""
        return sorted({*range(self.eval_every, self.steps + 1, self.eval_every), self.few, self.steps})


FAST = ReasoningConfig(steps=300, few=100, eval_every=100, n_train=1000, n_test=300, edge_mlp=(64, 64),
                       graph_mlp=(64,), dropout=0.0)
"""A smoke-test size (a study's ``scores.fast``): seconds on a CPU."""


@dataclass(frozen=True)
class ReasoningResult:
    """A trained reasoner's test accuracy along its training, and its answers to the test puzzles.

    Attributes
    ----------
    curve : pandas.DataFrame
        Columns ``step`` and ``accuracy`` (test accuracy after that many steps).
    few : int
        The step whose accuracy is the "few steps" score.
    test : Puzzles
        The test puzzles.
    chosen : numpy.ndarray
        (n_test,) the candidate the final model picks per test puzzle.
    """

    curve: pd.DataFrame
    few: int
    test: Puzzles
    chosen: np.ndarray

    @property
    def accuracy(self) -> float:
        """Test accuracy after the last step."""
        return float(self.curve["accuracy"].iloc[-1])

    def scores(self) -> dict[str, float]:
        """``accuracy:few``, ``accuracy:many`` (after the last step) and ``accuracy@{step}`` along the curve."""
        at = dict(zip(self.curve["step"], self.curve["accuracy"]))
        out = {"accuracy:few": float(at[self.few]), "accuracy:many": self.accuracy}
        out.update({f"accuracy@{int(step)}": float(value) for step, value in at.items()})
        return out


def _scorer(config: ReasoningConfig, dim: int) -> nn.Module:
    if config.model == "wren":
        return WReN(dim, config.edge_mlp, config.graph_mlp, config.dropout)
    return MLPBaseline(dim, config.graph_mlp)


def train_reasoner(represent: Any, data: Any, config: ReasoningConfig | None = None, *, seed: int = 0,
                   device: str = "auto", progress: bool = True, **options: Any) -> ReasoningResult:
    """Train a reasoner on a representation's embeddings of puzzles from `data`, and test it along the way.

    Parameters
    ----------
    represent : encoders.Encoder, callable or str
        A fitted encoder, any images (N, H, W, C) -> (N, d) callable, "factors" / "onehot" (the ground truth,
        the ceiling) or "pixels" (a CNN trained end to end); `crl.downstream.reasoning.embed`.
    data : scene or data set
        Gives ``factors`` and ``render(factors_df)``.
    config : ReasoningConfig, optional
        The settings; ``**options`` replace single ones (``steps=500``).
    seed : int
        Seeds the puzzles, the weights, the batches and the dropout masks.
    device : str
        "auto" (CUDA when present) or a torch device.
    progress : bool
        A tqdm bar over the steps.

    Returns
    -------
    ReasoningResult
    """
    unknown = sorted(set(options) - {f.name for f in dataclasses.fields(ReasoningConfig)})
    if unknown:
        raise ValueError(f"unknown option(s) {unknown}; expected fields of ReasoningConfig")
    config = dataclasses.replace(config or ReasoningConfig(), **options)
    config.check()
    check_representation(represent, config.sampled)
    where = resolve_device(device)
    seeds = child_seeds(seed, 4)
    puzzles = generate(data, config.n_train + config.n_test, config.relations, config.strategy, seeds[0], config.levels)
    test_rows = np.arange(config.n_train, len(puzzles))
    rows, context, candidates = puzzles.panels()
    train, test = (PuzzleIndex.of(context[s], candidates[s], puzzles.answer[s], where)
                   for s in (slice(0, config.n_train), slice(config.n_train, None)))
    with torch.random.fork_rng(devices=[where] if where.type == "cuda" else []):
        torch.manual_seed(seeds[1])
        panels = panel_embedder(represent, puzzles, rows, config.sampled, seeds[2])
        model = Reasoner(panels, _scorer(config, panels.dim)).to(where)
        curve = fit(model, train, test, steps=config.steps, checkpoints=config.checkpoints(),
                    batch_size=config.batch_size, lr=config.lr, seed=seeds[3], device=where, progress=progress)
    return ReasoningResult(pd.DataFrame({"step": config.checkpoints(), "accuracy": curve}), config.few,
                           puzzles.subset(test_rows), predict(model, test))


def reasoning(represent: Any, data: Any, config: ReasoningConfig | None = None, *, seed: int = 0,
              device: str = "auto", progress: bool = False, **options: Any) -> dict[str, float]:
    """The scores of `train_reasoner` (same arguments): test accuracy after few and many steps, and its curve."""
    return train_reasoner(represent, data, config, seed=seed, device=device, progress=progress, **options).scores()

