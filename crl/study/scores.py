"""What a trial measures of its trained model: a registry of score families, name -> family.

Each family is one function (encoder, data, context) -> {score: number}; the results table gets one
column ``<family>.<score>`` per number. A family also says what its numbers are for the report:
``role`` ("disentanglement": truth a study is judged by; "selection": a score that picks models without
test labels, `lower_is_better` naming those minimised; "unsupervised"; "downstream") and its
``headline`` columns (the ones the figures show; the table keeps every number).

- ``metrics``: every disentanglement metric of `crl.metrics.evaluate_representation` (BetaVAE, FactorVAE,
  MIG, DCI, SAP, modularity/explicitness, MCC), with disentanglement_lib's sizes, or its small ones when
  the study's ``scores.fast`` is set. Data that cannot render (a loose folder) gets the table metrics only.
- ``selection``: the model-selection scores of `crl.model_selection.score_candidates`: the weak
  reconstruction loss of held-out pairs (where the data makes pairs), the negative ELBO of held-out images,
  and few-label validation scores on 100 labelled images.
- ``unsupervised``: disentanglement_lib's unsupervised scores (`crl.metrics.unsupervised`): Gaussian total
  correlation, Gaussian Wasserstein correlation (and normalised), mutual information score; lower is better.
- ``sample_efficiency`` and ``sample_efficiency_gbt``: disentanglement_lib's downstream task with logistic
  regression and with boosted trees (`crl.downstream.sample_efficiency`).
- ``fairness``: disentanglement_lib's unfairness (`crl.downstream.unfairness`; 0 is fair).
- ``generalization``: Schott et al.'s readout R^2 per split of factor space (`crl.downstream.strong_generalization`).
- ``reasoning``: van Steenkiste et al.'s abstract reasoning, WReN's test accuracy on PGM-style puzzles after few and
  many training steps, and its curve (`crl.downstream.reasoning`; `FAST` sizes when fast).

Fairness, generalization and reasoning render images for chosen factors: on data that cannot (a loose folder) they
give no numbers.
"""
from __future__ import annotations

import numbers
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from crl.downstream import sample_efficiency, strong_generalization, unfairness
from crl.downstream.reasoning import FAST as REASONING_FAST
from crl.downstream.reasoning import reasoning
from crl.metrics.representation import DEFAULT_METRICS, TABLE_METRICS, evaluate_representation
from crl.metrics.unsupervised import SCORES as UNSUPERVISED_SCORES
from crl.metrics.unsupervised import compute_unsupervised
from crl.model_selection import LOWER_IS_BETTER, VALIDATION_METRICS, VALIDATION_PREFIX, Candidate, score_candidates


@dataclass(frozen=True)
class ScoreContext:
    """What a family needs besides the model and the data.

    Attributes
    ----------
    fast : bool
        Small sample sizes (a smoke test), not the published ones.
    seed : int
        Seeds every sample the scores draw; equal for every trial of a study, so models are scored on the same points.
    renders : bool
        Whether the data draws images for chosen factors (`crl.study.data.renders`).
    pair_k : int or "random"
        Factors changed per pair for pair-based scores (the trial's training setting).
    """

    fast: bool
    seed: int
    renders: bool
    pair_k: int | str


ScoreFn = Callable[[Any, Any, ScoreContext], Mapping[str, Any]]


@dataclass(frozen=True)
class ScoreFamily:
    """One entry of `FAMILIES`: its function, its role in the report, and its headline columns."""

    compute: ScoreFn
    role: str
    headline: tuple[str, ...]
    lower_is_better: tuple[str, ...] = ()


def _metrics(encoder: Any, data: Any, context: ScoreContext) -> dict[str, float]:
    """The disentanglement metrics; a metric's one number is named after it, several as metric.field."""
    names = DEFAULT_METRICS if context.renders else tuple(m for m in DEFAULT_METRICS if m in TABLE_METRICS)
    table = evaluate_representation(encoder.encode, data, metrics=names, seed=context.seed, fast=context.fast)
    return {(metric if score == metric else f"{metric}.{score}"): float(value)
            for metric, score, value in table.itertuples(index=False)}


HELDOUT = {True: 200, False: 5000}
"""Held-out images and pairs of the selection scores, by `fast`."""
FEW_LABELS = 100
"""Labelled images of the few-label validation scores (Locatello et al. 2020 select with 100)."""


def _selection(encoder: Any, data: Any, context: ScoreContext) -> dict[str, float]:
    """Scores that choose models without test labels, each drawn with its own seed."""
    n = HELDOUT[context.fast]
    images = data.sample(n, seed=context.seed + 1000).images
    pairs = data.sample_pairs(n, k=context.pair_k, seed=context.seed + 1001) if context.renders else None
    labelled = data.sample(FEW_LABELS, seed=context.seed + 1002)
    table = score_candidates([Candidate({}, 0, encoder)], heldout_pairs=pairs, heldout_images=images,
                             validation=(labelled.images, labelled.factors), metric=list(VALIDATION_METRICS))
    return {column: float(table.iloc[0][column]) for column in table.columns
            if column in LOWER_IS_BETTER or str(column).startswith(VALIDATION_PREFIX)}


FAST_SIZES: dict[str, dict[str, Any]] = {
    "unsupervised": {"num_train": 1000}, "sample_efficiency": {"sizes": (10, 100), "num_test": 500},
    "fairness": {"num_train": 500, "num_test_points_per_class": 20}, "generalization": {"n_train": 500, "n_test": 200},
}
"""The downstream and unsupervised families' sample sizes when ``fast`` (else their functions' defaults, which
are disentanglement_lib's and Schott et al.'s)."""


def _sizes(family: str, context: ScoreContext) -> dict[str, Any]:
    return dict(FAST_SIZES[family]) if context.fast else {}


def _unsupervised(encoder: Any, data: Any, context: ScoreContext) -> dict[str, float]:
    return compute_unsupervised(encoder.encode, data, seed=context.seed, **_sizes("unsupervised", context))


def _efficiency(predictor: str) -> ScoreFn:
    def compute(encoder: Any, data: Any, context: ScoreContext) -> dict[str, float]:
        return sample_efficiency(encoder.encode, data, predictor=predictor, seed=context.seed,
                                 **_sizes("sample_efficiency", context))

    return compute


def _fairness(encoder: Any, data: Any, context: ScoreContext) -> dict[str, float]:
    if not context.renders:
        return {}
    return unfairness(encoder.encode, data, seed=context.seed, **_sizes("fairness", context))


def _generalization(encoder: Any, data: Any, context: ScoreContext) -> dict[str, float]:
    if not context.renders:
        return {}
    return strong_generalization(encoder.encode, data, seed=context.seed, **_sizes("generalization", context))


def _reasoning(encoder: Any, data: Any, context: ScoreContext) -> dict[str, float]:
    if not context.renders:
        return {}
    return reasoning(encoder, data, REASONING_FAST if context.fast else None, seed=context.seed)


EFFICIENCY_HEADLINE = ("sample_efficiency", "100:mean_test_accuracy")
REASONING_HEADLINE = ("accuracy:few", "accuracy:many")
FAMILIES: dict[str, ScoreFamily] = {
    "metrics": ScoreFamily(_metrics, "disentanglement",
                           ("beta_vae", "factor_vae", "mig", "dci.disentanglement", "sap", "modularity", "mcc")),
    "selection": ScoreFamily(_selection, "selection",
                             ("pair_loss", "neg_elbo", *(VALIDATION_PREFIX + m for m in VALIDATION_METRICS)),
                             lower_is_better=LOWER_IS_BETTER),
    "unsupervised": ScoreFamily(_unsupervised, "unsupervised", UNSUPERVISED_SCORES, lower_is_better=UNSUPERVISED_SCORES),
    "sample_efficiency": ScoreFamily(_efficiency("logistic_regression"), "downstream", EFFICIENCY_HEADLINE),
    "sample_efficiency_gbt": ScoreFamily(_efficiency("gbt"), "downstream", EFFICIENCY_HEADLINE),
    "fairness": ScoreFamily(_fairness, "downstream", ("mean_fairness:mean_pred:mean_sens",)),
    "generalization": ScoreFamily(_generalization, "downstream",
                                  ("random:r2", "composition:r2", "interpolation:r2", "extrapolation:r2")),
    "reasoning": ScoreFamily(_reasoning, "downstream", REASONING_HEADLINE),
}
"""The score families a study may ask for (config ``scores.families``), by name."""
OPT_IN = ("reasoning",)
"""Families a study runs only when it lists them: reasoning trains a WReN per trial (hours on a CPU at the reference's sizes)."""
DEFAULT_FAMILIES = tuple(name for name in sorted(FAMILIES) if name not in OPT_IN)
"""The families of a study whose config lists none."""


def flatten(values: Mapping[str, Any], prefix: str) -> dict[str, float]:
    """``{prefix.key: number}`` for every number in `values`, nested mappings joined with '.'; other values dropped."""
    flat: dict[str, float] = {}
    for key, value in values.items():
        name = f"{prefix}.{key}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, name))
        elif isinstance(value, numbers.Real) and not isinstance(value, bool):
            flat[name] = float(value)
    return flat


def score(encoder: Any, data: Any, families: Sequence[str], context: ScoreContext) -> dict[str, float]:
    """Every number of every family in `families`, as results-table columns ``<family>.<score>``."""
    row: dict[str, float] = {}
    for name in families:
        row.update(flatten(FAMILIES[name].compute(encoder, data, context), name))
    return row


def columns_of(table_columns: Sequence[str], role: str, headline_only: bool = True) -> list[str]:
    """The score columns of `table_columns` whose family has `role` (only its headline ones, by default)."""
    found = []
    for name, family in FAMILIES.items():
        if family.role != role:
            continue
        if headline_only:
            found += [f"{name}.{h}" for h in family.headline if f"{name}.{h}" in table_columns]
        else:
            found += [c for c in table_columns if c.startswith(f"{name}.")]
    return found


def lower_is_better(column: str) -> bool:
    """Whether score column `column` is minimised (a loss), by its family's `lower_is_better`."""
    family, _, score_name = column.partition(".")
    return family in FAMILIES and score_name in FAMILIES[family].lower_is_better
