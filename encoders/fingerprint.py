"""A cheap fingerprint of a training's data, so that a checkpoint resumes only on the data it was written for.

Each array is described by its shape, dtype and the hash of an evenly strided subset of its rows
(`FINGERPRINT_ROWS` of them): milliseconds for 100k images, and other images of the same shape,
a reordering, or a different subset of a data set all change it. The encoded labels are hashed
whole (they are small). A change confined to rows outside the subset goes unseen: the check is
against resuming on the wrong data by accident, not a proof of identity.
"""
from __future__ import annotations

import hashlib

import numpy as np

FINGERPRINT_ROWS = 256


def array_fingerprint(array: np.ndarray, rows: int | None = FINGERPRINT_ROWS) -> str:
    """Shape, dtype and the sha256 of `rows` evenly strided rows of `array` (every row when `rows` is None).

    Parameters
    ----------
    array : numpy.ndarray
        At least one dimension.
    rows : int or None

    Returns
    -------
    str
        e.g. "uint8(128, 16, 16, 3):3f9a...".
    """
    picked = array if rows is None or len(array) <= rows else array[np.linspace(0, len(array) - 1, rows).astype(int)]
    digest = hashlib.sha256(np.ascontiguousarray(picked).tobytes()).hexdigest()[:32]
    return f"{array.dtype}{tuple(array.shape)}:{digest}"


def data_fingerprint(images: np.ndarray, pairs: tuple[np.ndarray, np.ndarray] | None,
                     labels: tuple[np.ndarray, np.ndarray] | None,
                     validation: tuple[np.ndarray, np.ndarray] | None = None) -> dict[str, str | None]:
    """The fingerprint of each part of a training's data.

    Parameters
    ----------
    images : numpy.ndarray
        uint8 (N, H, W, C).
    pairs : (numpy.ndarray, numpy.ndarray) or None
    labels, validation : (numpy.ndarray, numpy.ndarray) or None
        The encoded labels and held-out labelled rows: image rows and their values.

    Returns
    -------
    dict
        "images", "pairs", "labels" -> a fingerprint string, or None for a part not given; "validation" only
        when given (so checkpoints of trainings without it keep their fingerprint).
    """
    found = {
        "images": array_fingerprint(images),
        "pairs": None if pairs is None else "|".join(array_fingerprint(part) for part in pairs),
        "labels": None if labels is None else "|".join(array_fingerprint(part, rows=None) for part in labels),
    }
    if validation is not None:
        found["validation"] = "|".join(array_fingerprint(part, rows=None) for part in validation)
    return found
