"""The field's benchmark data sets from the user's own files: dSprites, Shapes3D, MPI3D, and folders of images.

``load(name, path)`` reads a file the user already has (nothing downloads) and returns a data set
with the protocol of a crl scene (`crl.protocols.SceneLike`): ``factors``, ``graph``, ``sample``,
``render``, ``intervene``, ``counterfactual``, ``sample_pairs`` and ``labels``, so `crl.evaluate`,
`crl train` and `crl evaluate` run on it as on a scene. Large files are memory-mapped or read
lazily by index; nothing is unpickled. See docs/datasets.md.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from functools import partial
from typing import Any

from crl.datasets.dsprites import load_dsprites
from crl.datasets.folder import FolderDataset, load_folder
from crl.datasets.grid import GridDataset, GridSample
from crl.datasets.mpi3d import VARIANTS, load_mpi3d
from crl.datasets.shapes3d import load_shapes3d

_LOADERS: dict[str, Callable[..., Any]] = {
    "dsprites": load_dsprites,
    "shapes3d": load_shapes3d,
    **{variant: partial(load_mpi3d, variant) for variant in VARIANTS},
    "folder": load_folder,
}
OPTIONS = ("resolution",)


def names() -> list[str]:
    """The data set names `load` takes, sorted."""
    return sorted(_LOADERS)


def load(name: str, path: str | os.PathLike, **options: Any) -> GridDataset | FolderDataset:
    """Load a benchmark data set, or a folder of the user's own images, from files the user has.

    Parameters
    ----------
    name : str
        "dsprites" (the .npz), "shapes3d" (the .h5, needs ``crl[datasets]``), "mpi3d_toy",
        "mpi3d_realistic" or "mpi3d_real" (the .npz of that variant; the names disentanglement_lib
        gives them), or "folder" (images plus factors.csv).
    path : str or os.PathLike
        The file, or for "folder" the folder.
    **options
        ``resolution``: serve images at a smaller side (a multiple of 16 dividing the stored one),
        averaging pixel blocks; by default images are served as stored (64 px for the benchmarks).

    Returns
    -------
    GridDataset or FolderDataset
        A grid data set (every combination of factor values has its image), or a folder that is no
        full grid (sample, labels and factors only).
    """
    if name not in _LOADERS:
        hint = "; name the MPI3D variant" if name == "mpi3d" else ""
        raise ValueError(f"unknown data set {name!r}{hint}; available data sets are {names()}")
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise ValueError(f"data set {name!r}: unknown option(s) {unknown}; its options are {list(OPTIONS)}")
    return _LOADERS[name](path, **options)


__all__ = ["FolderDataset", "GridDataset", "GridSample", "load", "names"]
