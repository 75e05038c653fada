"""Shapes3D (Burgess & Kim 2018) from the user's ``3dshapes.h5``, read lazily by index with h5py.

Checked against the 3dshapes README (deepmind/3d-shapes; the same text in tensorflow_datasets'
shapes3d catalog page) and disentanglement_lib's ``data/ground_truth/shapes3d.py``:

- 480,000 images (N, 64, 64, 3) uint8 in dataset ``images``, their factor values (N, 6) float64
  in ``labels``, in the same order.
- Factors in order: floor_hue 10, wall_hue 10, object_hue 10 (values in [0, 1]), scale 8, shape 4
  (values 0, 1, 2, 3), orientation 15 (in [-30, 30]); "we varied one latent at a time (starting from
  orientation, then shape, etc)": C order, orientation fastest. disentanglement_lib: ``factor_sizes
  = [10, 10, 10, 8, 4, 15]`` (it reads an .npz export; crl reads the published .h5).

Tables hold the ``labels`` values; shape is categorical with codes 0..3 (the labels' own values; the
authors publish no names for the four shapes, so its categories are "0".."3"). Every row of
``labels`` is checked against the grid order when the file is opened. h5py is the optional extra
``crl[datasets]``.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from crl.datasets.axes import axis
from crl.datasets.files import LOAD_AS, TITLES, check_arrays, existing_file, file_format, identify
from crl.datasets.grid import GridDataset
from crl.datasets.images import take_rows
from crl.datasets.layout import check_images, grid_values
from crl.datasets.npz import keys

NAMES = ("floor_hue", "wall_hue", "object_hue", "scale", "shape", "orientation")
SIZES = (10, 10, 10, 8, 4, 15)
CATEGORIES = {"shape": ("0", "1", "2", "3")}
EXPECTED = "the Shapes3D HDF5 file 3dshapes.h5 (datasets images and labels)"


def _h5py() -> Any:
    try:
        import h5py
    except ImportError:
        raise ImportError('reading Shapes3D (.h5) needs h5py: pip install "crl[datasets]"') from None
    return h5py


def _not_hdf5(file: Path) -> ValueError:
    """The error for a file that is no HDF5 file, saying which data set's arrays it holds when it is an .npz."""
    what = file_format(file)
    other = identify(keys(file, EXPECTED)) if what.startswith("an .npz") else None
    if other == "shapes3d":
        what += " holding Shapes3D's arrays (an export such as disentanglement_lib reads; crl reads the published .h5)"
    elif other is not None:
        what += f" holding a {TITLES[other]} file's arrays (load it as {LOAD_AS[other]})"
    return ValueError(f"{str(file)!r} is {what}; expected {EXPECTED}")


def load_shapes3d(path: str | os.PathLike, resolution: int | None = None) -> GridDataset:
    """Load Shapes3D from the user's .h5 file.

    Parameters
    ----------
    path : str or os.PathLike
        ``3dshapes.h5`` as published.
    resolution : int, optional
        Serve images at 32 or 16 pixels (block averages); None keeps 64.

    Returns
    -------
    GridDataset
        Factors floor_hue, wall_hue, object_hue, scale, shape, orientation.
    """
    h5py = _h5py()
    file = existing_file(path, EXPECTED)
    if not h5py.is_hdf5(file):
        raise _not_hdf5(file)
    handle = h5py.File(file, "r")
    check_arrays(file, list(handle.keys()), "shapes3d")
    images = handle["images"]
    check_images(images.shape, images.dtype, SIZES, NAMES, f"{str(file)!r}, dataset 'images'", image_ndim=3)
    labels = np.asarray(handle["labels"])
    grid = grid_values(labels, SIZES, NAMES, f"{str(file)!r}, dataset 'labels'")
    for j, name in enumerate(NAMES):
        if name in CATEGORIES and not np.array_equal(grid[j], np.arange(SIZES[j])):
            raise ValueError(f"{str(file)!r}, dataset 'labels': {name} takes {grid[j].tolist()}; "
                             f"expected the codes 0..{SIZES[j] - 1}")
    axes = [axis(name, grid[j], CATEGORIES.get(name), f"{str(file)!r}: ") for j, name in enumerate(NAMES)]
    return GridDataset("shapes3d", axes, lambda rows: take_rows(images, rows), tuple(images.shape[1:]), str(file),
                       resolution)
