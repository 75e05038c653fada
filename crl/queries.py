"""A do() dict checked against a model's concepts before the structural equations see it, and what a query returns."""
from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from crl.concepts import ConceptMap
from crl.exceptions import OutsideDataWarning
from crl.notes import ModelNotes
from scm.interventions import Shift, Soft, as_intervention
from scm.model import SCM
from scm.support import support_distance
from scm.thresholds import SUPPORT_QUANTILE


@dataclass(frozen=True)
class QueryResult:
    """Images (uint8, N x H x W x C), the latent table they were decoded from, and per row whether the
    query stayed inside the data (`support_of`; None for observational samples)."""

    images: np.ndarray
    latents: pd.DataFrame
    in_support: np.ndarray | None = None


def resolve_do(do: Mapping[str, Any], concepts: ConceptMap, notes: ModelNotes, strict: bool = False) -> dict[str, Any]:
    """`do` with every value checked and in the form the structural equations take.

    Parameters
    ----------
    do : dict
        Concept -> a hard value in label units (a category name or code for a categorical concept; one
        value or one per row), `scm.Shift`, `scm.Soft`, or their tuple spellings ("shift", delta) / ("soft", dist).
    concepts : ConceptMap
        The model's concepts: names, kinds, categories and the range seen in training.
    notes : ModelNotes
        The model's notes: setting a concept it found unmeasured or read through others is warned about,
        as the model claims no effects of it.
    strict : bool
        Refuse hard values outside the range seen in training (else a warning: the decoder has not seen
        such images).

    Returns
    -------
    dict
        Hard values with category names replaced by class codes; `Shift` and `Soft` as given.
    """
    if not isinstance(do, Mapping) or not do:
        raise ValueError(f"do must be a non-empty dict of concept -> value; got {do!r}")
    unknown = [name for name in do if name not in concepts.names]
    if unknown:
        raise ValueError(f"do names unknown concepts {unknown}; the model's concepts are {concepts.names}")
    unmeasured = [name for name in do if name in notes.unmeasured]
    if unmeasured:
        warnings.warn(f"do() sets {unmeasured}, which the encoder reads poorly (the notes' concept_fit); the "
                      "model claims no effects of them, and their decoded images may not show the value",
                      stacklevel=4)
    inferred = [name for name in do if name in notes.read_through]
    if inferred:
        warnings.warn(f"do() sets {inferred}, which the encoder infers from other concepts "
                      "(the notes' read_through); the model claims no effects of them", stacklevel=4)
    resolved = {name: as_intervention(value, name) for name, value in do.items()}
    return {name: value if isinstance(value, (Shift, Soft)) else _hard_value(concepts, name, value, strict)
            for name, value in resolved.items()}


def _hard_value(concepts: ConceptMap, name: str, value: Any, strict: bool) -> Any:
    """A hard do() value as a class code (for a category name), checked finite and within the range seen."""
    concept = concepts[name]
    value = concept.code_of(value)
    values = np.atleast_1d(np.asarray(value, dtype=float))
    if np.any(~np.isfinite(values)):
        raise ValueError(f"do[{name!r}] must be finite; got {value!r}")
    if ((values < concept.low) | (values > concept.high)).any():
        message = (f"do[{name!r}] = {value!r} lies outside the range seen in training "
                   f"[{concept.low:.4g}, {concept.high:.4g}]; the decoder has not seen such images")
        if strict:
            raise ValueError(message)
        warnings.warn(message, stacklevel=5)
    return value


def support_of(scm: SCM, rows: pd.DataFrame, do: Mapping[str, Any]) -> np.ndarray:
    """Per row, whether every concept `do` sets lies within its noise band given its parents (`scm.support`).

    Outside it no training image showed the concept that far from what its parents give, so the decoded image
    extrapolates; a warning names the concepts and counts the rows.
    """
    distance = support_distance(scm, rows, list(do))
    inside = (distance.to_numpy() == 0).all(axis=1)
    if not inside.all():
        outside = [name for name in distance.columns if (distance[name] > 0).any()]
        warnings.warn(f"{int((~inside).sum())} of {len(inside)} rows set {outside} beyond the data: the value minus "
                      f"what its parents predict falls outside the {SUPPORT_QUANTILE:.0%}-{1 - SUPPORT_QUANTILE:.0%} "
                      "quantiles of the training residuals (QueryResult.in_support); their images extrapolate",
                      OutsideDataWarning, stacklevel=3)
    return inside
