"""The published layout of a grid file: how many images, of what shape, and which factor values each row holds.

All three published files store their grid in C order: row r is the grid point whose class of
factor j is ``(r // stride_j) % size_j``, stride_j being the product of the later factors' sizes
(dSprites: "starting from Position Y, then Position X, etc."; Shapes3D: "starting from orientation,
then shape, etc."; MPI3D: ``reshape([6, 6, 2, 3, 3, 40, 40, 64, 64, 3])``). Where a file stores its
labels these checks read every row against that order, so a reordered or truncated file is refused
instead of silently mislabelled.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def implied_classes(n: int, sizes: Sequence[int], j: int) -> np.ndarray:
    """The class of factor `j` at each of rows 0..n-1 of a C-ordered grid of `sizes`."""
    stride = int(np.prod(sizes[j + 1:], dtype=np.int64))
    return (np.arange(n, dtype=np.int64) // stride) % int(sizes[j])


def check_images(shape: Sequence[int], dtype: np.dtype, sizes: Sequence[int], names: Sequence[str], where: str,
                 image_ndim: int) -> None:
    """Raise ValueError unless a stored image array holds one uint8 image per grid point.

    Parameters
    ----------
    shape, dtype
        The stored array's shape and dtype.
    sizes, names : sequences
        The grid's factor sizes and names (for the message).
    where : str
        Names the file and array.
    image_ndim : int
        2 for single-channel images stored (N, H, W), 3 for (N, H, W, C).
    """
    expected = int(np.prod(sizes, dtype=np.int64))
    grid = " x ".join(f"{name} {size}" for name, size in zip(names, sizes))
    if len(shape) != 1 + image_ndim or dtype != np.uint8:
        raise ValueError(f"{where} is {dtype} of shape {tuple(shape)}; expected uint8 images of {1 + image_ndim} axes")
    if shape[0] != expected:
        raise ValueError(f"{where} holds {shape[0]} images; the grid {grid} has {expected}")


def grid_values(values: np.ndarray, sizes: Sequence[int], names: Sequence[str], where: str) -> list[np.ndarray]:
    """Each factor's values by class, read off a label table stored in grid order, every row checked.

    Parameters
    ----------
    values : numpy.ndarray
        (N, F) factor values, one row per image, in the file's order.
    sizes, names : sequences
        The grid's F factor sizes and names.
    where : str
        Names the file and array in error messages.

    Returns
    -------
    list of numpy.ndarray
        The value of classes 0..K-1 of each factor.
    """
    n = len(values)
    if values.ndim != 2 or values.shape[1] != len(sizes):
        raise ValueError(f"{where} has shape {values.shape}; expected one row per image and {len(sizes)} columns "
                         f"({', '.join(names)})")
    out = []
    for j, (name, size) in enumerate(zip(names, sizes)):
        classes = implied_classes(n, sizes, j)
        stride = int(np.prod(sizes[j + 1:], dtype=np.int64))
        by_class = values[np.arange(size) * stride, j].astype(np.float64)
        wrong = np.flatnonzero(values[:, j] != by_class[classes])
        if len(wrong):
            row = int(wrong[0])
            first = int(classes[row]) * stride
            raise ValueError(f"{where}: rows {first} and {row} are both {name} class {classes[row]} in the published "
                             f"grid order but hold {name}={float(values[first, j]):g} and {float(values[row, j]):g}; "
                             f"the file is not in the published order")
        out.append(by_class)
    return out


def check_classes(classes: np.ndarray, sizes: Sequence[int], names: Sequence[str], where: str) -> None:
    """Raise ValueError unless a stored table of class indices follows the C-ordered grid of `sizes`."""
    if classes.ndim != 2 or classes.shape[1] != len(sizes):
        raise ValueError(f"{where} has shape {classes.shape}; expected one row per image and {len(sizes)} columns")
    for j, name in enumerate(names):
        wrong = np.flatnonzero(classes[:, j] != implied_classes(len(classes), sizes, j))
        if len(wrong):
            row = int(wrong[0])
            raise ValueError(f"{where}: row {row} has {name} class {int(classes[row, j])}, the published grid order "
                             f"puts {int(implied_classes(len(classes), sizes, j)[row])}; the file is not in the "
                             f"published order")
