"""Concept read-back: does the model render a change of each concept that its encoder reads back?

For each concept, the latent table of some images gets that concept set to values other images
have (a permutation), the table is decoded, and the encoder reads the concept off the new images.
`carried` is the share of the asked change the images carry, against the reading of the same
images decoded unchanged: continuous, 1 - mean |read - asked| / mean |unchanged - asked|;
categorical, (accuracy - unchanged accuracy) / (1 - unchanged accuracy), the accuracy of reading
the asked class where it changed. 1 is a concept the model renders and reads exactly; 0 is one
whose change leaves the decoded images as they were.

No labels are needed, and the check is of the model, not of the truth: a concept can be carried
consistently and still be the wrong variable. A concept that is not carried cannot be queried
alone: do() on it leaves the images as they were. That happens when the decoder ignores it, and
also when its parents determine it: the decoder then draws it from their latents, and a change of
it alone asks for images unlike any it was trained on. Measured with the demo's settings:
pendulum's pendulum and light carried 0.96 and 0.95, its shadows (nearly functions of those two)
0.03 and 0.05; flow's ball_size, hole and water_height 0.75-0.88, flow 0.32; on causal_sprites
(graph y -> x -> scale, x -> orientation <- shape) x and y 0.86 and 0.85, scale 0.51,
orientation 0.08 and shape 0.14.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from crl.concepts import ConceptMap
from crl.thresholds import MIN_CARRIED


def concept_readback(encode: Callable[[np.ndarray], pd.DataFrame], decode: Callable[[pd.DataFrame], np.ndarray],
                     table: pd.DataFrame, concepts: ConceptMap, seed: int = 0) -> pd.DataFrame:
    """Read-back of every concept over the latent `table` (concepts and nuisance columns of some images):
    one row per concept with `kind`, `carried` and `queryable` (carried >= MIN_CARRIED)."""
    rng = np.random.default_rng(seed)
    unchanged = encode(decode(table))
    rows = []
    for concept in concepts.concepts:
        before = table[concept.name].to_numpy(dtype=float)
        asked = rng.permutation(before)
        moved = asked != before
        if not moved.any():
            rows.append({"concept": concept.name, "kind": concept.kind, "carried": np.nan, "queryable": False})
            continue
        read = encode(decode(table.assign(**{concept.name: asked})))[concept.name].to_numpy(dtype=float)[moved]
        still = unchanged[concept.name].to_numpy(dtype=float)[moved]
        asked = asked[moved]
        if concept.kind == "categorical":
            base = np.mean(still == asked)
            carried = (np.mean(read == asked) - base) / (1.0 - base) if base < 1 else np.nan
        else:
            carried = 1.0 - np.mean(np.abs(read - asked)) / np.mean(np.abs(still - asked))
        rows.append({"concept": concept.name, "kind": concept.kind, "carried": float(carried),
                     "queryable": bool(carried >= MIN_CARRIED)})
    return pd.DataFrame(rows, columns=["concept", "kind", "carried", "queryable"])
