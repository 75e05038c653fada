"""dSprites (Matthey et al. 2017) from the user's ``dsprites_ndarray_co1sh3sc6or40x32y32_64x64.npz``.

Checked against the dSprites README (deepmind/dsprites-dataset, the same text in tensorflow_datasets'
dsprites README) and disentanglement_lib's ``data/ground_truth/dsprites.py``:

- 737,280 images (N, 64, 64) uint8 holding 0 and 1, in array ``imgs``; ``latents_classes`` (N, 6)
  and ``latents_values`` (N, 6); a pickled ``metadata`` dict, never read here (it needs unpickling,
  and its ``latents_names`` and ``latents_sizes`` are the published ones below).
- Factors in order: color 1 (white), shape 3 (square, ellipse, heart), scale 6 (linearly spaced in
  [0.5, 1]), orientation 40 (in [0, 2 pi]; 0 and 2 pi both appear, the same picture for the
  symmetric shapes), posX 32 and posY 32 (in [0, 1]); "we varied one latent at a time, starting from
  Position Y, then Position X": C order, posY fastest. disentanglement_lib's ``full_factor_sizes =
  [1, 3, 6, 40, 32, 32]``; it serves images as (64, 64, 1) and leaves color out of the factors
  (``latent_factor_indices`` 1..5), as `factors` does here while the tables keep its column.

Images are served as (64, 64, 1) uint8 with pixels 0 and 255. Tables hold ``latents_values`` for the
continuous factors and ``latents_classes`` for the categorical ones (shape 0..2; ``latents_values``
stores 1, 2, 3). The published file deflates ``imgs`` (3 GB unpacked): it is streamed once and kept
packed eight pixels to a byte (377 MB); a file saved without compression is memory-mapped instead.
"""
from __future__ import annotations

import os

import numpy as np

from crl.datasets.axes import axis
from crl.datasets.files import check_arrays, existing_file
from crl.datasets.grid import GridDataset, Reader
from crl.datasets.images import take_rows
from crl.datasets.layout import check_classes, check_images, grid_values
from crl.datasets.npz import Member, keys, load_member, member, member_chunks

NAMES = ("color", "shape", "scale", "orientation", "posX", "posY")
SIZES = (1, 3, 6, 40, 32, 32)
CATEGORIES = {"color": ("white",), "shape": ("square", "ellipse", "heart")}
EXPECTED = "the dSprites .npz (arrays imgs, latents_classes, latents_values)"


def load_dsprites(path: str | os.PathLike, resolution: int | None = None) -> GridDataset:
    """Load dSprites from the user's .npz file.

    Parameters
    ----------
    path : str or os.PathLike
        ``dsprites_ndarray_co1sh3sc6or40x32y32_64x64.npz`` as published.
    resolution : int, optional
        Serve images at 32 or 16 pixels (block averages); None keeps 64.

    Returns
    -------
    GridDataset
        Factors shape, scale, orientation, posX, posY; tables also hold the constant color.
    """
    file = existing_file(path, EXPECTED)
    check_arrays(file, keys(file, EXPECTED), "dsprites")
    images = member(file, "imgs")
    check_images(images.shape, images.dtype, SIZES, NAMES, f"{str(file)!r}, array 'imgs'", image_ndim=2)
    classes = np.asarray(load_member(member(file, "latents_classes")))
    if not np.issubdtype(classes.dtype, np.integer):
        raise ValueError(f"{str(file)!r}, array 'latents_classes' is {classes.dtype}; expected integer classes")
    check_classes(classes, SIZES, NAMES, f"{str(file)!r}, array 'latents_classes'")
    values = np.asarray(load_member(member(file, "latents_values")))
    grid = grid_values(values, SIZES, NAMES, f"{str(file)!r}, array 'latents_values'")
    axes = [axis(name, grid[j], CATEGORIES.get(name), f"{str(file)!r}: ") for j, name in enumerate(NAMES)]
    return GridDataset("dsprites", axes, _reader(images), (*images.shape[1:], 1), str(file), resolution)


def _reader(images: Member) -> Reader:
    """Rows of ``imgs`` as (n, H, W, 1) uint8 0/255: memory-mapped when stored, packed bits when deflated."""
    width = images.shape[2]
    if not images.compressed:
        stored = load_member(images)
        return lambda rows: ((take_rows(stored, rows) > 0).astype(np.uint8) * 255)[..., None]
    packed = np.empty((images.shape[0], images.shape[1], (width + 7) // 8), dtype=np.uint8)
    start = 0
    for chunk in member_chunks(images):
        if chunk.max(initial=0) > 1:
            raise ValueError(f"{str(images.path)!r}, array 'imgs' holds pixel values above 1; dSprites pixels are 0 or 1")
        packed[start:start + len(chunk)] = np.packbits(chunk, axis=-1)
        start += len(chunk)
    return lambda rows: (np.unpackbits(packed[np.asarray(rows)], axis=-1, count=width) * 255)[..., None]
