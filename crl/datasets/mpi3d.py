"""MPI3D (Gondal et al. 2019) from the user's ``mpi3d_toy.npz``, ``mpi3d_realistic.npz`` or ``mpi3d_real.npz``.

Checked against the MPI3D README (rr-learning/disentanglement_dataset) and disentanglement_lib's
``data/ground_truth/mpi3d.py``:

- One array, ``images`` (N, 64, 64, 3) uint8; no labels: the grid is implicit in the order
  (``array.reshape([6, 6, 2, 3, 3, 40, 40, 64, 64, 3])``; row = object_color * 172800 + ... +
  horizontal_axis * 40 + vertical_axis). The published files are saved without compression, so the
  array is memory-mapped (a user's recompressed copy is read whole: 12.7 GB).
- Factors in order: object_color (white, green, red, blue, brown, olive), object_shape (cone, cube,
  cylinder, hexagonal, pyramid, sphere), object_size (small, large), camera_height (top, center,
  bottom), background_color (purple, sea green, salmon), horizontal_axis and vertical_axis (0..39,
  the robot arm's two degrees of freedom): 1,036,800 images, the same grid for all three files, say
  the README and its Final_Dataset files.
- disentanglement_lib's loader gives toy and realistic ``factor_sizes = [4, 4, 2, 3, 3, 40, 40]``
  and real ``[6, 6, 2, 3, 3, 40, 40]``: the 4 x 4 grid is the earlier release of the simulated sets
  (460,800 images; colors green, red, blue, brown; shapes cone, cube, hexagonal prism, sphere, in
  the README's first version). A toy or realistic file may hold either grid, told apart by its
  image count; a real file holds the 6 x 6 grid. Any other count is refused.

The five named factors are categorical (codes as published); the two axes are continuous, 0..39.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from crl.datasets.axes import axis
from crl.datasets.files import check_arrays, existing_file
from crl.datasets.grid import GridDataset
from crl.datasets.images import take_rows
from crl.datasets.layout import check_images
from crl.datasets.npz import keys, load_member, member

NAMES = ("object_color", "object_shape", "object_size", "camera_height", "background_color", "horizontal_axis",
         "vertical_axis")
EXPECTED = "an MPI3D .npz (array images)"


@dataclass(frozen=True)
class Layout:
    """One published MPI3D grid: the category names of the five named factors and the arm's positions per axis."""

    categories: tuple[tuple[str, ...], ...]
    positions: int = 40

    @property
    def sizes(self) -> tuple[int, ...]:
        """The grid's factor sizes, in `NAMES` order."""
        return (*(len(c) for c in self.categories), self.positions, self.positions)

    @property
    def count(self) -> int:
        """How many images the grid has."""
        return int(np.prod(self.sizes, dtype=np.int64))


_SIZE = ("small", "large")
_HEIGHT = ("top", "center", "bottom")
_BACKGROUND = ("purple", "sea green", "salmon")
RELEASED = Layout((("white", "green", "red", "blue", "brown", "olive"),
                   ("cone", "cube", "cylinder", "hexagonal", "pyramid", "sphere"), _SIZE, _HEIGHT, _BACKGROUND))
EARLY = Layout((("green", "red", "blue", "brown"), ("cone", "cube", "hexagonal prism", "sphere"), _SIZE, _HEIGHT,
                _BACKGROUND))
VARIANTS: dict[str, tuple[Layout, ...]] = {"mpi3d_toy": (RELEASED, EARLY), "mpi3d_realistic": (RELEASED, EARLY),
                                           "mpi3d_real": (RELEASED,)}


def load_mpi3d(variant: str, path: str | os.PathLike, resolution: int | None = None) -> GridDataset:
    """Load one MPI3D variant from the user's .npz file.

    Parameters
    ----------
    variant : {"mpi3d_toy", "mpi3d_realistic", "mpi3d_real"}
        Which file it is (the grid it must hold depends on it).
    path : str or os.PathLike
        The .npz as published.
    resolution : int, optional
        Serve images at 32 or 16 pixels (block averages); None keeps 64.

    Returns
    -------
    GridDataset
    """
    if variant not in VARIANTS:
        raise ValueError(f"unknown MPI3D variant {variant!r}; expected one of {sorted(VARIANTS)}")
    file = existing_file(path, EXPECTED)
    check_arrays(file, keys(file, EXPECTED), "mpi3d")
    images = member(file, "images")
    where = f"{str(file)!r}, array 'images'"
    layout = next((lay for lay in VARIANTS[variant] if images.shape[:1] == (lay.count,)), None)
    if layout is None:
        counts = " or ".join(f"{lay.count} ({' x '.join(map(str, lay.sizes))})" for lay in VARIANTS[variant])
        raise ValueError(f"{where} holds {images.shape[0] if images.shape else 0} images; an {variant} file holds "
                         f"{counts}")
    check_images(images.shape, images.dtype, layout.sizes, NAMES, where, image_ndim=3)
    axes = [axis(name, None, names) for name, names in zip(NAMES, layout.categories)]
    axes += [axis(name, np.arange(layout.positions)) for name in NAMES[-2:]]
    stored = load_member(images)
    return GridDataset(variant, axes, lambda rows: take_rows(stored, rows), images.shape[1:], str(file), resolution)
